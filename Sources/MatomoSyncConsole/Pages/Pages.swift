import Foundation
import Hummingbird
import MatomoSync
import Mustache

/// Renders pages: a template, then the layout around it.
enum Pages {
    static let library: MustacheLibrary = {
        var templates: [String: MustacheTemplate] = [:]
        for (name, text) in [("layout", Templates.layout), ("signin", Templates.signIn), ("sources", Templates.sources),
                             ("new-source", Templates.newSource), ("source", Templates.source), ("remove-source", Templates.removeSource),
                             ("query", Templates.query)] {
            // The templates are constants of this module: one that does not parse is a bug caught by every test.
            templates[name] = try! MustacheTemplate(string: text)
        }
        return MustacheLibrary(templates: templates)
    }()

    static func page(_ name: String, title: String, _ values: [String: Any], csrf: String?, flash: String? = nil,
                     problem: String? = nil, status: HTTPResponse.Status = .ok) -> Response {
        var values = values
        if values["csrf"] == nil { values["csrf"] = csrf ?? "" }
        let body = library.render(values, withTemplate: name) ?? ""
        var frame: [String: Any] = ["title": title, "body": body, "csrf": csrf ?? ""]
        if csrf != nil { frame["signedIn"] = true }
        if let flash { frame["flash"] = flash }
        if let problem { frame["problem"] = problem }
        let html = library.render(frame, withTemplate: "layout") ?? ""
        return Response(status: status, headers: [.contentType: "text/html; charset=utf-8"],
                        body: ResponseBody(byteBuffer: ByteBuffer(string: html)))
    }

    static func plain(_ status: HTTPResponse.Status, _ text: String) -> Response {
        Response(status: status, headers: [.contentType: "text/plain; charset=utf-8"],
                 body: ResponseBody(byteBuffer: ByteBuffer(string: text + "\n")))
    }

    static func redirect(_ location: String) -> Response {
        Response(status: .seeOther, headers: [.location: location])
    }

    static func json(_ value: some Encodable, status: HTTPResponse.Status = .ok) -> Response {
        let data = (try? JSONEncoder().encode(value)) ?? Data("{}".utf8)
        return Response(status: status, headers: [.contentType: "application/json"],
                        body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// The choices of the Sync frequency select, in seconds.
    static let frequencies: [(Int, String)] = [(3600, "1 hour"), (6 * 3600, "6 hours"), (12 * 3600, "12 hours"), (24 * 3600, "24 hours"), (7 * 86400, "7 days")]

    static func frequencyOptions(selected: Int) -> [[String: Any]] {
        var options = frequencies.map { ["value": String($0.0), "label": $0.1, "selected": $0.0 == selected] as [String: Any] }
        if !frequencies.contains(where: { $0.0 == selected }) {
            options.append(["value": String(selected), "label": Every.format(selected), "selected": true])
        }
        return options
    }

    static func frequencyLabel(_ seconds: Int) -> String {
        frequencies.first { $0.0 == seconds }?.1 ?? Every.format(seconds)
    }

    static func methodOptions(selected: TablePlan.Method) -> [[String: Any]] {
        [["value": "incremental", "label": "Incremental", "selected": selected == .incremental],
         ["value": "full_refresh", "label": "Full refresh", "selected": selected == .fullRefresh]]
    }

    static func methodLabel(_ m: TablePlan.Method) -> String { m == .incremental ? "Incremental" : "Full refresh" }
}

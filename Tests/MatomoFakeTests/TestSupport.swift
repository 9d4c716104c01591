import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
@testable import MatomoFake

/// 2026-11-27 10:00:00 UTC (11:00 in Paris): "today" is 2026-11-27 for every test site.
let fixedNow = Date(timeIntervalSince1970: 1_795_773_600)

let paris = TimeZone(identifier: "Europe/Paris")!

/// Epoch seconds of a wall-clock time in `zone`.
func epoch(_ y: Int, _ m: Int, _ d: Int, _ h: Int = 0, _ mi: Int = 0, _ s: Int = 0, in zone: TimeZone = paris) -> Int {
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = zone
    let date = calendar.date(from: DateComponents(year: y, month: m, day: d, hour: h, minute: mi, second: s))!
    return Int(date.timeIntervalSince1970)
}

func testConfiguration(numbersAsStrings: Bool = false, disabledMethods: Set<String> = []) -> FakeMatomoConfiguration {
    FakeMatomoConfiguration(
        sites: [
            FakeSite(id: 1, name: "Example Shop", timezone: "Europe/Paris", createdAt: Date(timeIntervalSince1970: 1_790_812_800)),
            FakeSite(id: 2, name: "Empty Site (no traffic)", timezone: "UTC", createdAt: Date(timeIntervalSince1970: 1_790_812_800)),
        ],
        numbersAsStrings: numbersAsStrings,
        disabledMethods: disabledMethods,
        now: { fixedNow })
}

/// A one-pageview visit whose only action is at `at`.
func visit(_ id: Int, at: Int, site: Int = 1, visitor: String? = nil, country: String = "fr",
           referrer: (String, String, String) = ("direct", "", "")) -> FakeVisit {
    FakeVisit(idVisit: id, siteId: site, visitorId: visitor, firstActionTimestamp: at, lastActionTimestamp: at,
              actions: [FakeAction(type: "action", url: "https://shop.example.com/p\(id)", title: "Page \(id)", timestamp: at)],
              referrerType: referrer.0, referrerName: referrer.1, referrerKeyword: referrer.2,
              countryCode: country)
}

struct HTTPAnswer {
    var status: Int
    var body: Data
    var contentType: String?

    var text: String { String(decoding: body, as: UTF8.self) }
    var json: Any { (try? JSONSerialization.jsonObject(with: body, options: [.fragmentsAllowed])) ?? NSNull() }
    var object: [String: Any] { json as? [String: Any] ?? [:] }
    var array: [[String: Any]] { json as? [[String: Any]] ?? [] }
    var errorMessage: String? {
        let o = object
        return o["result"] as? String == "error" ? o["message"] as? String : nil
    }
}

/// Form encoding with everything but unreserved characters escaped.
func formEncode(_ pairs: [(String, String)]) -> String {
    var allowed = CharacterSet.alphanumerics
    allowed.insert(charactersIn: "-._~")
    return pairs.map { k, v in
        "\(k.addingPercentEncoding(withAllowedCharacters: allowed)!)=\(v.addingPercentEncoding(withAllowedCharacters: allowed)!)"
    }.joined(separator: "&")
}

/// A running fake plus a tiny client for it.
struct Harness {
    let fake: FakeMatomo
    let base: URL

    static func start(_ configuration: FakeMatomoConfiguration = testConfiguration()) async throws -> Harness {
        let fake = FakeMatomo(configuration: configuration)
        let base = try await fake.start()
        return Harness(fake: fake, base: base)
    }

    func stop() async { await fake.stop() }

    /// POST with the API parameters in the query string and the token in the body, like a careful client.
    func api(_ method: String, _ params: [(String, String)] = [], token: String? = "fake-token",
             path: String = "index.php") async throws -> HTTPAnswer {
        let query = [("module", "API"), ("format", "json"), ("method", method)] + params
        return try await send(path: path, query: query, body: token.map { [("token_auth", $0)] } ?? [])
    }

    func send(httpMethod: String = "POST", path: String = "index.php", query: [(String, String)],
              body: [(String, String)]) async throws -> HTTPAnswer {
        let url = URL(string: "\(base.absoluteString)\(path)?\(formEncode(query))")!
        var request = URLRequest(url: url)
        request.httpMethod = httpMethod
        if httpMethod == "POST" {
            request.setValue("application/x-www-form-urlencoded", forHTTPHeaderField: "Content-Type")
            request.httpBody = Data(formEncode(body).utf8)
        }
        let (data, response) = try await URLSession.shared.data(for: request)
        let http = response as! HTTPURLResponse
        return HTTPAnswer(status: http.statusCode, body: data, contentType: http.value(forHTTPHeaderField: "Content-Type"))
    }
}

/// Runs `body` against a started fake and always stops it.
func withFake(_ configuration: FakeMatomoConfiguration = testConfiguration(),
              _ body: (Harness) async throws -> Void) async throws {
    let harness = try await Harness.start(configuration)
    do {
        try await body(harness)
    } catch {
        await harness.stop()
        throw error
    }
    await harness.stop()
}

/// Keys of a JSON object in document order (JSONSerialization loses it).
func orderedKeys(ofFirstObjectIn text: String) -> [String] {
    // Top-level keys of the first object of an array: walk the text, tracking depth and strings.
    var keys: [String] = []
    var depth = 0
    var inString = false
    var escaped = false
    var current = ""
    var lastString = ""
    var started = false
    for ch in text {
        if inString {
            if escaped { escaped = false; current.append(ch); continue }
            if ch == "\\" { escaped = true; current.append(ch); continue }
            if ch == "\"" { inString = false; lastString = current; continue }
            current.append(ch)
            continue
        }
        switch ch {
        case "\"": inString = true; current = ""
        case "{", "[":
            depth += 1
            if ch == "{" && !started && depth == 2 { started = true }
        case "}", "]":
            depth -= 1
            if started && depth == 1 { return keys }
        case ":":
            if started && depth == 2 { keys.append(lastString) }
        default: break
        }
    }
    return keys
}

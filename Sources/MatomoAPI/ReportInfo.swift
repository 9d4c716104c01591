/// One report of `API.getReportMetadata`: what a user needs to declare it as a table. Only these
/// fields are read; the rest of the answer, including the image URLs in which Matomo embeds the
/// caller's `token_auth`, is skipped unread, so it can never be printed, logged or stored.
public struct ReportInfo: Sendable, Equatable {
    public var category: String
    public var module: String
    public var action: String
    public var name: String
    public var dimension: String?
    /// Fixed parameters of this variant (`idGoal=2`), as strings.
    public var parameters: [String: String]
    public var metrics: [String]

    public var method: String { module + "." + action }

    static let wanted: Set<String> = ["category", "module", "action", "name", "dimension", "parameters", "metrics", "processedMetrics"]

    public static func parse(_ body: [UInt8]) throws -> [ReportInfo] {
        let method = "API.getReportMetadata"
        do {
            var reader = JSONReader(body)
            guard try reader.peek() == .array else {
                throw MatomoError.unexpectedAnswer(method: method, detail: "expected an array of reports")
            }
            var out: [ReportInfo] = []
            try reader.readArray { r in
                guard try r.peek() == .object else { try r.skipValue(); return }
                var info = ReportInfo(category: "", module: "", action: "", name: "", dimension: nil, parameters: [:], metrics: [])
                try r.readObject { f, key in
                    guard wanted.contains(key) else { try f.skipValue(); return }
                    switch key {
                    case "metrics", "processedMetrics":
                        guard try f.peek() == .object else { try f.skipValue(); return }
                        try f.readObject { m, metric in
                            try m.skipValue()
                            if !info.metrics.contains(metric) { info.metrics.append(metric) }
                        }
                    case "parameters":
                        guard try f.peek() == .object else { try f.skipValue(); return }
                        try f.readObject { p, name in info.parameters[name] = try p.readField().text ?? "" }
                    default:
                        let text = try f.readField().text ?? ""
                        switch key {
                        case "category": info.category = text
                        case "module": info.module = text
                        case "action": info.action = text
                        case "name": info.name = text
                        default: info.dimension = text
                        }
                    }
                }
                if !info.module.isEmpty, !info.action.isEmpty { out.append(info) }
            }
            return out
        } catch let error as JSONReadError {
            throw MatomoError.invalidJSON(method: method, detail: error.description)
        }
    }
}

extension MatomoClient {
    /// The reports this instance offers for a site.
    public func reportMetadata(siteId: Int) async throws -> [ReportInfo] {
        try await call("API.getReportMetadata", [("idSite", String(siteId)), ("period", "day"), ("date", "yesterday")]) { body in
            try ReportInfo.parse(body)
        }
    }
}

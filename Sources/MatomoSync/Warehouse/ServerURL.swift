import Foundation

/// A server warehouse's address, `scheme://user:password@host:port/database?key=value`, with the
/// user and password percent-decoded. `redacted` is the only form that may be printed.
public struct ServerURL: Sendable, Equatable {
    public var scheme: String
    public var user: String?
    public var password: String?
    public var host: String
    public var port: Int?
    public var database: String?
    public var parameters: [String: String]

    public init(parsing raw: String) throws {
        let text = raw.trimmingCharacters(in: .whitespaces)
        // URLComponents keeps percent-encoding apart, so a password holding `@`, `:` or `/` works
        // when encoded; never echo `raw` in an error, it may hold the password.
        guard let c = URLComponents(string: text), let scheme = c.scheme?.lowercased() else {
            throw SyncError.invalidInput("the warehouse URL is not a URL; use e.g. postgres://user:password@host:5432/database (percent-encode special characters in the password)")
        }
        guard let host = c.host, !host.isEmpty else {
            throw SyncError.invalidInput("the warehouse URL \(Self.redact(text)) has no host")
        }
        self.scheme = scheme
        self.user = c.percentEncodedUser.flatMap { $0.removingPercentEncoding }
        self.password = c.percentEncodedPassword.flatMap { $0.removingPercentEncoding }
        self.host = host.hasPrefix("[") ? String(host.dropFirst().dropLast()) : host
        self.port = c.port
        let path = c.path.trimmingCharacters(in: CharacterSet(charactersIn: "/"))
        self.database = path.isEmpty ? nil : path
        var params: [String: String] = [:]
        for item in c.queryItems ?? [] { params[item.name] = item.value ?? "" }
        self.parameters = params
    }

    /// The URL with the password replaced by `***`.
    public var redacted: String {
        var s = scheme + "://"
        if let user { s += user + (password == nil ? "" : ":***") + "@" }
        s += host.contains(":") ? "[\(host)]" : host
        if let port { s += ":\(port)" }
        if let database { s += "/" + database }
        let query = parameters.keys.sorted().map { "\($0)=\(parameters[$0]!)" }.joined(separator: "&")
        if !query.isEmpty { s += "?" + query }
        return s
    }

    /// Hides the password of any `scheme://user:password@host` text, for messages about unparsable URLs.
    public static func redact(_ text: String) -> String {
        guard let schemeEnd = text.range(of: "://"), let at = text.range(of: "@", options: .backwards),
              at.lowerBound > schemeEnd.upperBound else { return text }
        let credentials = text[schemeEnd.upperBound..<at.lowerBound]
        guard let colon = credentials.firstIndex(of: ":") else { return text }
        return String(text[..<colon]) + ":***" + String(text[at.lowerBound...])
    }
}

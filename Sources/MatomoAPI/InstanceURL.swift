import Foundation

/// A Matomo instance's API endpoint, normalised from what a person types:
/// `myorg.matomo.cloud` → `https://myorg.matomo.cloud/index.php`,
/// `https://host/matomo/` → `https://host/matomo/index.php`.
public struct InstanceURL: Sendable, Hashable, CustomStringConvertible {
    /// Always ends in `/index.php`, never has a query, user info or fragment.
    public let endpoint: String
    public let scheme: String
    public let host: String

    public var description: String { endpoint }

    /// Matomo Cloud hosts have published rate limits.
    public var isMatomoCloud: Bool { host.hasSuffix(".matomo.cloud") }

    public init(parsing raw: String) throws {
        var text = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty else {
            throw MatomoError.invalidURL(raw, reason: "it is empty; give the address of your Matomo, e.g. https://analytics.example.com")
        }
        if !text.contains("://") {
            // `http//host` or `https:/host` would otherwise read as a host named `http`.
            let head = text.prefix { $0 != "/" && $0 != ":" }.lowercased()
            if head == "http" || head == "https" {
                throw MatomoError.invalidURL(raw, reason: "it is malformed (the scheme needs \"://\"); write \(head)://\(text.drop { $0 != "/" && $0 != ":" }.drop { $0 == "/" || $0 == ":" })")
            }
            text = "https://" + text
        }
        guard let comps = URLComponents(string: text), let scheme = comps.scheme?.lowercased() else {
            throw MatomoError.invalidURL(raw, reason: "it is not a URL; give e.g. https://analytics.example.com")
        }
        guard scheme == "https" || scheme == "http" else {
            throw MatomoError.invalidURL(raw, reason: "the scheme '\(scheme)' is not supported; use https:// (or http:// for a local test server)")
        }
        guard let host = comps.host, !host.isEmpty else {
            throw MatomoError.invalidURL(raw, reason: "it has no host name")
        }
        guard comps.user == nil, comps.password == nil else {
            throw MatomoError.invalidURL(raw, reason: "it holds a user name or password; the token goes in MATOMO_TOKEN or --token-file instead")
        }
        if let items = comps.queryItems, items.contains(where: { $0.name.lowercased() == "token_auth" }) {
            throw MatomoError.invalidURL("(redacted)", reason: "it holds token_auth; remove it and pass the token through MATOMO_TOKEN or --token-file")
        }
        var path = comps.percentEncodedPath
        if path.hasSuffix("/index.php") {
            path.removeLast("index.php".count)
        } else if !path.hasSuffix("/") {
            path += "/"
        }
        var out = URLComponents()
        out.scheme = scheme
        out.host = host
        out.port = comps.port
        out.percentEncodedPath = path + "index.php"
        guard let endpoint = out.string else {
            throw MatomoError.invalidURL(raw, reason: "it cannot be turned into an endpoint")
        }
        self.endpoint = endpoint
        self.scheme = scheme
        self.host = host.lowercased()
    }
}

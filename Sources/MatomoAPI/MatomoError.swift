/// Everything that can go wrong talking to Matomo, each with a message that names the cause and
/// what to do. Messages never contain the token: server text passes through `APIToken.redact`.
public enum MatomoError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalidURL(String, reason: String)
    case missingToken
    case invalidToken
    case unreachable(host: String, detail: String)
    case tlsFailure(host: String, detail: String)
    /// https:// was asked of a server that answers plain HTTP on that port.
    case plainHTTP(host: String, httpURL: String)
    /// The address answers, but not as Matomo's API does (a web server without Matomo, another app).
    case notMatomo(status: Int, snippet: String)
    case timeout(method: String, seconds: Int)
    case redirected(method: String, status: Int, location: String)
    case httpStatus(method: String, status: Int, snippet: String)
    case notJSON(method: String, status: Int, snippet: String)
    case invalidJSON(method: String, detail: String)
    case unexpectedAnswer(method: String, detail: String)
    /// `{"result":"error","message":...}` from Matomo.
    case api(method: String, status: Int, message: String)

    /// What kind of Matomo-reported failure this is, to choose the advice.
    public enum APIErrorKind: Sendable, Equatable {
        case authentication, noViewAccess, siteNotFound, pluginDisabled, visitsLogDisabled, queryTimeout, other
    }

    public var apiErrorKind: APIErrorKind? {
        guard case .api(_, _, let message) = self else { return nil }
        return Self.classify(message)
    }

    static func classify(_ message: String) -> APIErrorKind {
        let m = message.lowercased()
        if m.contains("unable to authenticate") || m.contains("token_auth") && m.contains("invalid") { return .authentication }
        if m.contains("requires 'view' access") || m.contains("requires view access") || m.contains("you can't access this resource") { return .noViewAccess }
        if m.contains("unexpected website was found") || m.contains("idsite") && m.contains("not found") { return .siteNotFound }
        if m.contains("visits log is deactivated") || m.contains("visitor log") && m.contains("deactivated") { return .visitsLogDisabled }
        if m.contains("could not run the query in time") || m.contains("maximum execution time") { return .queryTimeout }
        if m.contains("is not enabled") || m.contains("is not activated") || m.contains("does not exist or is not available") { return .pluginDisabled }
        return .other
    }

    /// True when trying again later may succeed (network trouble, overload, a proxy page).
    public var isTransient: Bool {
        switch self {
        case .unreachable, .timeout, .notJSON, .invalidJSON: return true
        case .httpStatus(_, let status, _): return status == 429 || status == 408 || status >= 500
        case .api(_, let status, _): return status == 429 || status >= 500 && Self.classify(messageText) == .other
        default: return false
        }
    }

    private var messageText: String {
        if case .api(_, _, let message) = self { return message }
        return ""
    }

    public var description: String {
        switch self {
        case .invalidURL(let url, let reason):
            return "the Matomo URL '\(url)' is not usable: \(reason)"
        case .missingToken:
            return "no Matomo API token: set MATOMO_TOKEN or pass --token-file <path> (create a token in Matomo under Administration > Personal > Security > Auth tokens)"
        case .invalidToken:
            return "the Matomo API token holds spaces or control characters: check the token file or MATOMO_TOKEN"
        case .unreachable(let host, let detail):
            return "cannot reach \(host) (\(detail)): check the URL, DNS and that the server is up"
        case .tlsFailure(let host, let detail):
            return "TLS with \(host) failed (\(detail)): check the certificate, or give your private CA with --ca-file"
        case .plainHTTP(let host, let httpURL):
            return "https:// was asked of \(host), but this server speaks plain HTTP: use http:// (--url \(httpURL)); TLS needs a server that has it"
        case .notMatomo(let status, let snippet):
            return "this is not a Matomo API (index.php answered HTTP \(status)\(snippet.isEmpty ? "" : ": \"\(snippet)\"")): check --url; it is the address of your Matomo, the folder that holds its index.php (e.g. https://analytics.example.com or https://example.com/matomo/)"
        case .timeout(let method, let seconds):
            return "\(method) got no answer within \(seconds) s: the server is slow or overloaded; raise --timeout or try a smaller --page-size"
        case .redirected(let method, let status, let location):
            return "\(method) was redirected (HTTP \(status)) to \(location); the token is never sent after a redirect: use the final address as --url"
        case .httpStatus(let method, let status, let snippet):
            let hint = status == 429 ? "the server is rate-limiting; wait or lower the request rate"
                : status >= 500 ? "the server failed; check its error log, and try again later"
                : status == 404 ? "no Matomo API at this address; check the URL (it should end in the folder that holds index.php)"
                : "check the URL and the server"
            return "\(method) answered HTTP \(status)\(snippet.isEmpty ? "" : " (\(snippet))"): \(hint)"
        case .notJSON(let method, let status, let snippet):
            return "\(method) answered an HTML or text page (HTTP \(status)) where JSON was expected\(snippet.isEmpty ? "" : ": \"\(snippet)\""): the URL may point at a login page, a proxy error page or a server in maintenance mode; check the URL"
        case .invalidJSON(let method, let detail):
            return "\(method) answered broken JSON (\(detail)): the answer was cut short or the server printed an error; try again, or check the server's PHP log"
        case .unexpectedAnswer(let method, let detail):
            return "\(method) answered something unexpected: \(detail)"
        case .api(let method, let status, let message):
            let advice: String
            switch Self.classify(message) {
            case .authentication:
                advice = "the token is wrong, expired, or must be sent as POST (it is); create a new token in Matomo under Personal > Security and set MATOMO_TOKEN"
            case .noViewAccess:
                advice = "the token's user lacks 'view' access to this site; grant it under Administration > System > Users, or use another token"
            case .siteNotFound:
                advice = "no site with this ID on this Matomo; check --site-id (Administration > Websites > Manage lists the IDs)"
            case .pluginDisabled:
                advice = "a Matomo plugin this table needs is disabled; activate it under Administration > Plugins, or leave the table out with --tables"
            case .visitsLogDisabled:
                advice = "the visits log is deactivated on this Matomo (General settings > Visits log); enable it or leave the visits table out with --tables"
            case .queryTimeout:
                advice = "Matomo's database query took too long; use a smaller --page-size"
            case .other:
                advice = "see Matomo's message"
            }
            return "Matomo refused \(method)\(status == 200 ? "" : " (HTTP \(status))"): \"\(message)\": \(advice)"
        }
    }
}

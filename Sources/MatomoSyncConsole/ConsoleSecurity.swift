import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdAuth
import NIOCore

/// What a signed-in browser holds: its CSRF token, bound to the session.
public struct ConsoleSession: Codable, Sendable {
    public var csrf: String
}

/// A request's context: the client's address (for the sign-in limit), the session, the form.
public struct ConsoleContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: SocketAddress?
    public var session: ConsoleSession?
    public var form = FormBody("")

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }

    var clientKey: String { remoteAddress?.ipAddress ?? "unknown" }
}

/// How the console decides who may do what; see `ConsoleSecurityMiddleware`.
public struct SecurityPolicy: Sendable {
    /// `Host` values accepted: the listening address and any name given with `--host-name`.
    public var allowedHosts: Set<String>
    /// `Secure` on the cookies (`--behind-https`).
    public var secureCookies: Bool

    public init(allowedHosts: Set<String>, secureCookies: Bool) {
        self.allowedHosts = Set(allowedHosts.map { $0.lowercased() })
        self.secureCookies = secureCookies
    }

    /// The hosts a listening address answers to: `127.0.0.1:8321` also as `localhost:8321`.
    public static func hosts(listenHost: String, port: Int, extraNames: [String]) -> Set<String> {
        var out: Set<String> = ["\(listenHost):\(port)"]
        if listenHost == "127.0.0.1" || listenHost == "::1" || listenHost == "localhost" {
            out.formUnion(["127.0.0.1:\(port)", "localhost:\(port)", "[::1]:\(port)"])
        }
        for name in extraNames {
            out.insert(name.contains(":") && !name.hasPrefix("[") ? name : "\(name):\(port)")
            out.insert(name)
        }
        return out
    }

    static let contentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
}

/// Names of the two cookies.
enum CookieName {
    static let session = "matomo_sync_session"
    /// Before sign-in: the double-submitted token of the sign-in form.
    static let signIn = "matomo_sync_signin"
}

/// Every request passes here first: a foreign `Host` is refused (DNS rebinding); every page but
/// Sign in needs the session; every POST needs the session's CSRF token (the sign-in form its own
/// cookie's); every answer carries a CSP that forbids inline script and framing.
struct ConsoleSecurityMiddleware: RouterMiddleware {
    typealias Context = ConsoleContext
    let policy: SecurityPolicy
    let sessions: SessionStorage<ConsoleSession>

    static let publicPaths: Set<String> = ["/signin", "/static/console.css", "/static/console.js"]

    func handle(_ request: Request, context: ConsoleContext, next: (Request, ConsoleContext) async throws -> Response) async throws -> Response {
        var response = try await check(request, context: context, next: next)
        response.headers[.contentSecurityPolicy] = SecurityPolicy.contentSecurityPolicy
        response.headers[.xContentTypeOptions] = "nosniff"
        response.headers[HTTPField.Name("X-Frame-Options")!] = "DENY"
        response.headers[HTTPField.Name("Referrer-Policy")!] = "no-referrer"
        if response.headers[.cacheControl] == nil { response.headers[.cacheControl] = "no-store" }
        return response
    }

    private func check(_ request: Request, context: ConsoleContext, next: (Request, ConsoleContext) async throws -> Response) async throws -> Response {
        let host = (request.head.authority ?? "").lowercased()
        guard policy.allowedHosts.contains(host) else {
            return Pages.plain(.forbidden, "refused: this console answers to \(policy.allowedHosts.sorted().joined(separator: ", ")) only (Host header)")
        }
        var context = context
        var request = request
        context.session = try? await sessions.load(request: request)
        if request.method == .post {
            let body = try await request.collectBody(upTo: 1 << 20)
            context.form = FormBody(String(buffer: body))
        }
        let path = request.uri.path
        if Self.publicPaths.contains(path) {
            if request.method == .post {
                guard let cookie = request.cookies[CookieName.signIn]?.value, let sent = context.form["csrf"],
                      constantTimeEqual(cookie, sent) else {
                    return Pages.plain(.forbidden, "refused: the form's CSRF token is missing or wrong; reload the page")
                }
            }
            return try await next(request, context)
        }
        guard let session = context.session else {
            if request.method == .get && !path.hasPrefix("/events") && !path.hasPrefix("/api") && path != "/metrics" {
                return Response(status: .seeOther, headers: [.location: "/signin"])
            }
            return Pages.plain(.unauthorized, "sign in first")
        }
        if request.method != .get && request.method != .head {
            let sent = context.form["csrf"] ?? request.headers[HTTPField.Name("X-CSRF-Token")!]
            guard let sent, constantTimeEqual(session.csrf, sent) else {
                return Pages.plain(.forbidden, "refused: the form's CSRF token is missing or wrong; reload the page")
            }
        }
        return try await next(request, context)
    }
}

/// Compares two secrets in time that depends on their lengths only.
func constantTimeEqual(_ a: String, _ b: String) -> Bool {
    let x = Array(a.utf8), y = Array(b.utf8)
    guard x.count == y.count else { return false }
    var diff: UInt8 = 0
    for i in x.indices { diff |= x[i] ^ y[i] }
    return diff == 0
}

/// 32 random bytes as URL-safe text: CSRF tokens.
func randomToken() -> String {
    var generator = SystemRandomNumberGenerator()
    let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
    return bytes.map { String(format: "%02x", $0) }.joined()
}

import Foundation
import Hummingbird
import HummingbirdTesting
import MatomoFake
import MatomoSync
@testable import MatomoSyncConsole
import Testing

/// Each security rule of the console, against its real router and middleware.
@Suite(.serialized) struct ConsoleSecurityTests {
    static let hostile = "<img src=x onerror=alert(1)>"

    @Test func everyPageButSignInNeedsTheSession() async throws {
        try await ConsoleHarness.with { h in
            try await h.application().test(.router) { client in
                var b = Browser()
                let page = try await b.get(client, "/")
                #expect(page.status == .seeOther)
                #expect(page.headers[.location] == "/signin")
                for uri in ["/sources/new", "/query", "/sources/0", "/query.csv?sql=SELECT%201"] {
                    #expect(try await b.get(client, uri).status == .seeOther, "\(uri)")
                }
                for uri in ["/api/status", "/events", "/metrics"] {
                    #expect(try await b.get(client, uri).status == .unauthorized, "\(uri)")
                }
                #expect(try await b.post(client, "/reload", []).status == .unauthorized)
                #expect(try await b.get(client, "/signin").status == .ok)
                // A made-up session cookie is no session.
                b.cookies["matomo_sync_session"] = "made-up"
                #expect(try await b.get(client, "/").status == .seeOther)
            }
        }
    }

    @Test func theSessionCookieIsHttpOnlyAndSameSiteStrictAndSecureBehindHTTPS() async throws {
        for behindHTTPS in [false, true] {
            var options = ConsoleHarness.defaultOptions
            options.behindHTTPS = behindHTTPS
            let h = try await ConsoleHarness(options: options)
            try await h.application().test(.router) { client in
                var b = Browser()
                let signedIn = try await b.signIn(client)
                #expect(signedIn.status == .seeOther)
                let cookie = try #require(signedIn.headers[values: .setCookie].first { $0.hasPrefix("matomo_sync_session=") })
                #expect(cookie.contains("HttpOnly"))
                #expect(cookie.contains("SameSite=Strict"))
                #expect(cookie.contains("Secure") == behindHTTPS, "\(cookie)")
                #expect(try await b.get(client, "/").status == .ok)
                // Signing out ends the session on the server, not only in the browser.
                let old = b.cookies
                #expect(try await b.post(client, "/signout", []).status == .seeOther)
                b.cookies = old
                #expect(try await b.get(client, "/").status == .seeOther)
            }
            await h.stop()
        }
    }

    @Test func aPostWithoutAValidCSRFTokenIsRefusedAndChangesNothing() async throws {
        try await ConsoleHarness.with { h in
            try await h.application().test(.router) { client in
                var b = Browser()
                _ = try await b.signIn(client)
                _ = try await b.get(client, "/sources/new")
                let fields = [("url", h.fakeURL.absoluteString), ("site", "1"), ("token", "fake-token"), ("table_visits_summary", "on")]
                let without = try await b.post(client, "/sources", fields, csrf: false)
                #expect(without.status == .forbidden)
                let wrong = try await b.post(client, "/sources", fields + [("csrf", String(repeating: "0", count: 64))], csrf: false)
                #expect(wrong.status == .forbidden)
                #expect(!FileManager.default.fileExists(atPath: h.configPath))
                #expect(await h.backend.sources.isEmpty)
                // The sign-in form's token is checked too.
                var stranger = Browser()
                _ = try await stranger.get(client, "/signin")
                #expect(try await stranger.post(client, "/signin", [("password", ConsoleHarness.password)], csrf: false).status == .forbidden)
                // With the token the same post works.
                let with = try await b.post(client, "/sources", fields)
                #expect(with.status == .seeOther)
                #expect(await h.backend.sources.count == 1)
            }
        }
    }

    @Test func aForeignHostIsRefused() async throws {
        var options = ConsoleHarness.defaultOptions
        options.hostNames = []
        try await ConsoleHarness.with(options: options) { h in
            try await h.application().test(.router) { client in
                // The test client says `Host: localhost`, which this console (127.0.0.1:8321) does not answer to.
                var b = Browser()
                let page = try await b.get(client, "/signin")
                #expect(page.status == .forbidden)
                #expect(String(buffer: page.body).contains("Host"))
            }
            let allowed = SecurityPolicy.hosts(listenHost: "127.0.0.1", port: 8321, extraNames: ["console.example.com"])
            #expect(allowed.contains("127.0.0.1:8321") && allowed.contains("localhost:8321") && allowed.contains("console.example.com"))
            #expect(!allowed.contains("evil.example:8321") && !allowed.contains("127.0.0.1:9999"))
        }
    }

    @Test func everyAnswerHasAContentSecurityPolicyWithoutInlineScript() async throws {
        try await ConsoleHarness.with { h in
            try await h.application().test(.router) { client in
                var b = Browser()
                for response in [try await b.get(client, "/signin"), try await b.signIn(client), try await b.get(client, "/"), try await b.get(client, "/query")] {
                    let csp = try #require(response.headers[.contentSecurityPolicy])
                    #expect(csp.contains("script-src 'self'"))
                    #expect(!csp.contains("unsafe-inline"))
                    #expect(!String(buffer: response.body).contains("<script>"), "no inline script")
                }
            }
        }
    }

    @Test func aWrongPasswordIsRateLimited() async throws {
        try await ConsoleHarness.with { h in
            try await h.application().test(.router) { client in
                var b = Browser()
                for _ in 0..<5 {
                    #expect(try await b.signIn(client, password: "guess").status == .unauthorized)
                }
                // Now even the right password waits.
                let limited = try await b.signIn(client)
                #expect(limited.status == .tooManyRequests)
                #expect(limited.headers[.retryAfter] != nil)
                #expect(String(buffer: limited.body).contains("Too many wrong passwords"))
            }
            let clock = TestNow(Date())
            let limiter = SignInLimiter(maxFailures: 2, window: 60, now: { clock.now })
            limiter.recordFailure("a")
            #expect(limiter.retryAfter("a") == nil)
            limiter.recordFailure("a")
            #expect(limiter.retryAfter("a") == 60)
            #expect(limiter.retryAfter("b") == nil)
            clock.advance(61)
            #expect(limiter.retryAfter("a") == nil)
        }
    }

    @Test func thePasswordIsKeptOnlyAsAHashAndComparedByBcrypt() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("console-pw-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let config = folder.appendingPathComponent("c.toml").path
        var shown: [String] = []
        let first = try PasswordStore.load(environment: [:], passwordFile: nil, configPath: config, cost: 4) { shown.append($0) }
        #expect(shown.count == 1)
        let kept = try String(contentsOfFile: PasswordStore.hashFile(forConfig: config), encoding: .utf8)
        #expect(kept.hasPrefix("$2") && !kept.contains(shown[0]))
        let mode = try FileManager.default.attributesOfItem(atPath: PasswordStore.hashFile(forConfig: config))[.posixPermissions] as? Int
        #expect(mode == 0o600)
        #expect(first.verify(shown[0]) && !first.verify(shown[0] + "x") && !first.verify(""))
        // The second start reuses the hash and shows nothing.
        let again = try PasswordStore.load(environment: [:], passwordFile: nil, configPath: config, cost: 4) { shown.append($0) }
        #expect(shown.count == 1 && again.verify(shown[0]))
        let fromEnv = try PasswordStore.load(environment: ["MATOMO_SYNC_CONSOLE_PASSWORD": "from-env"], passwordFile: nil, configPath: config, cost: 4) { _ in }
        #expect(fromEnv.verify("from-env") && !fromEnv.verify(shown[0]))
        #expect(constantTimeEqual("abc", "abc") && !constantTimeEqual("abc", "abd") && !constantTimeEqual("abc", "ab"))
    }

    @Test func theTokenIsInNoPageAndNoResponse() async throws {
        let token = "secret-token-5f1e0c9a7b"
        try await ConsoleHarness.with(fake: FakeMatomoConfiguration(token: token)) { h in
            try await h.application().test(.router) { client in
                var b = Browser()
                _ = try await b.signIn(client)
                _ = try await b.get(client, "/sources/new")
                var bodies: [String] = []
                let check = try await b.post(client, "/sources/check", [("url", h.fakeURL.absoluteString), ("site", "1"), ("token", token)])
                #expect(String(buffer: check.body).contains("Example Shop"))
                bodies.append(String(buffer: check.body))
                let wrong = try await b.post(client, "/sources/check", [("url", h.fakeURL.absoluteString), ("site", "1"), ("token", token + "x")])
                #expect(String(buffer: wrong.body).contains("error: Matomo refused"))
                bodies.append(String(buffer: wrong.body))
                // A refused import shows the form again, without the token.
                let refused = try await b.post(client, "/sources", [("url", h.fakeURL.absoluteString), ("site", "1"), ("token", token)])
                #expect(refused.status == .badRequest)
                bodies.append(String(buffer: refused.body))
                let imported = try await b.post(client, "/sources", [("url", h.fakeURL.absoluteString), ("site", "1"), ("token", token),
                                                                      ("table_visits_summary", "on"), ("table_countries", "on")])
                #expect(imported.status == .seeOther)
                _ = try await h.waitUntilSettled()
                for uri in ["/", "/sources/0", "/sources/new", "/query", "/api/status", "/metrics", "/sources/0/remove",
                            "/query.csv?sql=" + FormBody.encode("SELECT * FROM _matomo_sync_state")] {
                    let response = try await b.get(client, uri)
                    #expect(response.status == .ok, "\(uri)")
                    bodies.append(String(buffer: response.body))
                    bodies.append(response.headers.map { "\($0.name): \($0.value)" }.joined(separator: "\n"))
                }
                let query = try await b.post(client, "/query", [("sql", "SELECT * FROM _matomo_sync_runs")])
                bodies.append(String(buffer: query.body))
                for body in bodies { #expect(!body.contains(token)) }
                let config = try String(contentsOfFile: h.configPath, encoding: .utf8)
                #expect(!config.contains(token))
            }
        }
    }

    @Test func hostileTextFromMatomoAndTheWarehouseIsEscaped() async throws {
        var configuration = FakeMatomoConfiguration()
        let hostile = Self.hostile
        configuration.answerOverride = { method, _ in
            switch method {
            case "Live.getLastVisitsDetails": return .matomoError(hostile + " broke")
            case "Goals.getGoals":
                return FakeAnswer(body: Array(#"[{"idsite":"1","idgoal":"1","name":"\#(hostile)","match_attribute":"url","pattern":"x","pattern_type":"contains","case_sensitive":"0","allow_multiple":"0","revenue":"0","deleted":"0","description":"\#(hostile)"}]"#.utf8))
            default: return nil
            }
        }
        try await ConsoleHarness.with(fake: configuration) { h in
            try await h.application().test(.router) { client in
                var b = Browser()
                _ = try await b.signIn(client)
                _ = try await b.get(client, "/sources/new")
                _ = try await b.post(client, "/sources", [("url", h.fakeURL.absoluteString), ("site", "1"), ("token", "fake-token"),
                                                          ("table_visits", "on"), ("table_goals", "on")])
                _ = try await h.waitUntilSettled(allowFailed: true)
                let escaped = "&lt;img src=x onerror=alert(1)&gt;"
                let sources = String(buffer: try await b.get(client, "/").body)
                #expect(sources.contains("failed"))
                #expect(sources.contains(escaped))
                #expect(!sources.contains(hostile))
                let source = String(buffer: try await b.get(client, "/sources/0").body)
                #expect(source.contains(escaped) && !source.contains(hostile))
                let result = String(buffer: try await b.post(client, "/query", [("sql", "SELECT name, description FROM goals")]).body)
                #expect(result.contains("<td>\(escaped)</td>"))
                #expect(!result.contains(hostile))
            }
        }
    }
}

final class TestNow: Sendable {
    private let value: Mutex<Date>
    init(_ date: Date) { value = Mutex(date) }
    var now: Date { value.withLock { $0 } }
    func advance(_ seconds: TimeInterval) { value.withLock { $0 = $0.addingTimeInterval(seconds) } }
}

import Synchronization

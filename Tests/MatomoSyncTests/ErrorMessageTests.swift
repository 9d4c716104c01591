import Foundation
import MatomoAPI
import MatomoFake
import NIOSSL
import Testing
@testable import MatomoSync

/// Each failure a person can act on gives one message naming the cause and the fix.
@Suite(.serialized) struct ErrorMessageTests {
    /// The message of a sync's failure, whether the run threw or a table failed.
    static func failure(_ h: SyncHarness, _ tables: [TableName] = [.visits], siteId: Int = 1) async -> String {
        do {
            let (report, _) = try await h.sync(h.options(tables, backfillDays: 2), siteId: siteId)
            return report.tables.compactMap(\.error).joined(separator: " | ")
        } catch {
            return String(describing: error)
        }
    }

    /// A fake that gives `answer` to every `method` request, for `body`.
    static func withAnswer<T>(_ answer: FakeAnswer, for method: String, _ body: (SyncHarness) async throws -> T) async throws -> T {
        try await withHarness(configure: { $0.answerOverride = { m, _ in m == method ? answer : nil } }, body)
    }

    @Test func unreachableHost() async throws {
        let client = try MatomoClient(instance: try InstanceURL(parsing: "http://127.0.0.1:9"), token: try APIToken("t0ken-value"),
                                      configuration: { var c = ClientConfiguration(); c.maxAttempts = 1; return c }())
        do {
            _ = try await client.matomoVersion()
            Issue.record("expected a failure")
        } catch {
            #expect("\(error)".contains("cannot reach 127.0.0.1"))
            #expect("\(error)".contains("check the URL"))
        }
        await client.shutdown()
    }

    @Test func tlsFailure() async throws {
        try await withHarness { h in
            // TLS spoken to a plain-HTTP port fails the handshake.
            let https = "https://127.0.0.1:\(h.url.port!)"
            let client = try MatomoClient(instance: try InstanceURL(parsing: https), token: try APIToken("t0ken-value"),
                                          configuration: { var c = ClientConfiguration(); c.maxAttempts = 1; return c }())
            do {
                _ = try await client.matomoVersion()
                Issue.record("expected a failure")
            } catch {
                #expect("\(error)".contains("TLS"), "\(error)")
            }
            await client.shutdown()
            #expect(throws: MatomoError.self) {
                var c = ClientConfiguration()
                c.caFile = "/nonexistent/ca.pem"
                _ = try MatomoClient(instance: try InstanceURL(parsing: https), token: try APIToken("t0ken-value"), configuration: c)
            }
        }
    }

    /// A Matomo behind a private CA: refused by default (certificates are verified), trusted with
    /// `--ca-file`. The CA and the server's certificate (for 127.0.0.1) are made by openssl.
    @Test func privateCAIsTrustedOnlyWithCAFile() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("matomo-sync-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let steps = [
            ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=Test CA"],
            ["req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=127.0.0.1"],
            ["x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", "server.pem",
             "-days", "2", "-extfile", "san.cnf"],
        ]
        try "subjectAltName = IP:127.0.0.1\n".write(to: dir.appendingPathComponent("san.cnf"), atomically: true, encoding: .utf8)
        for arguments in steps {
            let openssl = Process()
            openssl.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
            openssl.arguments = arguments
            openssl.currentDirectoryURL = dir
            openssl.standardOutput = FileHandle.nullDevice
            openssl.standardError = FileHandle.nullDevice
            try openssl.run()
            openssl.waitUntilExit()
            #expect(openssl.terminationStatus == 0, "openssl \(arguments.joined(separator: " "))")
        }
        let tls = TLSConfiguration.makeServerConfiguration(
            certificateChain: try NIOSSLCertificate.fromPEMFile(dir.appendingPathComponent("server.pem").path).map { .certificate($0) },
            privateKey: .privateKey(try NIOSSLPrivateKey(file: dir.appendingPathComponent("server.key").path, format: .pem)))
        let fake = FakeMatomo(configuration: FakeMatomoConfiguration(token: "t0ken-value"))
        let url = try await fake.start(port: 0, tls: tls)
        try await withStopping({ await fake.stop() }) {
            #expect(url.scheme == "https")
            func client(caFile: String?) throws -> MatomoClient {
                var c = ClientConfiguration()
                c.maxAttempts = 1
                c.caFile = caFile
                return try MatomoClient(instance: try InstanceURL(parsing: url.absoluteString), token: try APIToken("t0ken-value"), configuration: c)
            }
            let strict = try client(caFile: nil)
            do {
                _ = try await strict.matomoVersion()
                Issue.record("a certificate from an unknown CA should be refused")
            } catch {
                #expect("\(error)".contains("TLS with 127.0.0.1 failed"), "\(error)")
                #expect("\(error)".contains("--ca-file"), "\(error)")
            }
            await strict.shutdown()
            let trusting = try client(caFile: dir.appendingPathComponent("ca.pem").path)
            #expect(try await trusting.matomoVersion().isEmpty == false)
            await trusting.shutdown()
        }
    }

    @Test func tokenProblems() async throws {
        try await withHarness { h in
            let wrong = await Self.failure(h)
            #expect(wrong.isEmpty)  // the right token works
            do {
                try await h.sync(h.options(), token: "not-the-token")
                Issue.record("expected a failure")
            } catch {
                #expect("\(error)".contains("token is wrong, expired"))
            }
            try await Self.withAnswer(.matomoError("Unable to authenticate with the provided token. It is either invalid, expired or is required to be sent as a POST parameter.", status: 401), for: "SitesManager.getSiteFromId") { postOnly in
                #expect(await Self.failure(postOnly).contains("must be sent as POST"))
                try await Self.withAnswer(.matomoError("You can't access this resource as it requires 'view' access for the website id = 1.", status: 401), for: "SitesManager.getSiteFromId") { noAccess in
                    #expect(await Self.failure(noAccess).contains("lacks 'view' access"))
                }
            }
        }
    }

    @Test func siteAndPluginProblems() async throws {
        try await withHarness(disabledMethods: ["UserCountry.getCountry"]) { h in
            #expect(await Self.failure(h, siteId: 42).contains("no site with this ID"))
            let plugin = await Self.failure(h, [.countries])
            #expect(plugin.contains("plugin this table needs is disabled"), "\(plugin)")
            #expect(plugin.contains("--tables"))

            try await Self.withAnswer(.matomoError("Visits log is deactivated globally. A user with super user access can enable this feature in the general settings."), for: "Live.getLastVisitsDetails") { logOff in
                #expect(await Self.failure(logOff).contains("visits log is deactivated"))

                try await Self.withAnswer(.matomoError("Live.getLastVisitsDetails: Could not run the query in time. Try a smaller date range or page."), for: "Live.getLastVisitsDetails") { slow in
                    #expect(await Self.failure(slow).contains("--page-size"))
                }
            }
        }
    }

    @Test func htmlWhereJSONWasExpected() async throws {
        try await Self.withAnswer(FakeAnswer(body: Array("<!DOCTYPE html><html><head><title>Sign in - Matomo</title></head></html>".utf8), contentType: "text/html"), for: "SitesManager.getSiteFromId") { h in
            let message = await Self.failure(h)
            #expect(message.contains("HTML"), "\(message)")
            #expect(message.contains("Sign in - Matomo"))
        }
    }
}

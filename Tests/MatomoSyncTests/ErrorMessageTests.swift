import Foundation
import MatomoAPI
import MatomoFake
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

    static func harness(_ answer: FakeAnswer, for method: String) async throws -> SyncHarness {
        try await SyncHarness.start { $0.answerOverride = { m, _ in m == method ? answer : nil } }
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
        let h = try await SyncHarness.start()
        defer { Task { await h.stop() } }
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

    @Test func tokenProblems() async throws {
        let h = try await SyncHarness.start()
        defer { Task { await h.stop() } }
        let wrong = await Self.failure(h)
        #expect(wrong.isEmpty)  // the right token works
        do {
            try await h.sync(h.options(), token: "not-the-token")
            Issue.record("expected a failure")
        } catch {
            #expect("\(error)".contains("token is wrong, expired"))
        }
        let postOnly = try await Self.harness(.matomoError("Unable to authenticate with the provided token. It is either invalid, expired or is required to be sent as a POST parameter.", status: 401), for: "SitesManager.getSiteFromId")
        defer { Task { await postOnly.stop() } }
        #expect(await Self.failure(postOnly).contains("must be sent as POST"))
        let noAccess = try await Self.harness(.matomoError("You can't access this resource as it requires 'view' access for the website id = 1.", status: 401), for: "SitesManager.getSiteFromId")
        defer { Task { await noAccess.stop() } }
        #expect(await Self.failure(noAccess).contains("lacks 'view' access"))
    }

    @Test func siteAndPluginProblems() async throws {
        let h = try await SyncHarness.start(disabledMethods: ["UserCountry.getCountry"])
        defer { Task { await h.stop() } }
        #expect(await Self.failure(h, siteId: 42).contains("no site with this ID"))
        let plugin = await Self.failure(h, [.countries])
        #expect(plugin.contains("plugin this table needs is disabled"), "\(plugin)")
        #expect(plugin.contains("--tables"))

        let logOff = try await Self.harness(.matomoError("Visits log is deactivated globally. A user with super user access can enable this feature in the general settings."), for: "Live.getLastVisitsDetails")
        defer { Task { await logOff.stop() } }
        #expect(await Self.failure(logOff).contains("visits log is deactivated"))

        let slow = try await Self.harness(.matomoError("Live.getLastVisitsDetails: Could not run the query in time. Try a smaller date range or page."), for: "Live.getLastVisitsDetails")
        defer { Task { await slow.stop() } }
        #expect(await Self.failure(slow).contains("--page-size"))
    }

    @Test func htmlWhereJSONWasExpected() async throws {
        let h = try await Self.harness(FakeAnswer(body: Array("<!DOCTYPE html><html><head><title>Sign in - Matomo</title></head></html>".utf8), contentType: "text/html"), for: "SitesManager.getSiteFromId")
        defer { Task { await h.stop() } }
        let message = await Self.failure(h)
        #expect(message.contains("HTML"), "\(message)")
        #expect(message.contains("Sign in - Matomo"))
    }
}

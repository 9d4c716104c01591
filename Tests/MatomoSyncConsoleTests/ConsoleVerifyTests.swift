import Foundation
import Hummingbird
import HummingbirdTesting
import MatomoFake
import MatomoSync
@testable import MatomoSyncConsole
import Testing

/// `serve` runs a source's scheduled verify (`verify = { ... }` in the config) as `run` does, and
/// its run history shows each verify beside the table runs.
@Suite(.serialized) struct ConsoleVerifyTests {
    @Test func serveVerifiesWhenDueRepairsAndKeepsItInTheRunHistory() async throws {
        try await ConsoleHarness.with { h in
            try await h.backend.importSource(url: h.fakeURL.absoluteString, siteIds: [1], token: "fake-token",
                                             tables: [.visits: TablePlan(method: .incremental, every: 6 * 3600),
                                                      .visitsSummary: TablePlan(method: .incremental, every: 6 * 3600)])
            _ = try await h.waitUntilSettled(timeout: .seconds(120))
            #expect(try await h.backend.runHistory(source: 0).filter { $0.table == "verify" }.isEmpty, "no verify before the config asks for one")

            // A log import the cursor cannot see: 3 visits into a day four days back.
            let day = h.fake.localDate(siteId: 1, daysAgo: 4)
            let late = h.fake.importLateVisits(siteId: 1, day: day, count: 3, seed: 77)
            let ids = late.map { String($0.idVisit) }.joined(separator: ",")

            // The config asks for a verify with repair (written as the console writes it, then reloaded).
            var sources = await h.backend.sources
            sources[0].verify = VerifyPlan(every: 86400, days: 5, repair: true)
            try ConfigFileWriter.save(ConfigFileWriter.render(warehouse: h.backend.warehouseURL, sources: sources), to: h.configPath)
            #expect(try ConfigLoader.load(path: h.configPath).sources[0].verify == VerifyPlan(every: 86400, days: 5, repair: true))
            #expect(await h.backend.reload() == nil)

            // The tables are not due for hours: the pass after the reload runs the verify alone.
            try await waitFor(.seconds(120)) { try await !h.backend.runHistory(source: 0).filter { $0.table == "verify" }.isEmpty }
            let verify = try #require(try await h.backend.runHistory(source: 0).first { $0.table == "verify" })
            #expect(verify.result == "clean" && verify.siteId == 1, "\(verify)")
            #expect(verify.rows >= 1 && verify.requests > 0, "days repaired \(verify.rows), requests \(verify.requests)")
            #expect(verify.error?.contains("repaired") == true, "\(verify.error ?? "")")
            let stored = try await h.backend.query("SELECT COUNT(*) FROM visits WHERE id_visit IN (\(ids))")
            #expect(ConsoleBackend.number(stored.rows.first?.first ?? .null) == 3, "the late visits were stored by the repair")
            // Its next run is a day away, saved like a table's.
            let state = try #require(try await h.backend.status().first { $0.table == "_verify" }?.state)
            let next = try #require(state.nextRunAt.flatMap(Timestamps.parse))
            #expect(next.timeIntervalSinceNow > 86400 - 600)

            // The source's page shows the schedule and the verify's row.
            try await h.application().test(.router) { client in
                var b = Browser()
                _ = try await b.signIn(client)
                let page = String(buffer: try await b.get(client, "/sources/0").body)
                #expect(page.contains("Verified against Matomo every 1d, the last 5 days, repairing what differs"))
                #expect(page.contains("<code>verify</code>") && page.contains("<td class=\"state-clean\">clean</td>"))
            }
        }
    }

    @Test func aVerifyThatStillDiffersIsShownAsDiffers() async throws {
        try await ConsoleHarness.with { h in
            try await h.backend.importSource(url: h.fakeURL.absoluteString, siteIds: [1], token: "fake-token",
                                             tables: [.visits: TablePlan(method: .incremental, every: 6 * 3600)])
            _ = try await h.waitUntilSettled(timeout: .seconds(120))
            // Without repair, the late visits stay missing and the verify says so.
            let day = h.fake.localDate(siteId: 1, daysAgo: 3)
            _ = h.fake.importLateVisits(siteId: 1, day: day, count: 2, seed: 78)
            var sources = await h.backend.sources
            sources[0].verify = VerifyPlan(every: 3600, days: 5, repair: false)
            try ConfigFileWriter.save(ConfigFileWriter.render(warehouse: h.backend.warehouseURL, sources: sources), to: h.configPath)
            #expect(await h.backend.reload() == nil)
            try await waitFor(.seconds(120)) { try await !h.backend.runHistory(source: 0).filter { $0.table == "verify" }.isEmpty }
            let verify = try #require(try await h.backend.runHistory(source: 0).first { $0.table == "verify" })
            #expect(verify.result == "differs" && verify.rows == 0, "\(verify)")
            #expect(verify.error?.contains("verify --repair") == true, "\(verify.error ?? "")")
        }
    }
}

import Foundation
import Hummingbird
import HummingbirdTesting
import MatomoFake
import MatomoSync
@testable import MatomoSyncConsole
import Testing

/// What the console's buttons do: Sync now, Full refresh, Pause/Resume, the plan, Remove source,
/// the run history, the live state of a running table, the metrics.
@Suite(.serialized) struct ConsoleActionTests {
    @Test func aRunningTableShowsItsDaysDoneThenSynced() async throws {
        // Slow answers, so the backfill is seen in flight.
        var configuration = FakeMatomoConfiguration()
        configuration.latency = .milliseconds(40)
        try await ConsoleHarness.with(fake: configuration) { h in
            try await h.backend.importSource(url: h.fakeURL.absoluteString, siteIds: [1], token: "fake-token",
                                             tables: [.referrers: TablePlan(method: .incremental, every: 3600)])
            var sawRunning: TableRow?
            let deadline = ContinuousClock.now + .seconds(60)
            while ContinuousClock.now < deadline {
                let rows = TableRows.rows(source: await h.backend.sources[0], index: 0, statuses: try await h.backend.status(),
                                          progress: h.backend.progress, redact: { $0 })
                if let r = rows.first(where: { $0.state == "running" && $0.daysDone > 0 }) { sawRunning = r; break }
                try await Task.sleep(for: .milliseconds(20))
            }
            let running = try #require(sawRunning, "never saw the table running")
            #expect(running.isRunning && running.daysTotal >= running.daysDone && running.days.contains("days"))
            let settled = try await h.waitUntilSettled(timeout: .seconds(120))
            #expect(settled.first?.state == "synced" && settled.first!.rowCount > 0)
        }
    }

    @Test func syncNowPauseResumeAndThePlanGoThroughTheFileAndTheHistory() async throws {
        try await ConsoleHarness.with { h in
            try await h.application().test(.router) { client in
                var b = Browser()
                _ = try await b.signIn(client)
                _ = try await b.get(client, "/sources/new")
                _ = try await b.post(client, "/sources", [("url", h.fakeURL.absoluteString), ("site", "1"), ("token", "fake-token"),
                                                          ("table_visits_summary", "on"), ("table_goals", "on")])
                _ = try await h.waitUntilSettled()
                // The history is written once the pass ends, a moment after both tables show synced.
                try await waitFor { try await h.backend.runHistory(source: 0).count == 2 }
                _ = try await b.get(client, "/sources/0")
                // Sync now: a second run of the table lands in the history.
                let sync = try await b.post(client, "/sources/0/tables/visits_summary/sync", [("site", "1")])
                #expect(String(buffer: sync.body).contains("Sync of visits_summary queued."))
                try await waitFor { try await h.backend.runHistory(source: 0).filter { $0.table == "visits_summary" }.count == 2 }
                // Full refresh.
                _ = try await b.post(client, "/sources/0/tables/goals/sync", [("site", "1"), ("full_refresh", "1")])
                try await waitFor { try await h.backend.runHistory(source: 0).filter { $0.table == "goals" }.count == 2 }
                // Pause: in the file, shown, not scheduled.
                let paused = try await b.post(client, "/sources/0/tables/goals/pause", [])
                #expect(String(buffer: paused.body).contains("Resume"))
                #expect(try ConfigLoader.load(path: h.configPath).sources[0].tables[.goals]?.paused == true)
                let rows = try await h.waitUntilSettled(allowFailed: false, accept: ["paused"])
                #expect(rows.first { $0.table == "goals" }?.state == "paused")
                _ = try await b.post(client, "/sources/0/tables/goals/resume", [])
                #expect(try ConfigLoader.load(path: h.configPath).sources[0].tables[.goals]?.paused == false)
                // The plan.
                _ = try await b.post(client, "/sources/0/tables/visits_summary/plan", [("method", "full_refresh"), ("every", "604800")])
                #expect(try ConfigLoader.load(path: h.configPath).sources[0].tables[.visitsSummary] == TablePlan(method: .fullRefresh, every: 604800))
                let page = String(buffer: try await b.get(client, "/sources/0").body)
                #expect(page.contains("<svg class=\"chart\"") && page.contains("<rect class=\"bar\""))
                #expect(page.contains("<td class=\"state-synced\">synced</td>"))
                // Metrics behind the session.
                let metrics = String(buffer: try await b.get(client, "/metrics").body)
                #expect(metrics.contains("matomo_sync_rows_total{") && metrics.contains("table=\"visits_summary\""))
                #expect(metrics.contains("matomo_sync_run_duration_seconds_bucket") && metrics.contains("matomo_sync_last_success_timestamp_seconds"))
            }
        }
    }

    @Test func removingASourceKeepsItsDataUnlessAskedToDeleteItsTables() async throws {
        try await ConsoleHarness.with { h in
            try await h.application().test(.router) { client in
                var b = Browser()
                _ = try await b.signIn(client)
                func link() async throws -> String {
                    _ = try await b.get(client, "/sources/new")
                    _ = try await b.post(client, "/sources", [("url", h.fakeURL.absoluteString), ("site", "1"), ("token", "fake-token"), ("table_countries", "on")])
                    _ = try await h.waitUntilSettled()
                    guard case .file(let path) = await h.backend.sources[0].token else { throw ConsoleError("no token file") }
                    return path
                }
                let tokenFile = try await link()
                let confirm = String(buffer: try await b.get(client, "/sources/0/remove").body)
                #expect(confirm.contains("Delete its tables") && confirm.contains("Remove source"))
                // Without the confirmation nothing happens.
                #expect(try await b.post(client, "/sources/0/remove", []).status == .badRequest)
                #expect(await h.backend.sources.count == 1)
                let kept = try await b.post(client, "/sources/0/remove", [("confirm", "yes")])
                #expect(String(buffer: kept.body).contains("its data stays"))
                #expect(await h.backend.sources.isEmpty)
                #expect(!(try String(contentsOfFile: h.configPath, encoding: .utf8)).contains("[[source]]"))
                #expect(!FileManager.default.fileExists(atPath: tokenFile))
                #expect(try await h.backend.query("SELECT COUNT(*) FROM countries").rows.first?.first.map(ConsoleBackend.number) ?? 0 > 0)
                // Linked again, then removed with its tables.
                _ = try await link()
                _ = try await b.get(client, "/sources/0/remove")
                let deleted = try await b.post(client, "/sources/0/remove", [("confirm", "yes"), ("delete_tables", "yes")])
                #expect(String(buffer: deleted.body).contains("its tables deleted"))
                #expect(!(try await h.backend.warehouse.tableNames().contains("countries")))
                let state = try await h.backend.warehouse.status().first { $0.table == "countries" }
                #expect(state?.state.cursor == nil && state?.state.lastSuccessAt == nil, "a blank state: linking it again backfills")
            }
        }
    }
}

func waitFor(_ timeout: Duration = .seconds(60), _ condition: () async throws -> Bool) async throws {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(100))
    }
    throw ConsoleError("timed out")
}

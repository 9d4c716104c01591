import Foundation
import MatomoAPI
import MatomoFake
import Testing
@testable import MatomoSync

/// Config files, many sites and the long-running scheduler, through the real binary.
@Suite(.serialized) struct SchedulerProcessTests {
    /// Two sites of five days each, on the real clock, for `body`.
    static func withHarness<T>(_ body: (SyncHarness) async throws -> T) async throws -> T {
        let created = Date().addingTimeInterval(-400 * 86400)
        return try await MatomoSyncTests.withHarness(sites: [
            FakeSite(id: 1, name: "Shop", timezone: "Europe/Paris", createdAt: created),
            FakeSite(id: 3, name: "Blog", timezone: "America/New_York", createdAt: created),
        ], now: Date()) { h in
            h.fake.generateTraffic(siteId: 1, days: 5, visitsPerDay: 10...20, seed: 1)
            h.fake.generateTraffic(siteId: 3, days: 5, visitsPerDay: 5...10, seed: 2)
            return try await body(h)
        }
    }

    static func writeConfig(_ h: SyncHarness, every: String, visitsEvery: String, sites: String = "[1, 3]") throws -> String {
        let path = h.folder.appendingPathComponent("matomo-sync.toml").path
        try """
            warehouse = "sqlite:\(h.warehousePath())"

            [[source]]
            url = "\(h.url.absoluteString)"
            sites = \(sites)
            token_env = "MATOMO_TOKEN"
            backfill_days = 5
            every = "\(every)"

            [source.tables]
            visits = { method = "incremental", every = "\(visitsEvery)" }
            countries = { method = "full_refresh" }
            referrers = false
            """.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static let env = ["MATOMO_TOKEN": SyncHarness.token]
    /// Tables the test config syncs per site: every built-in one but referrers.
    static let perSite = TableName.allCases.count - 1

    static func jsonLines(_ text: String) -> [[String: Any]] {
        text.split(separator: "\n").compactMap { line in
            (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any]
        }
    }

    @Test func syncWithAConfigRunsOnlyWhatIsDue() async throws {
        try await Self.withHarness { h in
            let config = try Self.writeConfig(h, every: "1h", visitsEvery: "1h")
            let first = try await CLIProcess.run(["sync", "--config", config, "--log-format", "json"], environment: Self.env)
            #expect(first.status == 0, "\(first.stderr)")
            let runs = Self.jsonLines(first.stderr).filter { $0["table"] != nil }
            // Every table but referrers (off) for two sites.
            #expect(runs.count == 2 * Self.perSite, "\(first.stderr)")
            #expect(runs.allSatisfy { $0["status"] as? String == "ok" })
            #expect(Set(runs.compactMap { $0["site"] as? Int }) == [1, 3])
            #expect(try await h.int("SELECT COUNT(DISTINCT _site_id) FROM visits") == 2)
            #expect(try await h.int("SELECT COUNT(*) FROM sqlite_master WHERE name = 'referrers'") == 0)
            // Nothing is due an instant later: a restart redoes nothing. --all runs everything.
            let again = try await CLIProcess.run(["sync", "--config", config, "--log-format", "json"], environment: Self.env)
            #expect(again.status == 0)
            #expect(Self.jsonLines(again.stderr).filter { $0["table"] != nil }.isEmpty, "\(again.stderr)")
            let forced = try await CLIProcess.run(["sync", "--config", config, "--all", "--log-format", "json"], environment: Self.env)
            #expect(Self.jsonLines(forced.stderr).filter { $0["table"] != nil }.count == 2 * Self.perSite)
            let status = try await CLIProcess.run(["status", "--warehouse", "sqlite:" + h.warehousePath()])
            #expect(status.stdout.contains("next run"))
            // A header, a rule and a row per table (a failed last run adds a line after them).
            #expect(status.stdout.split(separator: "\n").filter { $0.hasPrefix("http") }.count == 2 * Self.perSite, "\(status.stdout)")
        }
    }

    @Test func flagsOverrideTheFile() async throws {
        try await Self.withHarness { h in
            let config = try Self.writeConfig(h, every: "1h", visitsEvery: "1h")
            let other = h.folder.appendingPathComponent("other.sqlite").path
            let r = try await CLIProcess.run(["sync", "--config", config, "--tables", "visits_summary", "--backfill-days", "2",
                                              "--warehouse", "sqlite:" + other, "--log-format", "json"], environment: Self.env)
            #expect(r.status == 0, "\(r.stderr)")
            let runs = Self.jsonLines(r.stderr).filter { $0["table"] != nil }
            #expect(runs.map { $0["table"] as? String } == ["visits_summary", "visits_summary"])
            #expect(runs.allSatisfy { ($0["days"] as? String)?.contains(",") == true })
            #expect(FileManager.default.fileExists(atPath: other))
            #expect(!FileManager.default.fileExists(atPath: h.warehousePath()))
            let mixed = try await CLIProcess.run(["sync", "--config", config, "--url", h.url.absoluteString], environment: Self.env)
            #expect(mixed.status == 1)
            #expect(mixed.stderr.contains("leave out --url"))
        }
    }

    @Test func theSchedulerRunsTablesOnTheirFrequenciesAndStopsCleanly() async throws {
        try await Self.withHarness { h in
            let config = try Self.writeConfig(h, every: "1h", visitsEvery: "2s")
            let p = try CLIProcess(["run", "--config", config, "--log-format", "json"], environment: Self.env)
            // Wait for two cycles of the visits table on both sites (the deadline only bounds a hung child).
            #expect(try await p.waitUntilStarted(), "\(p.stderrSoFar)")
            var visitRuns = 0
            let deadline = ContinuousClock.now + .seconds(300)
            while ContinuousClock.now < deadline, p.process.isRunning {
                visitRuns = Self.jsonLines(p.stderrSoFar).filter { $0["table"] as? String == "visits" && $0["status"] as? String == "ok" }.count
                if visitRuns >= 4 { break }
                try await Task.sleep(for: .milliseconds(20))
            }
            p.signal(SIGTERM)
            let r = try await p.wait()
            #expect(visitRuns >= 4, "\(r.stderr)")
            #expect(r.status == 0, "\(r.stderr)")
            #expect(r.stderr.contains("every batch started was committed"))
            let runs = Self.jsonLines(r.stderr).filter { $0["table"] != nil }
            // Tables on a 1h frequency ran once per site; visits (2s) at least twice per site.
            for table in ["visits_summary", "actions_summary", "countries"] {
                #expect(runs.filter { $0["table"] as? String == table }.count == 2, "\(table)")
            }
            #expect(runs.filter { $0["table"] as? String == "countries" }.allSatisfy { $0["full_refresh"] as? Bool == true || $0["full_refresh"] as? Int == 1 })
            // State committed: every table of both sites has a success and a next run.
            let w = try SQLiteWarehouse(path: h.warehousePath(), readOnly: true)
            let statuses = try await w.status()
            try await w.close()
            #expect(statuses.count == 2 * Self.perSite)
            #expect(statuses.allSatisfy { $0.state.lastSuccessAt != nil && $0.state.nextRunAt != nil })
            // A restart redoes nothing that is not due: the 1h tables stay put.
            // It is stopped once it has run its visits job again (due every 2 s), so its first pass is seen whole.
            let restart = try CLIProcess(["run", "--config", config, "--log-format", "json"], environment: Self.env)
            #expect(try await restart.waitUntilStarted(), "\(restart.stderrSoFar)")
            #expect(try await restart.waitForStderr(#""table":"visits","status":"ok""#), "\(restart.stderrSoFar)")
            restart.signal(SIGINT)
            let r2 = try await restart.wait()
            #expect(r2.status == 0, "\(r2.stderr)")
            // visit_actions is written by the visits job.
            #expect(Self.jsonLines(r2.stderr).filter { !["visits", "visit_actions"].contains($0["table"] as? String ?? "visits") }.isEmpty, "\(r2.stderr)")
        }
    }

    @Test func siteListsAndAllOnTheCommandLine() async throws {
        try await Self.withHarness { h in
            let base = ["sync", "--url", h.url.absoluteString, "--tables", "visits_summary", "--backfill-days", "5",
                        "--warehouse", "sqlite:" + h.warehousePath()]
            let listed = try await CLIProcess.run(base + ["--site-id", "1,3"], environment: Self.env)
            #expect(listed.status == 0, "\(listed.stderr)")
            #expect(try await h.query("SELECT _site_id, COUNT(*) FROM visits_summary GROUP BY 1 ORDER BY 1") == [[.int(1), .int(6)], [.int(3), .int(6)]])
            let all = try await CLIProcess.run(base + ["--site-id", "all", "--table-prefix", "all_"], environment: Self.env)
            #expect(all.status == 0, "\(all.stderr)")
            #expect(try await h.int("SELECT COUNT(DISTINCT _site_id) FROM all_visits_summary") == 2)
            #expect(h.fake.requests().contains { $0.apiMethod == "SitesManager.getSitesIdWithAtLeastViewAccess" })
        }
    }
}

import Foundation
import MatomoAPI
import MatomoFake
import Synchronization
import Testing
@testable import MatomoSync

/// A full refresh replaces what it pulled again, never the history before its window; deleting the
/// older rows takes `--truncate` as well. On every warehouse.
@Suite struct FullRefreshWindowTests {
    static let paris = TimeZone(identifier: "Europe/Paris")!
    static let tables: [TableName] = [.visits, .visitsSummary, .countries]

    /// 20 days of traffic, synced; `body` gets the first day a 3-day refresh replaces.
    static func withSynced<T>(_ kind: WarehouseKind, _ body: (SyncHarness, String) async throws -> T) async throws -> T {
        try await withHarness(kind) { h in
            h.fake.generateTraffic(siteId: 1, days: 20, visitsPerDay: 5...10, seed: 11)
            let (report, _) = try await h.sync(h.options(tables, backfillDays: 20))
            #expect(report.succeeded, "\(report.tables.compactMap(\.error))")
            let first = LocalDay.containing(h.clock.now, in: paris).adding(days: -3).description
            return try await body(h, first)
        }
    }

    struct Counts: Equatable {
        var visits: Int64, olderVisits: Int64, summary: Int64, olderSummary: Int64, countries: Int64, olderCountries: Int64
    }

    static func counts(_ h: SyncHarness, before first: String) async throws -> Counts {
        Counts(visits: try await h.int("SELECT COUNT(*) FROM visits"),
               olderVisits: try await h.int("SELECT COUNT(*) FROM visits WHERE _date < '\(first)'"),
               summary: try await h.int("SELECT COUNT(*) FROM visits_summary"),
               olderSummary: try await h.int("SELECT COUNT(*) FROM visits_summary WHERE _date < '\(first)'"),
               countries: try await h.int("SELECT COUNT(*) FROM countries"),
               olderCountries: try await h.int("SELECT COUNT(*) FROM countries WHERE _date < '\(first)'"))
    }

    /// Removes one visit of the window from the fake, as Matomo's GDPR tools would.
    static func deleteOneVisit(_ h: SyncHarness, from first: String) -> Int {
        let start = Int(LocalDay(first)!.start(in: paris))
        let cutoff = Int(h.clock.now.timeIntervalSince1970) - 7200
        let all = h.fake.visits(siteId: 1)
        let gone = all.first { $0.lastActionTimestamp > start + 3600 && $0.lastActionTimestamp < cutoff }!
        h.fake.removeAllVisits(siteId: 1)
        h.fake.addVisits(all.filter { $0.idVisit != gone.idVisit })
        return gone.idVisit
    }

    @Test(arguments: WarehouseKind.allCases)
    func aShortFullRefreshReplacesItsWindowAndKeepsOlderRows(_ kind: WarehouseKind) async throws {
        try await Self.withSynced(kind) { h, first in
            let before = try await Self.counts(h, before: first)
            #expect(before.olderVisits > 0 && before.olderSummary == 17 && before.olderCountries > 0)
            let gone = Self.deleteOneVisit(h, from: first)

            let (report, _) = try await h.sync(h.options(Self.tables, backfillDays: 3, fullRefresh: true))
            #expect(report.succeeded, "\(report.tables.compactMap(\.error))")
            #expect(report.tables.map(\.replaced) == Array(repeating: .from(first), count: 3))
            let after = try await Self.counts(h, before: first)
            #expect(after.olderVisits == before.olderVisits)
            #expect(after.olderSummary == before.olderSummary)
            #expect(after.olderCountries == before.olderCountries)
            // The window itself is replaced: the visit deleted in Matomo is gone, the rest is as before.
            #expect(after.visits == before.visits - 1)
            #expect(try await h.int("SELECT COUNT(*) FROM visits WHERE id_visit = \(gone)") == 0)
            #expect(after.summary == before.summary)
            #expect(try await h.tableNames().filter { $0.contains("staging") } == [])
        }
    }

    @Test(arguments: WarehouseKind.allCases)
    func truncateAlsoDeletesTheRowsBeforeTheWindow(_ kind: WarehouseKind) async throws {
        try await Self.withSynced(kind) { h, first in
            var options = h.options(Self.tables, backfillDays: 3, fullRefresh: true)
            options.truncate = true
            let (report, _) = try await h.sync(options)
            #expect(report.succeeded, "\(report.tables.compactMap(\.error))")
            #expect(report.tables.map(\.replaced) == Array(repeating: .all, count: 3))
            let after = try await Self.counts(h, before: first)
            #expect(after.olderVisits == 0 && after.olderSummary == 0 && after.olderCountries == 0)
            #expect(after.summary == 4)
            #expect(after.visits > 0)
            // Without --full-refresh, --truncate is refused before anything is touched.
            var alone = h.options(Self.tables, backfillDays: 3)
            alone.truncate = true
            await #expect(throws: SyncError.self) { try await h.sync(alone) }
        }
    }

    /// A 3-day full refresh of the visits, stopped as SIGTERM stops it after its second commit.
    static func stopAShortFullRefreshAfterTwoCommits(_ h: SyncHarness) async throws {
        let stop = Mutex(false)
        let progress = RecordingProgress(cancelAfterCommits: 2, onCancel: { stop.withLock { $0 = true } })
        var options = h.options([.visits], backfillDays: 3, pageSize: 5, fullRefresh: true)
        options.stopRequested = { stop.withLock { $0 } ? "SIGTERM" : nil }
        await #expect(throws: SyncError.self) { try await h.sync(options, progress: progress) }
    }

    /// Killed during a short full refresh: nothing is replaced yet; the next run (any window) resumes
    /// the refresh with the window it started with, and still keeps the older rows.
    @Test(arguments: WarehouseKind.allCases)
    func aKilledShortFullRefreshResumesWithItsWindow(_ kind: WarehouseKind) async throws {
        try await Self.withSynced(kind) { h, first in
            let before = try await Self.counts(h, before: first)
            try await Self.stopAShortFullRefreshAfterTwoCommits(h)
            #expect(try await Self.counts(h, before: first) == before)
            #expect(try await h.tableNames().contains("_staging_1_visits"))
            let state = try await h.status().first { $0.table == "visits" }?.state
            #expect(state?.phase == .fullRefresh)
            #expect(state?.refreshFrom == first)

            let (report, _) = try await h.sync(h.options([.visits], backfillDays: 365))
            #expect(report.succeeded, "\(report.tables.compactMap(\.error))")
            #expect(report.tables.first?.replaced == .from(first))
            let after = try await Self.counts(h, before: first)
            #expect(after.olderVisits == before.olderVisits)
            #expect(after.visits == before.visits)
            #expect(try await h.int("SELECT COUNT(DISTINCT id_visit) FROM visits") == before.visits)
            #expect(try await h.status().first { $0.table == "visits" }?.state.phase == .incremental)
        }
    }

    /// The same, but the staging table is gone when the run resumes (dropped by hand, or named as
    /// before staging tables were per site): resuming would promote only the rows after the cursor,
    /// so the refresh starts again and the window's visits are all there.
    @Test(arguments: [WarehouseKind.sqlite, .postgres])
    func aResumedRefreshWithoutItsStagingTableStartsAgain(_ kind: WarehouseKind) async throws {
        try await Self.withSynced(kind) { h, first in
            let before = try await Self.counts(h, before: first)
            try await Self.stopAShortFullRefreshAfterTwoCommits(h)
            let w = try h.open()
            try await w.dropTable("_staging_1_visits")
            try await w.close()

            let (report, _) = try await h.sync(h.options([.visits], backfillDays: 365))
            #expect(report.succeeded, "\(report.tables.compactMap(\.error))")
            let after = try await Self.counts(h, before: first)
            #expect(after.olderVisits == before.olderVisits)
            #expect(after.visits == before.visits)
            #expect(try await h.status().first { $0.table == "visits" }?.state.phase == .incremental)
        }
    }

    /// `sync --config ... --all --backfill-days 3` and the scheduler: a `full_refresh` table of the
    /// file keeps its history; `truncate = true` next to it is what drops the older rows.
    @Test(arguments: WarehouseKind.allCases)
    func aFullRefreshTableOfTheConfigKeepsItsHistory(_ kind: WarehouseKind) async throws {
        try await Self.withSynced(kind) { h, first in
            let before = try await Self.counts(h, before: first)
            func config(_ extra: String) throws -> SyncConfig {
                try ConfigLoader.parse("""
                    warehouse = "\(h.warehouseURL())"
                    [[source]]
                    url = "\(h.url.absoluteString)"
                    sites = [1]
                    token_env = "MATOMO_TOKEN"
                    backfill_days = 3
                    [source.tables]
                    countries = { method = "full_refresh"\(extra) }
                    \(TableName.allCases.filter { $0 != .countries }.map { "\($0.rawValue) = false" }.joined(separator: "\n"))
                    """, path: "t.toml", environment: ["MATOMO_TOKEN": SyncHarness.token])
            }
            func pass(_ file: SyncConfig) async throws -> [TableReport] {
                let warehouse = try h.open()
                var client = ClientConfiguration()
                client.maxAttempts = 1
                let clock = h.clock
                let runner = try ScheduledRunner(config: file, warehouse: warehouse, clientConfiguration: client,
                                                 progress: SilentProgress(), now: { clock.now })
                let reports = try await runner.runOnce(all: true)
                await runner.shutdown()
                try await warehouse.close()
                return reports
            }
            let kept = try await pass(try config(""))
            #expect(kept.map(\.replaced) == [.from(first)], "\(kept.compactMap(\.error))")
            #expect(try await Self.counts(h, before: first).olderCountries == before.olderCountries)

            h.clock.advance(86400)
            let truncated = try await pass(try config(", truncate = true"))
            #expect(truncated.map(\.replaced) == [.all], "\(truncated.compactMap(\.error))")
            let today = LocalDay.containing(h.clock.now, in: Self.paris)
            #expect(try await h.int("SELECT COUNT(*) FROM countries WHERE _date < '\(today.adding(days: -3))'") == 0)
            #expect(throws: SyncError.self) {
                _ = try ConfigLoader.parse("""
                    warehouse = "sqlite:x.sqlite"
                    [[source]]
                    url = "https://example.com"
                    sites = [1]
                    token_env = "MATOMO_TOKEN"
                    [source.tables]
                    countries = { method = "incremental", truncate = true }
                    """, path: "t.toml", environment: ["MATOMO_TOKEN": "x"])
            }
        }
    }
}

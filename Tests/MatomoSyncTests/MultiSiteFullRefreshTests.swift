import Foundation
import MatomoFake
import MatomoSync
import Testing

/// Found by the conformance suite against a real Matomo: `sync --site-id 1,2 --full-refresh` runs the
/// sites one after another on one open warehouse; each site's full refresh fills and drops the same
/// `_staging_<table>`, so the second site's must be created again. Since then each site has its own
/// staging table, as the scheduler refreshes two sites' tables at once.
@Suite("A full refresh of several sites in one run")
struct MultiSiteFullRefreshTests {
    @Test(arguments: WarehouseKind.allCases)
    func fullRefreshOfSeveralSitesOnOneWarehouse(_ kind: WarehouseKind) async throws {
        let created = SyncHarness.defaultNow.addingTimeInterval(-800 * 86400)
        try await withHarness(kind, sites: [
            FakeSite(id: 1, name: "Paris shop", timezone: "Europe/Paris", createdAt: created),
            FakeSite(id: 2, name: "New York shop", timezone: "America/New_York", createdAt: created),
        ]) { h in
            h.fake.generateTraffic(siteId: 1, days: 10, visitsPerDay: 5...10, seed: 11)
            h.fake.generateTraffic(siteId: 2, days: 10, visitsPerDay: 5...10, seed: 12)
            let (counts, _) = try await h.withClientAndWarehouse { client, warehouse in
                var counts: [[Int64]] = []
                for fullRefresh in [false, true] {
                    for site in [1, 2] {
                        let report = try await SyncEngine(client: client, warehouse: warehouse, siteId: site,
                                                          options: h.options(backfillDays: 10, fullRefresh: fullRefresh),
                                                          progress: SilentProgress()).run()
                        #expect(report.succeeded, "site \(site)\(fullRefresh ? " full refresh" : ""): \(report.tables.compactMap(\.error))")
                    }
                    counts.append([try await h.int("SELECT COUNT(*) FROM visits WHERE _site_id = 1"),
                                   try await h.int("SELECT COUNT(*) FROM visits WHERE _site_id = 2"),
                                   try await h.int("SELECT COUNT(*) FROM referrers")])
                }
                return counts
            }
            #expect(counts[0].allSatisfy { $0 > 0 })
            #expect(counts[1] == counts[0])
            #expect(try await h.tableNames().filter { $0.contains("staging") } == [])
        }
    }

    /// The scheduler's case: two sites' full refreshes of the same table at the same time, on one
    /// warehouse. With one staging table for both, one site's promote took or dropped the other's rows.
    @Test(arguments: [WarehouseKind.sqlite, .postgres, .clickhouse])
    func fullRefreshesOfTwoSitesAtOnce(_ kind: WarehouseKind) async throws {
        let created = SyncHarness.defaultNow.addingTimeInterval(-800 * 86400)
        try await withHarness(kind, sites: [
            FakeSite(id: 1, name: "Paris shop", timezone: "Europe/Paris", createdAt: created),
            FakeSite(id: 2, name: "New York shop", timezone: "America/New_York", createdAt: created),
        ]) { h in
            h.fake.generateTraffic(siteId: 1, days: 8, visitsPerDay: 20...40, seed: 13)
            h.fake.generateTraffic(siteId: 2, days: 8, visitsPerDay: 20...40, seed: 14)
            let counts = "SELECT _site_id, COUNT(*) FROM visits GROUP BY _site_id ORDER BY _site_id"
            let ((before, after), _) = try await h.withClientAndWarehouse { client, warehouse in
                func sync(_ site: Int, fullRefresh: Bool) async throws -> SyncReport {
                    let options = h.options([.visits, .referrers], backfillDays: 8, pageSize: 30, fullRefresh: fullRefresh)
                    return try await SyncEngine(client: client, warehouse: warehouse, siteId: site, options: options).run()
                }
                for site in [1, 2] { #expect(try await sync(site, fullRefresh: false).succeeded) }
                let before = try await h.query(counts)
                // Held around both, as the scheduler holds it around the jobs it runs at once.
                try await warehouse.lockForSync()
                async let one = sync(1, fullRefresh: true)
                async let two = sync(2, fullRefresh: true)
                let (a, b) = try await (one, two)
                await warehouse.unlockSync()
                #expect(a.succeeded && b.succeeded, "\(a.tables.compactMap(\.error)) \(b.tables.compactMap(\.error))")
                return (before, try await h.query(counts))
            }
            #expect(before.count == 2)
            #expect(after == before)
            #expect(try await h.tableNames().filter { $0.contains("staging") } == [])
        }
    }
}

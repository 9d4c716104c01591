import Foundation
import MatomoFake
import MatomoSync
import Testing

/// Found by the conformance suite against a real Matomo: `sync --site-id 1,2 --full-refresh` runs the
/// sites one after another on one open warehouse; each site's full refresh fills and drops the same
/// `_staging_<table>`, so the second site's must be created again.
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
            let warehouse = try h.open()
            let client = try h.client()
            var counts: [[Int64]] = []
            do {
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
            } catch {
                await client.shutdown()
                try? await warehouse.close()
                throw error
            }
            await client.shutdown()
            try await warehouse.close()
            #expect(counts[0].allSatisfy { $0 > 0 })
            #expect(counts[1] == counts[0])
            #expect(try await h.tableNames().filter { $0.contains("staging") } == [])
        }
    }
}

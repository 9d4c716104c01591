import Foundation
import MatomoAPI
import MatomoFake
import Synchronization
import Testing
@testable import MatomoSync

/// `verify = { every = "24h", days = 35, repair = true }` in a source: `run` verifies (and repairs)
/// when due, records the outcome under `_verify` in the state table, and waits a day for the next.
@Suite(.serialized) struct ScheduledVerifyTests {
    static func config(_ h: SyncHarness, verify: String) throws -> SyncConfig {
        try ConfigLoader.parse("""
            warehouse = "\(h.warehouseURL())"
            [[source]]
            url = "\(h.url.absoluteString)"
            sites = [1]
            token_env = "MATOMO_TOKEN"
            backfill_days = 30
            every = "1h"
            verify = \(verify)
            [source.tables]
            \(TableName.allCases.filter { ![.visits, .visitActions, .visitsSummary, .countries].contains($0) }.map { "\($0.rawValue) = false" }.joined(separator: "\n"))
            """, path: "t.toml", environment: ["MATOMO_TOKEN": SyncHarness.token])
    }

    @Test func configReadsTheVerifyPlan() throws {
        let h = SyncHarnessStub.url
        func parse(_ verify: String) throws -> VerifyPlan? {
            try ConfigLoader.parse("""
                [[source]]
                url = "\(h)"
                sites = [1]
                token_env = "MATOMO_TOKEN"
                verify = \(verify)
                """, path: "t.toml", environment: ["MATOMO_TOKEN": "x"]).sources[0].verify
        }
        #expect(try parse(#"{ every = "24h", days = 35, repair = true }"#) == VerifyPlan(every: 86400, days: 35, repair: true))
        #expect(try parse(#"{ days = 7 }"#) == VerifyPlan(every: 86400, days: 7, repair: false))
        #expect(try parse("false") == nil)
        for bad in [#"{ every = "often" }"#, #"{ days = 0 }"#, #"{ repair = "yes" }"#, #"{ fix = true }"#, #""daily""#] {
            #expect(throws: SyncError.self, "\(bad)") { try parse(bad) }
        }
    }

    @Test(arguments: [WarehouseKind.sqlite, .postgres, .clickhouse])
    func runVerifiesAndRepairsWhenDue(_ kind: WarehouseKind) async throws {
        try await withHarness(kind) { h in
            h.fake.generateTraffic(siteId: 1, days: 40, visitsPerDay: 6...10, seed: 12)
            let file = try Self.config(h, verify: #"{ every = "24h", days = 35, repair = true }"#)
            let warehouse = try h.open()
            var client = ClientConfiguration()
            client.maxAttempts = 1
            let clock = h.clock
            let stop = Mutex(false)
            let runner = try ScheduledRunner(config: file, warehouse: warehouse, clientConfiguration: client, progress: SilentProgress(),
                                             now: { clock.now }, stopRequested: { stop.withLock { $0 } ? "test" : nil })
            try await withStopping({ await runner.shutdown(); try? await warehouse.close() }) {

                // A first pass syncs, then verifies: clean.
                let units = try await runner.service.units()
                try await runner.runOnce(all: true)
                let first = try await runner.service.runDueVerifies(units)
                #expect(first.count == 1 && first[0].clean, "\(first.map(\.differences))")
                let key = runner.service.verifyKey(source: 0, siteId: 1)
                let saved = try #require(try await warehouse.loadState(key))
                #expect(saved.lastSuccessAt != nil && saved.lastError == nil)
                #expect(saved.nextRunAt == Timestamps.iso(clock.now.addingTimeInterval(86400)))

                // Not due for a day: nothing is asked of Matomo.
                let day = h.fake.localDate(siteId: 1, daysAgo: 15)
                let late = h.fake.importLateVisits(siteId: 1, day: day, count: 4, seed: 31)
                h.clock.advance(3600)
                h.fake.resetRequests()
                #expect(try await runner.service.runDueVerifies(units).isEmpty)
                #expect(h.fake.requests().isEmpty)

                // `run` itself, a day later: the late visits are found and repaired, the outcome saved.
                h.clock.advance(86400)
                let running = Task { try await runner.runForever(pollInterval: .milliseconds(20)) }
                let deadline = Date().addingTimeInterval(60)
                while Date() < deadline {
                    if let s = try await warehouse.loadState(key), let next = s.nextRunAt.flatMap(Timestamps.parse), next > clock.now { break }
                    try await Task.sleep(for: .milliseconds(50))
                }
                stop.withLock { $0 = true }
                try await running.value
                let ids = late.map { String($0.idVisit) }.joined(separator: ",")
                #expect(try await h.int("SELECT COUNT(*) FROM visits WHERE id_visit IN (\(ids))") == 4)
                let after = try #require(try await warehouse.loadState(key))
                #expect(after.lastError == nil)
                #expect(try await h.verify(h.verifyOptions(days: 35, tables: [.visits, .visitActions, .visitsSummary, .countries])).0.clean)
                // `status` shows it beside the tables.
                #expect(try await h.status().contains { $0.table == "_verify" && $0.state.lastSuccessAt != nil })
            }
        }
    }
}

private enum SyncHarnessStub {
    static let url = "https://analytics.example.com"
}

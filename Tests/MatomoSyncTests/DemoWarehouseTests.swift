import Foundation
import MatomoFake
import Testing
@testable import MatomoSync

/// `demo --warehouse` writes only into a warehouse it made: anything else is refused untouched. On
/// every warehouse, through the real binary.
@Suite(.serialized) struct DemoWarehouseTests {
    static func demo(_ h: SyncHarness, _ name: String) async throws -> CLIProcess.Result {
        try await CLIProcess.run(["demo", "--warehouse", h.warehouseURL(name), "--days", "3", "--visits-per-day", "6"])
    }

    @Test(arguments: WarehouseKind.allCases)
    func aWarehouseWithDataIsRefusedUntouched(_ kind: WarehouseKind) async throws {
        try await withHarness(kind) { h in
            h.fake.generateTraffic(siteId: 1, days: 5, visitsPerDay: 10...20, seed: 4)
            try await h.sync(h.options(backfillDays: 5))
            let visits = try await h.int("SELECT COUNT(*) FROM visits")
            let tables = try await h.tableNames().sorted()
            #expect(visits > 0)

            let r = try await Self.demo(h, "w")
            #expect(r.status == 1)
            #expect(r.stderr.contains("the demo writes only into a new warehouse or one an earlier demo made"), "\(r.stderr)")
            #expect(r.stderr.contains("left untouched"))
            #expect(try await h.int("SELECT COUNT(*) FROM visits") == visits)
            #expect(try await h.tableNames().sorted() == tables)
            #expect(try await h.int("SELECT COUNT(*) FROM _matomo_sync_state") == TableName.allCases.count, "no Demo Shop state merged in")
            if kind == .sqlite {
                // A file that is not even a warehouse of ours is refused too, byte for byte the same.
                let path = h.folder.appendingPathComponent("notes.sqlite").path
                let notes = try WarehouseURL.open("sqlite:" + path)
                try await notes.createTable("notes", columns: [Column("text", .text)], key: ["text"])
                try await notes.close()
                let before = try Data(contentsOf: URL(fileURLWithPath: path))
                let other = try await CLIProcess.run(["demo", "--warehouse", "sqlite:" + path, "--days", "2"])
                #expect(other.status == 1)
                #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
            }
        }
    }

    @Test(arguments: WarehouseKind.allCases)
    func theDemoRunsAgainIntoItsOwnWarehouse(_ kind: WarehouseKind) async throws {
        try await withHarness(kind) { h in
            let first = try await Self.demo(h, "demo")
            #expect(first.status == 0, "\(first.stderr)")
            #expect(try await h.tableNames(warehouse: "demo").contains(DemoMarker.table))
            let visits = try await h.int("SELECT COUNT(*) FROM visits", warehouse: "demo")
            #expect(visits > 0)
            let again = try await Self.demo(h, "demo")
            #expect(again.status == 0, "\(again.stderr)")
            // A fresh demo, not one merged into the last: one site's rows, one state row per table.
            #expect(try await h.int("SELECT COUNT(*) FROM _matomo_sync_state", warehouse: "demo") == TableName.allCases.count)
            let rerun = try await h.int("SELECT COUNT(*) FROM visits", warehouse: "demo")
            #expect(rerun > 0)
            #expect(try await h.int("SELECT COUNT(DISTINCT id_visit) FROM visits", warehouse: "demo") == rerun)
            #expect(try await h.int("SELECT COUNT(*) FROM visits_summary", warehouse: "demo") == 4)
        }
    }
}

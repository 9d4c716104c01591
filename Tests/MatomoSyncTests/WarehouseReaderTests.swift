import Foundation
import Testing
@testable import MatomoSync

/// `WarehouseURL.openReader` gives each engine's reader: status, tables and query, and no write path
/// (the type is not a Warehouse, and its connection refuses writes).
@Suite struct WarehouseReaderTests {
    @Test(arguments: WarehouseKind.allCases)
    func aReaderHasOnlyTheReadSide(_ kind: WarehouseKind) async throws {
        try await withHarness(kind) { h in
            h.fake.generateTraffic(siteId: 1, days: 2, visitsPerDay: 3...5, seed: 8)
            try await h.sync(h.options([.visits, .visitsSummary], backfillDays: 2))
            let reader = try WarehouseURL.openReader(h.warehouseURL())
            try await withStopping({ try? await reader.close() }) {
                switch kind {
                case .sqlite: #expect(reader is SQLiteReader)
                case .postgres: #expect(reader is PostgresReader)
                case .clickhouse, .clickhouseRecent: #expect(reader is ClickHouseReader)
                }
                #expect(!(reader is any Warehouse), "a reader is not a writer opened read-only")
                let status = try await reader.status()
                #expect(Set(status.map(\.table)) == ["visits", "visits_summary"] && status.allSatisfy { $0.rows > 0 })
                let names = try await reader.tableNames()
                #expect(names.contains("visits") && names.contains(stateTableName))
                #expect(!names.contains(StateMigrations.table) && !names.contains("grdb_migrations"))
                let counted = try await reader.query("SELECT COUNT(*) FROM visits")
                #expect(counted.rows.first?.first == .int(Int64(status.first { $0.table == "visits" }!.rows)))
                await #expect(throws: SyncError.self) { try await reader.query("DELETE FROM visits WHERE 1 = 1") }
            }
            #expect(try await h.int("SELECT COUNT(*) FROM visits") > 0)
        }
    }
}

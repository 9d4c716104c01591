import Foundation
import GRDB
import Testing
@testable import MatomoSync

/// The state table declared once: a state survives its row, and an old warehouse's table catches up.
@Suite struct StateTableTests {
    @Test func aStateRoundTripsThroughItsRowByColumnName() {
        let key = StateKey(instance: "https://m.example/index.php", siteId: 3, table: .visits, tablePrefix: "shop_")
        let state = TableState(cursor: "123:4", phase: .fullRefresh, lastSuccessAt: "a", lastError: "b", lastErrorAt: "c",
                               nextRunAt: "d", failures: 2, refreshFrom: "2026-11-01")
        let row = StateTable.row(key, state, updatedAt: "now")
        #expect(row.count == StateTable.columns.count)
        #expect(StateTable.state(cells: row) == state)
        // Read by name, in any order, and with the columns an old table lacks read as unset.
        let reversed = Array(zip(StateTable.names, row).reversed())
        #expect(StateTable.state(cells: reversed.map(\.1), names: reversed.map(\.0)) == state)
        let firstVersion = StateTable.versions[0].columns.map(\.column.name)
        let old = StateTable.state(cells: Array(row.prefix(firstVersion.count)), names: firstVersion)
        #expect(old.failures == 0 && old.nextRunAt == nil && old.refreshFrom == nil && old.cursor == "123:4")
    }

    /// A warehouse made before scheduling and window refreshes: prepare adds what is missing through
    /// GRDB's migrator, keeps the rows, and records every version; a second prepare changes nothing.
    @Test func anOldSQLiteStateTableIsMigrated() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("matomo-sync-state-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("old.sqlite").path
        let queue = try DatabaseQueue(path: path)
        try await queue.write { db in
            try db.execute(sql: """
                CREATE TABLE _matomo_sync_state (instance_url TEXT NOT NULL, site_id INTEGER NOT NULL, table_name TEXT NOT NULL,
                    cursor TEXT, phase TEXT NOT NULL DEFAULT 'incremental', last_success_at TEXT, last_error TEXT,
                    last_error_at TEXT, updated_at TEXT NOT NULL, PRIMARY KEY (instance_url, site_id, table_name))
                """)
            try db.execute(sql: "INSERT INTO _matomo_sync_state VALUES ('i', 1, 'visits', '99:0', 'incremental', 'yesterday', NULL, NULL, 'then')")
        }
        try queue.close()
        let key = StateKey(instance: "i", siteId: 1, table: .visits)
        for round in 0..<2 {
            let w = try SQLiteWarehouse(path: path)
            try await w.prepare()
            let state = try #require(try await w.loadState(key))
            #expect(state.cursor == "99:0" && state.lastSuccessAt == "yesterday" && state.failures == (round == 0 ? 0 : 3))
            var changed = state
            changed.failures = 3
            changed.refreshFrom = "2026-11-20"
            try await w.saveState(key, changed)
            #expect(try await w.loadState(key) == changed)
            #expect(try await w.status().map(\.state) == [changed])
            try await w.close()
        }
        let check = try DatabaseQueue(path: path)
        let applied = try await check.read { db in try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations ORDER BY identifier") }
        let columns = try await check.read { db in try db.columns(in: "_matomo_sync_state").map(\.name) }
        try check.close()
        #expect(applied.count == StateTable.versions.count, "\(applied)")
        #expect(Set(columns) == Set(StateTable.names))
    }
}

import Foundation
import Testing
@testable import MatomoSync

/// PostgreSQL and ClickHouse record the state table's versions as SQLite's migrator does: an older
/// state table, made by hand in the first version's shape, is brought forward with its rows, every
/// version is recorded once, and a second prepare changes nothing.
@Suite(.serialized) struct ServerStateMigrationTests {
    static let key = StateKey(instance: "i", siteId: 1, table: .visits)

    @Test(arguments: [WarehouseKind.postgres, .clickhouse, .clickhouseRecent])
    func anOldServerStateTableIsMigratedOnce(_ kind: WarehouseKind) async throws {
        try await withHarness(kind) { h in
            try await makeOldStateTable(h)
            #expect(try await columnNames(h).sorted() == StateTable.versions[0].columns.map(\.column.name).sorted())
            var firstRecords: [[Cell]] = []
            for round in 0..<2 {
                let w = try h.open()
                try await w.prepare()
                let state = try #require(try await w.loadState(Self.key))
                #expect(state.cursor == "99:0" && state.lastSuccessAt == "yesterday" && state.failures == (round == 0 ? 0 : 3))
                var changed = state
                changed.failures = 3
                changed.refreshFrom = "2026-11-20"
                try await w.saveState(Self.key, changed)
                #expect(try await w.loadState(Self.key) == changed)
                #expect(try await w.status().map(\.state) == [changed])
                #expect(!(try await w.tableNames()).contains(StateMigrations.table), "the records are bookkeeping, not a table of the user's")
                try await w.close()
                let records = try await h.query("SELECT identifier, applied_at FROM \(StateMigrations.table) ORDER BY identifier")
                if round == 0 {
                    firstRecords = records
                    #expect(records.map(\.first) == StateMigrations.identifiers.sorted().map { Cell.text($0) })
                } else {
                    #expect(records == firstRecords, "a second prepare applied or recorded something again")
                }
                #expect(Set(try await columnNames(h)) == Set(StateTable.names))
            }
        }
    }

    @Test(arguments: [WarehouseKind.postgres, .clickhouse])
    func aNewServerWarehouseRecordsEveryVersion(_ kind: WarehouseKind) async throws {
        try await withHarness(kind) { h in
            let w = try h.open()
            try await w.prepare()
            try await w.prepare()
            try await w.close()
            let records = try await h.query("SELECT identifier FROM \(StateMigrations.table) ORDER BY identifier")
            #expect(records.map(\.first) == StateMigrations.identifiers.sorted().map { Cell.text($0) })
            #expect(Set(try await columnNames(h)) == Set(StateTable.names))
        }
    }

    /// The state table as the first version made it, with one row.
    private func makeOldStateTable(_ h: SyncHarness) async throws {
        switch h.kind {
        case .postgres:
            let w = try #require(try h.open() as? PostgresWarehouse)
            try await w.execute("""
                CREATE TABLE _matomo_sync_state (instance_url TEXT NOT NULL, site_id BIGINT NOT NULL, table_name TEXT NOT NULL,
                    cursor TEXT, phase TEXT NOT NULL DEFAULT 'incremental', last_success_at TEXT, last_error TEXT,
                    last_error_at TEXT, updated_at TEXT, PRIMARY KEY (instance_url, site_id, table_name))
                """)
            try await w.execute("INSERT INTO _matomo_sync_state VALUES ('i', 1, 'visits', '99:0', 'incremental', 'yesterday', NULL, NULL, 'then')")
            try await w.close()
        case .clickhouse, .clickhouseRecent:
            let url = try ServerURL(parsing: h.warehouseURL())
            let http = ClickHouseHTTP(url: url, displayName: url.redacted)
            try await withStopping({ await http.shutdown() }) {
                try await http.run("CREATE DATABASE IF NOT EXISTS \(chName(http.database))", inDatabase: false)
                try await http.run("""
                    CREATE TABLE `_raw__matomo_sync_state` (instance_url String, site_id Int64, table_name String,
                        cursor Nullable(String), phase Nullable(String), last_success_at Nullable(String), last_error Nullable(String),
                        last_error_at Nullable(String), updated_at Nullable(String), `_version` UInt64)
                    ENGINE = ReplacingMergeTree(`_version`) ORDER BY (instance_url, site_id, table_name)
                    """)
                try await http.run("""
                    CREATE VIEW `_matomo_sync_state` AS SELECT instance_url, site_id, table_name, cursor, phase, last_success_at,
                        last_error, last_error_at, updated_at FROM `_raw__matomo_sync_state` FINAL
                    """)
                try await http.run("INSERT INTO `_raw__matomo_sync_state` VALUES ('i', 1, 'visits', '99:0', 'incremental', 'yesterday', NULL, NULL, 'then', 1)")
            }
        case .sqlite:
            Issue.record("SQLite's migrations are StateTableTests'")
        }
    }

    private func columnNames(_ h: SyncHarness) async throws -> [String] {
        let sql: String
        switch h.kind {
        case .postgres:
            sql = "SELECT column_name::TEXT FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = '_matomo_sync_state'"
        default:
            sql = "SELECT name FROM system.columns WHERE database = currentDatabase() AND table = '_raw__matomo_sync_state' AND name != '_version'"
        }
        return try await h.query(sql).compactMap { row in
            if case .text(let name)? = row.first { return name }
            return nil
        }
    }
}

import Foundation

/// The read side of a ClickHouse warehouse: `status`, its tables (the views, not their storage) and
/// `query`, over an HTTP client the writer (ClickHouseWarehouse) shares. Opened alone, every statement
/// it sends runs in the server's read-only mode.
public struct ClickHouseReader: WarehouseReader {
    public let displayName: String
    let http: ClickHouseHTTP
    private let readOnly: Bool

    public init(url: ServerURL) {
        self.init(url: url, readOnly: true)
    }

    init(url: ServerURL, readOnly: Bool) {
        displayName = url.redacted
        http = ClickHouseHTTP(url: url, displayName: url.redacted)
        self.readOnly = readOnly
    }

    func exists(_ name: String) async throws -> Bool {
        let r = try await select("SELECT count() FROM system.tables WHERE database = \(chString(http.database)) AND name = \(chString(name))")
        if case .int(let n)? = r.rows.first?.first { return n > 0 }
        return false
    }

    func select(_ sql: String) async throws -> QueryResult {
        try ClickHouseTypes.result(try await http.run(sql + "\nFORMAT JSONCompact", readOnly: readOnly))
    }

    public func tableNames() async throws -> [String] {
        // Outside the database, which may not exist yet (a new warehouse is an empty one).
        let r = try ClickHouseTypes.result(try await http.run(
            "SELECT name FROM system.tables WHERE database = \(chString(http.database)) ORDER BY name\nFORMAT JSONCompact", inDatabase: false, readOnly: readOnly))
        // A table's rows live in `_raw_<table>` behind a view of the table's name: list each once.
        let names = r.rows.compactMap { row -> String? in
            guard case .text(let name)? = row.first else { return nil }
            // The migrations' records are the state table's bookkeeping, as grdb_migrations is on SQLite.
            guard name != StateMigrations.table else { return nil }
            return name.hasPrefix("_raw_") ? String(name.dropFirst("_raw_".count)) : name
        }
        return Array(Set(names)).sorted()
    }

    public func status() async throws -> [TableStatus] {
        guard try await exists(ClickHouseDialect.storage(stateTableName)) else { return [] }
        let result = try await select("""
            SELECT \(StateTable.selectList(chName)) FROM \(chName(ClickHouseDialect.storage(stateTableName))) FINAL
            ORDER BY instance_url, site_id, table_name
            """)
        return try await StateTable.statuses(cells: result.rows) { table, site in
            guard try await exists(ClickHouseDialect.storage(table)) else { return 0 }
            let n = try await select("SELECT count() FROM \(chName(ClickHouseDialect.storage(table))) FINAL WHERE `_site_id` = \(site)")
            if case .int(let v)? = n.rows.first?.first { return Int(v) }
            return 0
        }
    }

    public func query(_ sql: String) async throws -> QueryResult {
        if let refusal = ReadOnlyStatement.refusal(sql) { throw refusal }
        do {
            return try ClickHouseTypes.result(try await http.run(ServerTypes.bareStatement(sql) + "\nFORMAT JSONCompact", readOnly: true))
        } catch SyncError.warehouse(let message) where message.contains("Code: 164,") {
            // Cannot execute query in readonly mode.
            throw SyncError.invalidInput(oneReadOnlyStatement + "; this one writes")
        } catch SyncError.warehouse(let message) where message.contains("Multi-statements") {
            throw SyncError.invalidInput(oneReadOnlyStatement + "; this SQL has several")
        }
    }

    public func close() async throws {
        await http.shutdown()
    }
}

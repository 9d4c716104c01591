import Foundation
import GRDB

/// The read side of a SQLite warehouse: `status`, its tables and `query`, over a pool that the
/// writer (SQLiteWarehouse) shares and a reader alone opens read-only.
public final class SQLiteReader: WarehouseReader {
    public let path: String
    let pool: DatabasePool
    private let readOnly: Bool
    public var displayName: String { "sqlite:\(path)" }

    /// Opened read-only: no write can be asked of it, and SQLite refuses any.
    public convenience init(path: String) throws {
        try self.init(path: path, readOnly: true)
    }

    init(path: String, readOnly: Bool) throws {
        self.path = path
        self.readOnly = readOnly
        var config = Configuration()
        config.busyMode = .timeout(30)
        config.readonly = readOnly
        config.label = "matomo-sync"
        // WAL with synchronous=NORMAL: a commit no longer waits for an fsync (a checkpoint still does).
        // Each commit stays atomic, rows with their cursor; a power cut can only lose the latest
        // commits, which the next run fetches again.
        config.prepareDatabase { db in
            if !db.configuration.readonly { try db.execute(sql: "PRAGMA synchronous = NORMAL") }
        }
        if readOnly, !FileManager.default.fileExists(atPath: path) {
            throw SyncError.warehouse("no warehouse at \(path): run `matomo-sync sync` first, or pass --warehouse sqlite:<path>")
        }
        do {
            pool = try DatabasePool(path: path, configuration: config)
        } catch {
            throw SyncError.warehouse("cannot open \(path): \(Self.message(error, readOnly: readOnly))")
        }
    }

    public func loadState(_ key: StateKey) async throws -> TableState? {
        try await read { db in
            guard try db.tableExists(stateTableName) else { return nil }
            let row = try Row.fetchOne(db, sql: """
                SELECT * FROM \(q(stateTableName))
                WHERE instance_url = ? AND site_id = ? AND table_name = ?
                """, arguments: [key.instance, key.siteId, key.physicalTable])
            return row.map { row in StateTable.state { row.hasColumn($0) ? Self.cell(from: row[$0] as DatabaseValue) : nil } }
        }
    }

    public func tableNames() async throws -> [String] {
        try await read { db in
            // grdb_migrations is the state table's bookkeeping, as sqlite_ tables are SQLite's.
            try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> 'grdb_migrations' ORDER BY name")
        }
    }

    public func status() async throws -> [TableStatus] {
        try await read { db in
            guard try db.tableExists(stateTableName) else { return [] }
            let rows = try Row.fetchAll(db, sql: """
                SELECT * FROM \(q(stateTableName)) ORDER BY instance_url, site_id, table_name
                """)
            return try rows.map { row in
                let table: String = row["table_name"]
                let site: Int = row["site_id"]
                var count = 0
                if try db.tableExists(table) {
                    count = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \(q(table)) WHERE _site_id = ?", arguments: [site]) ?? 0
                }
                return TableStatus(instance: row["instance_url"], siteId: site, table: table, rows: count,
                                   state: StateTable.state { row.hasColumn($0) ? Self.cell(from: row[$0] as DatabaseValue) : nil })
            }
        }
    }

    public func query(_ sql: String) async throws -> QueryResult {
        try await read { db in
            let statements = try db.allStatements(sql: sql)
            guard let statement = try statements.next() else {
                throw SyncError.invalidInput(oneReadOnlyStatement + "; this SQL has none")
            }
            // What follows the first statement need not even compile to make it several.
            let more: Bool
            do { more = try statements.next() != nil } catch { more = true }
            guard !more else {
                throw SyncError.invalidInput(oneReadOnlyStatement + "; this SQL has several")
            }
            guard statement.isReadonly else {
                throw SyncError.invalidInput(oneReadOnlyStatement + "; this one writes")
            }
            let columns = statement.columnNames
            var rows: [[Cell]] = []
            let cursor = try Row.fetchCursor(statement)
            while let row = try cursor.next() {
                rows.append(row.databaseValues.map(Self.cell(from:)))
            }
            return QueryResult(columns: columns, rows: rows)
        }
    }

    public func close() async throws {
        try pool.close()
    }

    func read<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        do {
            return try await pool.read(body)
        } catch let error as SyncError {
            throw error
        } catch {
            throw SyncError.warehouse(Self.message(error, readOnly: readOnly))
        }
    }

    static func message(_ error: any Error, readOnly: Bool = false) -> String {
        if let e = error as? DatabaseError {
            // A file a sync left in WAL mode without its -wal (before rollback journals at rest) needs
            // one; a reader that may not create it gets this.
            if readOnly, e.resultCode == .SQLITE_READONLY || e.resultCode == .SQLITE_CANTOPEN {
                return "\(e.message ?? "\(e.resultCode)"): the file is in WAL mode and its -wal and -shm cannot be created by this user; run one sync (it leaves the file readable without write access), or read it as a user who can write its directory"
            }
            return e.message ?? "\(e.resultCode)"
        }
        return String(describing: error)
    }

    static func cell(from value: DatabaseValue) -> Cell {
        switch value.storage {
        case .null: return .null
        case .int64(let i): return .int(i)
        case .double(let d): return .real(d)
        case .string(let s): return .text(s)
        case .blob(let data): return .text("x'" + data.map { String(format: "%02x", $0) }.joined() + "'")
        }
    }
}

private func q(_ identifier: String) -> String { ColumnNaming.quote(identifier) }

import Foundation
import GRDB
import GRDBSQLite

/// The embedded default: one SQLite file, through GRDB, in WAL mode while a sync writes so `query`
/// and `status` can read meanwhile. A second sync waits for the write lock (busy timeout) instead of
/// failing. When the sync closes the file it switches it back to a rollback journal: a WAL file needs
/// its `-shm` beside it, which a reader without write access to the directory cannot create (the
/// analyst of a systemd `User=` sync), and which a reader with access would leave behind, owned by it.
public final class SQLiteWarehouse: Warehouse {
    public let path: String
    /// The read side, over the same pool.
    private let reader: SQLiteReader
    private var pool: DatabasePool { reader.pool }
    private let readOnly: Bool
    public var displayName: String { reader.displayName }

    public init(path: String, readOnly: Bool = false) throws {
        self.path = path
        self.readOnly = readOnly
        if !readOnly { try Self.checkDirectory(of: path) }
        reader = try SQLiteReader(path: path, readOnly: readOnly)
    }

    /// A sync keeps its journal (`-wal`, `-shm`) and lock file beside the database: refuse at once,
    /// naming the directory, rather than fail at the first write.
    static func checkDirectory(of path: String) throws {
        let file = URL(fileURLWithPath: path)
        let directory = file.deletingLastPathComponent().path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw SyncError.warehouse("the directory \(directory) of the warehouse file does not exist: create it, or pass another --warehouse sqlite:<path>")
        }
        guard access(directory, W_OK) == 0 else {
            throw SyncError.warehouse("cannot write in the directory \(directory): a sync keeps \(file.lastPathComponent)-wal, -shm and .lock beside the warehouse file; run the sync as a user who can write there, or choose another directory")
        }
    }

    /// The state table's schema versions (StateTable.versions) through GRDB's migrator, which keeps
    /// in `grdb_migrations` which ones this file has. A file made before the migrator existed has the
    /// table, and some or all of the columns: each version adds only what is missing.
    static let stateMigrator: DatabaseMigrator = {
        var migrator = DatabaseMigrator()
        for (i, version) in StateTable.versions.enumerated() {
            migrator.registerMigration("state \(i + 1): \(version.name)") { db in
                if i == 0 {
                    try db.execute(sql: StateTable.createSQL(quote: q, type: SQLiteDialect.sqlType))
                    return
                }
                let have = Set(try db.columns(in: stateTableName).map(\.name))
                for c in version.columns where !have.contains(c.column.name) {
                    try db.execute(sql: "ALTER TABLE \(q(stateTableName)) ADD COLUMN \(StateTable.definition(c, quote: q, type: SQLiteDialect.sqlType))")
                }
            }
        }
        return migrator
    }()

    public func prepare() async throws {
        do {
            // Versions recorded for a state table that is gone (a rerun of the demo empties its
            // warehouse) describe nothing: the migrator starts again from the first.
            try await pool.write { db in
                if try !db.tableExists(stateTableName), try db.tableExists("grdb_migrations") {
                    try db.execute(sql: "DROP TABLE grdb_migrations")
                }
            }
            // Asynchronously: the blocking `migrate` waits for the pool's readers on a thread of the
            // cooperative pool, and with two of those on a 2-core machine, two warehouses opening at
            // once (a test process, the console) starved every other task: a deadlock seen in CI.
            try await withCheckedThrowingContinuation { (c: CheckedContinuation<Void, any Error>) in
                Self.stateMigrator.asyncMigrate(pool) { result in
                    switch result {
                    case .success: c.resume()
                    case .failure(let error): c.resume(throwing: error)
                    }
                }
            }
        } catch let error as SyncError {
            throw error
        } catch {
            throw SyncError.warehouse("\(path): \(SQLiteReader.message(error))")
        }
    }

    public func loadState(_ key: StateKey) async throws -> TableState? { try await reader.loadState(key) }
    public func tableNames() async throws -> [String] { try await reader.tableNames() }
    public func status() async throws -> [TableStatus] { try await reader.status() }
    public func query(_ sql: String) async throws -> QueryResult { try await reader.query(sql) }

    public func commit(_ w: TableWrite) async throws {
        try await write { db in
            for w in w.parts {
                let columns = try self.ensureTable(db, w.table, columns: w.declaredColumns + w.batch.columns, mergeKey: w.mergeKey)
                if let selection = w.replace.deletion {
                    for d in RowReplacement.deletes(from: w.table, selection, siteId: w.stateKey.siteId, columns: columns, dialect: SQLiteDialect()) {
                        try Self.execute(db, d)
                    }
                }
                if !w.batch.rows.isEmpty {
                    try self.insert(db, w.table, w.batch, mergeKey: w.mergeKey)
                }
                try self.saveState(db, w.stateKey, w.state)
            }
        }
    }

    private static func execute(_ db: Database, _ statement: BoundStatement) throws {
        try db.execute(sql: statement.sql, arguments: StatementArguments(statement.values.map(Self.databaseValue)))
    }

    public func saveState(_ key: StateKey, _ state: TableState) async throws {
        try await write { db in try self.saveState(db, key, state) }
    }

    public func dropTable(_ table: String) async throws {
        try await write { db in
            try db.execute(sql: "DROP TABLE IF EXISTS \(q(table))")
            self.knownColumns.withLock { $0[table] = nil }
        }
    }

    public func promote(staging: String, into table: String, mergeKey: [String], declaredColumns: [Column],
                        siteId: Int, replacingFrom firstDay: String?, stateKey: StateKey, state: TableState) async throws {
        try await write { db in
            guard try db.tableExists(staging) else {
                throw SyncError.warehouse("the staging table \(staging) is missing; run the full refresh again")
            }
            let stagedColumns = try db.columns(in: staging).map { Column($0.name, SQLiteDialect.columnType($0.type)) }
            let target = try self.ensureTable(db, table, columns: declaredColumns + stagedColumns, mergeKey: mergeKey)
            for statement in RowReplacement.promotion(staging: staging, into: table, stagedColumns: stagedColumns, target: target,
                                                      mergeKey: mergeKey, siteId: siteId, replacingFrom: firstDay, dialect: SQLiteDialect()) {
                try Self.execute(db, statement)
            }
            // The next site's full refresh creates this staging table again.
            self.knownColumns.withLock { $0[staging] = nil }
            try self.saveState(db, stateKey, state)
        }
    }

    public func createTable(_ table: String, columns: [Column], key: [String]) async throws {
        try await write { db in try self.ensureTable(db, table, columns: columns, mergeKey: key) }
    }

    public func close() async throws {
        let lock = syncLock.withLock { s in
            defer { s = (nil, LockHolders()) }
            return s.lock
        }
        try pool.close()
        // Under the sync lock, so no other sync of ours opens the file meanwhile.
        if !readOnly { Self.leaveWALMode(path) }
        lock?.release()
    }

    /// Back to a rollback journal once every connection is gone, so readers need neither a `-shm`
    /// nor write access. SQLite refuses while any other process has the file open (a reader, a
    /// sync); the file then stays in WAL mode, which is just as correct, and the next close retries.
    static func leaveWALMode(_ path: String) {
        var config = Configuration()
        config.busyMode = .immediateError
        config.label = "matomo-sync-close"
        guard let queue = try? DatabaseQueue(path: path, configuration: config) else { return }
        _ = try? queue.inDatabase { db in try String.fetchOne(db, sql: "PRAGMA journal_mode = DELETE") }
        try? queue.close()
    }

    /// The file lock, taken by the first of this process's holders and given back by the last.
    private let syncLock = Mutex<(lock: FileLock?, holders: LockHolders)>((nil, LockHolders()))

    public func lockForSync() async throws {
        try syncLock.withLock { s in
            guard s.holders.enter() else { return }
            s.lock = try FileLock(path: path + ".lock", warehouse: displayName)
            s.holders.taken()
        }
    }

    public func unlockSync() async {
        syncLock.withLock { s in
            guard s.holders.leave() else { return }
            s.lock?.release()
            s.lock = nil
        }
    }

    // MARK: Schema

    private let knownColumns = Mutex<[String: TableColumns]>([:])

    /// Makes the table fit the write (SchemaEvolver.plan: created, or missing columns added).
    @discardableResult
    private func ensureTable(_ db: Database, _ table: String, columns: [Column], mergeKey: [String]) throws -> TableColumns {
        var existing = knownColumns.withLock { $0[table] }
        if existing == nil, try db.tableExists(table) {
            var read = TableColumns()
            for c in try db.columns(in: table) { read.set(c.name, SQLiteDialect.columnType(c.type)) }
            existing = read
        }
        let plan = try SchemaEvolver.plan(table, existing: existing, columns: columns, mergeKey: mergeKey, dialect: SQLiteDialect())
        for sql in plan.statements { try db.execute(sql: sql) }
        let after = plan.after
        knownColumns.withLock { $0[table] = after }
        return after
    }

    private func insert(_ db: Database, _ table: String, _ batch: RowBatch, mergeKey: [String]) throws {
        let names = batch.columns.map(\.name)
        let keySet = Set(mergeKey)
        let updates = names.filter { !keySet.contains($0) }.map { "\(q($0)) = excluded.\(q($0))" }
        let sql = """
            INSERT INTO \(q(table)) (\(names.map(q).joined(separator: ", "))) VALUES (\(Array(repeating: "?", count: names.count).joined(separator: ", ")))
            ON CONFLICT (\(mergeKey.map(q).joined(separator: ", "))) DO \(updates.isEmpty ? "NOTHING" : "UPDATE SET " + updates.joined(separator: ", "))
            """
        let statement = try db.cachedStatement(sql: sql)
        // Bound through SQLite's C API: building GRDB StatementArguments per row cost more than the
        // insert itself (see README, Performance).
        let handle = statement.sqliteStatement
        let width = names.count
        defer { sqlite3_reset(handle) }
        for row in batch.rows {
            sqlite3_reset(handle)
            for i in 0..<width {
                Self.bind(i < row.count ? row[i] : .null, to: handle, at: Int32(i + 1))
            }
            let code = sqlite3_step(handle)
            guard code == SQLITE_DONE else {
                throw DatabaseError(resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(db.sqliteConnection)), sql: sql)
            }
        }
    }

    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    @inline(__always)
    private static func bind(_ cell: Cell, to handle: OpaquePointer, at index: Int32) {
        switch cell {
        case .null: sqlite3_bind_null(handle, index)
        case .int(let i): sqlite3_bind_int64(handle, index, i)
        case .real(let d): sqlite3_bind_double(handle, index, d)
        case .text(var s):
            s.withUTF8 { utf8 in
                guard let base = utf8.baseAddress, utf8.count > 0 else { sqlite3_bind_text(handle, index, "", 0, transient); return }
                _ = base.withMemoryRebound(to: CChar.self, capacity: utf8.count) { sqlite3_bind_text(handle, index, $0, Int32(utf8.count), transient) }
            }
        }
    }

    /// A state row goes in as any row does: the bound upsert on the state table's key.
    private func saveState(_ db: Database, _ key: StateKey, _ s: TableState) throws {
        try insert(db, stateTableName, RowBatch(columns: StateTable.columns, rows: [StateTable.row(key, s)]), mergeKey: StateTable.key)
    }

    // MARK: Helpers

    private func write(_ body: @escaping @Sendable (Database) throws -> Void) async throws {
        do {
            try await pool.write(body)
        } catch let error as SyncError {
            throw error
        } catch {
            throw SyncError.warehouse("\(path): \(SQLiteReader.message(error))")
        }
    }

    static func databaseValue(_ cell: Cell) -> DatabaseValue {
        switch cell {
        case .null: return .null
        case .int(let i): return i.databaseValue
        case .real(let d): return d.databaseValue
        case .text(let s): return s.databaseValue
        }
    }

}

private func q(_ identifier: String) -> String { ColumnNaming.quote(identifier) }

import Synchronization

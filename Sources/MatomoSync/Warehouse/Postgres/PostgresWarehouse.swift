import Foundation
import PostgresNIO

/// PostgreSQL through postgres-nio: typed columns, upserts on the merge key through a unique index,
/// and every write (rows, new columns, the state covering them) in one transaction on the session's
/// one connection. The read side is a PostgresReader over the same session.
public actor PostgresWarehouse: Warehouse {
    public nonisolated let displayName: String
    let session: PostgresSession
    private let reader: PostgresReader
    /// Holders of the sync lock in this process (the scheduler runs tables at once through one warehouse).
    private var lockHolders = LockHolders()

    public init(url: ServerURL, readOnly: Bool = false) throws {
        session = PostgresSession(url: url, readOnly: readOnly)
        reader = PostgresReader(session: session)
        displayName = url.redacted
    }

    // MARK: Warehouse

    /// The state table at its last schema version through StateMigrations, in one transaction under
    /// a lock of the schema (two syncs preparing at once apply each version once). A state table made
    /// before versions were recorded has the first version's table and some later columns: each
    /// version adds only what is missing.
    public func prepare() async throws {
        _ = try await session.inTransaction { s in
            var binds = PostgresBindings()
            binds.append("matomo-sync-schema:" + s.schema)
            try await s.execute("SELECT pg_advisory_xact_lock(hashtext($1)::BIGINT)", binds)
            let records = StateMigrations.table
            // Versions recorded for a state table that is gone (the demo empties its warehouse)
            // describe nothing: the migrations start again from the first.
            if try await !s.tableExists(stateTableName), try await s.tableExists(records) {
                try await s.execute("DROP TABLE \(q(records))")
            }
            if try await !s.tableExists(records) {
                try await s.execute("CREATE TABLE \(q(records)) (identifier TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
            }
            let applied = try await s.execute("SELECT identifier FROM \(q(records))").map { try $0.decode(String.self) }
            try await StateMigrations.migrate(applied: applied, apply: { index in
                if index == 0 {
                    try await s.execute(StateTable.createSQL(quote: q, type: PostgresTypes.sqlType))
                }
                for c in StateTable.versions[index].columns where index > 0 {
                    try await s.execute("ALTER TABLE \(q(stateTableName)) ADD COLUMN IF NOT EXISTS \(StateTable.definition(c, quote: q, type: PostgresTypes.sqlType))")
                }
            }, record: { identifier in
                var binds = PostgresBindings()
                binds.append(identifier)
                binds.append(Timestamps.now())
                try await s.execute("INSERT INTO \(q(records)) (identifier, applied_at) VALUES ($1, $2)", binds)
            })
        }
    }

    public func loadState(_ key: StateKey) async throws -> TableState? {
        try await session.serially { s in
            guard try await s.tableExists(stateTableName) else { return nil }
            var binds = PostgresBindings()
            binds.append(key.instance)
            binds.append(Int64(key.siteId))
            binds.append(key.physicalTable)
            let rows = try await s.execute("""
                SELECT \(StateTable.selectList(q)) FROM \(q(stateTableName))
                WHERE instance_url = $1 AND site_id = $2 AND table_name = $3
                """, binds)
            return rows.first.map { StateTable.state(cells: $0.map(PostgresTypes.cell)) }
        }
    }

    public func commit(_ w: TableWrite) async throws {
        try await session.inTransaction { s in
            for w in w.parts {
                let rows = lastRowPerKey(w.batch, mergeKey: w.mergeKey)
                let columns = try await s.ensureTable(w.table, columns: w.declaredColumns + w.batch.columns, mergeKey: w.mergeKey,
                                                      fitting: (w.batch.columns, rows))
                if let selection = w.replace.deletion {
                    for d in RowReplacement.deletes(from: w.table, selection, siteId: w.stateKey.siteId, columns: columns, dialect: PostgresDialect()) {
                        try await s.execute(d)
                    }
                }
                try await s.insert(w.table, columns: w.batch.columns.map(\.name), rows: rows, types: columns, mergeKey: w.mergeKey)
                try await s.writeState(w.stateKey, w.state)
            }
        }
    }

    public func saveState(_ key: StateKey, _ state: TableState) async throws {
        try await session.serially { s in try await s.writeState(key, state) }
    }

    public func dropTable(_ table: String) async throws {
        try await session.serially { s in
            try await s.execute("DROP TABLE IF EXISTS \(q(table))")
            s.columnCache[table] = nil
        }
    }

    public func promote(staging: String, into table: String, mergeKey: [String], declaredColumns: [Column],
                        siteId: Int, replacingFrom firstDay: String?, stateKey: StateKey, state: TableState) async throws {
        try await session.inTransaction { s in
            guard let staged = try await s.columns(staging) else {
                throw SyncError.warehouse("the staging table \(staging) is missing; run the full refresh again")
            }
            let stagedColumns = staged.columns.sorted { $0.name < $1.name }
            let target = try await s.ensureTable(table, columns: declaredColumns + stagedColumns, mergeKey: mergeKey, holding: stagedColumns)
            for statement in RowReplacement.promotion(staging: staging, into: table, stagedColumns: stagedColumns, target: target,
                                                      mergeKey: mergeKey, siteId: siteId, replacingFrom: firstDay, dialect: PostgresDialect()) {
                try await s.execute(statement)
            }
            s.columnCache[staging] = nil
            try await s.writeState(stateKey, state)
        }
    }

    public func createTable(_ table: String, columns: [Column], key: [String]) async throws {
        _ = try await session.inTransaction { s in _ = try await s.ensureTable(table, columns: columns, mergeKey: key) }
    }

    public func tableNames() async throws -> [String] { try await reader.tableNames() }
    public func status() async throws -> [TableStatus] { try await reader.status() }
    public func query(_ sql: String) async throws -> QueryResult { try await reader.query(sql) }

    public func close() async throws {
        try await session.close()
        lockHolders.reset()
    }

    /// A session advisory lock keyed by the schema: a second sync into the same schema is refused; the
    /// server drops the lock when the session ends, even if the holder was killed.
    public func lockForSync() async throws {
        guard lockHolders.enter() else { return }
        let taken = try await session.serially { s in
            var binds = PostgresBindings()
            binds.append("matomo-sync:" + s.schema)
            let rows = try await s.execute("SELECT CASE WHEN pg_try_advisory_lock(hashtext($1)::BIGINT) THEN 1::BIGINT ELSE 0::BIGINT END", binds)
            return rows.first.map { PostgresTypes.cell($0.first!) } == .int(1)
        }
        guard taken else {
            throw SyncError.warehouse("another matomo-sync is already syncing into \(displayName); wait for it to finish, or stop it, then run again")
        }
        lockHolders.taken()
    }

    public func unlockSync() async {
        guard lockHolders.leave() else { return }
        _ = try? await session.serially { s in
            var binds = PostgresBindings()
            binds.append("matomo-sync:" + s.schema)
            _ = try await s.execute("SELECT pg_advisory_unlock(hashtext($1)::BIGINT)", binds)
        }
    }

    /// One statement on the session (tests set up and clean their schemas with it).
    @discardableResult
    func execute(_ sql: String) async throws -> [PostgresRow] {
        try await session.serially { s in try await s.execute(sql) }
    }
}

private func q(_ identifier: String) -> String { ColumnNaming.quote(identifier) }

import Foundation

/// ClickHouse over its HTTP interface.
///
/// Each table is a ReplacingMergeTree, `_raw_<table>`, ordered by the merge key with a `_version`
/// column (a write's nanosecond clock): the latest version of a key wins. A view named after the
/// table selects it `FINAL` without `_version`, so `query`, `status` and any SQL a user writes see
/// one row per key. A re-pulled day is replaced exactly: its new rows are inserted first, then an
/// `ALTER TABLE ... DELETE` mutation removes the day's rows of older versions (labels that vanished
/// included), and only once that mutation is done is the cursor written. Readers never see a day
/// with rows missing; at worst, for a moment, a vanished label. A full refresh is promoted the same
/// way: staging rows copied in at a new version, then the site's older versions deleted.
///
/// There are no transactions: the state row is written only after the rows it covers are acknowledged,
/// so a crash re-pulls rows at most, and re-pulled rows replace themselves.
public actor ClickHouseWarehouse: Warehouse {
    public nonisolated let displayName: String
    /// The read side, over the same HTTP client.
    let reader: ClickHouseReader
    var http: ClickHouseHTTP { reader.http }
    /// Columns (in table order, without `_version`) per storage table.
    var tables: [String: TableColumns] = [:]
    /// Tables whose view is known to exist.
    var views: Set<String> = []
    private var lastVersion: UInt64 = 0
    /// The sync lock (ClickHouseLock.swift): holders in this process, our ticket, its heartbeat.
    var lockHolders = LockHolders()
    var lockTicket: String?
    var heartbeat: Task<Void, Never>?
    var lockLost = false

    public init(url: ServerURL, readOnly: Bool = false) throws {
        displayName = url.redacted
        reader = ClickHouseReader(url: url, readOnly: readOnly)
    }

    static func storage(_ table: String) -> String { ClickHouseDialect.storage(table) }

    // MARK: Warehouse

    /// The state table at its last schema version through StateMigrations, each version recorded in
    /// a MergeTree table once applied. Without transactions a version is applied before it is
    /// recorded: one interrupted between the two is applied again, which adds nothing the second time.
    public func prepare() async throws {
        try await http.run("CREATE DATABASE IF NOT EXISTS \(chName(http.database))", inDatabase: false)
        let records = StateMigrations.table
        // Versions recorded for a state table that is gone (the demo empties its warehouse) describe nothing.
        if try await !exists(Self.storage(stateTableName)), try await exists(records) {
            try await http.run("DROP TABLE IF EXISTS \(chName(records))")
        }
        if try await !exists(records) {
            try await http.run("CREATE TABLE IF NOT EXISTS \(chName(records)) (identifier String, applied_at String) ENGINE = MergeTree ORDER BY identifier")
        }
        let applied = try await select("SELECT DISTINCT identifier FROM \(chName(records))").rows.compactMap { row -> String? in
            if case .text(let s)? = row.first { return s }
            return nil
        }
        try await StateMigrations.migrate(applied: applied, apply: { index in
            _ = try await self.ensureTable(stateTableName, columns: StateMigrations.columns(of: index), mergeKey: StateTable.key)
        }, record: { identifier in
            try await self.http.run("INSERT INTO \(chName(records)) (identifier, applied_at) VALUES (\(chString(identifier)), \(chString(Timestamps.now())))")
        })
    }

    public func loadState(_ key: StateKey) async throws -> TableState? {
        guard try await exists(Self.storage(stateTableName)) else { return nil }
        let result = try await select("""
            SELECT \(StateTable.selectList(chName)) FROM \(chName(Self.storage(stateTableName))) FINAL
            WHERE instance_url = \(chString(key.instance)) AND site_id = \(key.siteId) AND table_name = \(chString(key.physicalTable))
            """)
        return result.rows.first.map { StateTable.state(cells: $0) }
    }

    public func commit(_ w: TableWrite) async throws {
        try checkLockHeld()
        // No transactions: each part's state follows its rows, the derived parts first, so a crash
        // leaves at worst rows the next run fetches and replaces again.
        for w in w.parts {
            let rows = lastRowPerKey(w.batch, mergeKey: w.mergeKey)
            let info = try await ensureTable(w.table, columns: w.declaredColumns + w.batch.columns, mergeKey: w.mergeKey,
                                             fitting: (w.batch.columns, rows))
            let version = nextVersion()
            try await insert(Self.storage(w.table), columns: w.batch.columns.map(\.name), rows: rows, info: info, mergeKey: w.mergeKey, version: version)
            if let selection = w.replace.deletion {
                for c in RowReplacement.conditions(selection, siteId: w.stateKey.siteId, columns: info, dialect: ClickHouseDialect()) {
                    try await deleteOlder(Self.storage(w.table), version: version, where: c.sql)
                }
            }
            try await saveState(w.stateKey, w.state)
        }
    }

    public func saveState(_ key: StateKey, _ s: TableState) async throws {
        try checkLockHeld()
        let info = try await ensureTable(stateTableName, columns: StateTable.columns, mergeKey: StateTable.key)
        let row = StateTable.row(key, s)
        try await insert(Self.storage(stateTableName), columns: StateTable.names, rows: [row], info: info, mergeKey: StateTable.key, version: nextVersion())
    }

    public func dropTable(_ table: String) async throws {
        try await http.run("DROP TABLE IF EXISTS \(chName(table))")
        try await http.run("DROP TABLE IF EXISTS \(chName(Self.storage(table)))")
        tables[Self.storage(table)] = nil
        views.remove(table)
    }

    public func promote(staging: String, into table: String, mergeKey: [String], declaredColumns: [Column],
                        siteId: Int, replacingFrom firstDay: String?, stateKey: StateKey, state: TableState) async throws {
        try checkLockHeld()
        guard let staged = try await describe(Self.storage(staging)) else {
            throw SyncError.warehouse("the staging table \(staging) is missing; run the full refresh again")
        }
        let stagedColumns = staged.columns
        let info = try await ensureTable(table, columns: declaredColumns + stagedColumns, mergeKey: mergeKey, holding: stagedColumns)
        // No transaction: the staged rows go in at a new version first, then the older versions of
        // the replaced rows are deleted, as a write replaces its days.
        let version = nextVersion()
        let dialect = ClickHouseDialect()
        let values = stagedColumns.map { dialect.cast(chName($0.name), from: $0.type, to: info[$0.name]!, column: $0.name, mergeKey: mergeKey) }
        try await http.run("""
            INSERT INTO \(chName(Self.storage(table))) (\(staged.names.map(chName).joined(separator: ", ")), `_version`)
            SELECT \(values.joined(separator: ", ")), toUInt64(\(version)) FROM \(chName(Self.storage(staging))) FINAL
            """)
        for c in RowReplacement.conditions(RowReplacement.promoted(from: firstDay), siteId: siteId, columns: info, dialect: dialect) {
            try await deleteOlder(Self.storage(table), version: version, where: c.sql)
        }
        try await saveState(stateKey, state)
        // Dropped last: until the state says the refresh is done, a rerun promotes again.
        try await dropTable(staging)
    }

    public func createTable(_ table: String, columns: [Column], key: [String]) async throws {
        try await http.run("CREATE DATABASE IF NOT EXISTS \(chName(http.database))", inDatabase: false)
        _ = try await ensureTable(table, columns: columns, mergeKey: key)
    }

    public func tableNames() async throws -> [String] { try await reader.tableNames() }
    public func status() async throws -> [TableStatus] { try await reader.status() }
    public func query(_ sql: String) async throws -> QueryResult { try await reader.query(sql) }

    public func close() async throws {
        heartbeat?.cancel()
        heartbeat = nil
        try await reader.close()
    }

    // MARK: Helpers

    func select(_ sql: String) async throws -> QueryResult { try await reader.select(sql) }
    func exists(_ name: String) async throws -> Bool { try await reader.exists(name) }

    /// Increasing across writes of this process, and across processes through the clock.
    func nextVersion() -> UInt64 {
        let now = UInt64(Date().timeIntervalSince1970 * 1_000_000_000)
        lastVersion = max(now, lastVersion + 1)
        return lastVersion
    }

    /// Deletes the rows older than `version` that match, through a mutation, and waits until it is done:
    /// 18.16 has no synchronous mutations (`mutations_sync` came later), so `system.mutations` is polled.
    func deleteOlder(_ storage: String, version: UInt64, where condition: String) async throws {
        let filter = "\(condition) AND `_version` < \(version)"
        let stale = try await select("SELECT count() FROM \(chName(storage)) WHERE \(filter)")
        guard case .int(let n)? = stale.rows.first?.first, n > 0 else { return }
        try await http.run("ALTER TABLE \(chName(storage)) DELETE WHERE \(filter)")
        let deadline = Date().addingTimeInterval(600)
        while true {
            let pending = try await select("""
                SELECT count() FROM system.mutations
                WHERE database = \(chString(http.database)) AND table = \(chString(storage)) AND is_done = 0
                """)
            if case .int(0)? = pending.rows.first?.first { return }
            if Date() > deadline {
                throw SyncError.warehouse("\(displayName): the DELETE mutation on \(storage) has not finished after 10 minutes; see system.mutations")
            }
            try await Task.sleep(for: .milliseconds(50))
        }
    }
}

/// How rows replace what a table already holds.
public enum ReplaceScope: Sendable, Equatable {
    /// Upsert on the merge key (visits).
    case byKey
    /// Delete the site's rows of these days first, then insert: a re-pulled day replaces the old one
    /// exactly, including labels that have since disappeared from it.
    case days([String])
    /// Delete the site's rows whose `column` holds one of `values`, then insert: a visit fetched again
    /// replaces its actions exactly, including the ones it no longer has.
    case keys(column: String, values: [Int64])
    /// Delete all of the site's rows, then insert: a list fetched whole (goal definitions).
    case site
}

/// Rows for one table and the state that covers them: one transaction.
public struct TableWrite: Sendable {
    public var table: String
    public var mergeKey: [String]
    /// Columns to create with the table even before a value arrives (stable schemas).
    public var declaredColumns: [Column]
    public var batch: RowBatch
    public var replace: ReplaceScope
    public var stateKey: StateKey
    public var state: TableState
    /// Writes of tables derived from these rows (visit_actions from visits), committed in the same
    /// transaction, each with its own state; written before this one's state.
    public var derived: [TableWrite]

    public init(table: String, mergeKey: [String], declaredColumns: [Column], batch: RowBatch,
                replace: ReplaceScope, stateKey: StateKey, state: TableState, derived: [TableWrite] = []) {
        self.table = table
        self.mergeKey = mergeKey
        self.declaredColumns = declaredColumns
        self.batch = batch
        self.replace = replace
        self.stateKey = stateKey
        self.state = state
        self.derived = derived
    }

    /// The derived writes first, then this one: the order every warehouse commits them in.
    public var parts: [TableWrite] { derived.flatMap(\.parts) + [TableWrite(table: table, mergeKey: mergeKey,
        declaredColumns: declaredColumns, batch: batch, replace: replace, stateKey: stateKey, state: state)] }
}

/// The result of `query`.
public struct QueryResult: Sendable {
    public var columns: [String]
    public var rows: [[Cell]]
}

/// The read-only side of a warehouse: what `status`, `query`, the demo's look before it writes and
/// a console need, and nothing that writes. `WarehouseURL.openReader` gives one (SQLiteReader,
/// PostgresReader, ClickHouseReader), its connection opened read-only.
public protocol WarehouseReader: Sendable {
    /// For messages; never shows a password.
    var displayName: String { get }
    /// Per table and site: rows, state. Empty for a warehouse nothing was synced into.
    func status() async throws -> [TableStatus]
    /// Every table a reader of the warehouse sees (on ClickHouse the views, not their storage), so a
    /// command that must not write into someone's data can tell an empty warehouse from a used one.
    func tableNames() async throws -> [String]
    /// Runs one read-only statement.
    func query(_ sql: String) async throws -> QueryResult
    func close() async throws
}

/// A place rows are synced to: the reading side and the writing side of syncs. Every engine gives the
/// same guarantees: a write and its state commit together or not at all; tables and columns are
/// created as rows need them; identifiers are quoted and values bound as parameters, never spliced into SQL.
public protocol Warehouse: WarehouseReader {
    /// Creates the state table if needed, and brings an older one to the current schema.
    func prepare() async throws
    func loadState(_ key: StateKey) async throws -> TableState?
    /// Writes rows and the state covering them in one transaction.
    func commit(_ write: TableWrite) async throws
    /// Saves a state alone (a failure, a finished run with nothing new).
    func saveState(_ key: StateKey, _ state: TableState) async throws
    /// Drops a table if it exists (a staging table left by an abandoned full refresh).
    func dropTable(_ table: String) async throws
    /// Replaces the site's rows of `table` dated `firstDay` or later (all of the site's rows when nil)
    /// with the staging table's rows, drops the staging table and saves the state, in one transaction:
    /// a full refresh becomes visible only once complete, and rows older than its window stay.
    func promote(staging: String, into table: String, mergeKey: [String], declaredColumns: [Column],
                 siteId: Int, replacingFrom firstDay: String?, stateKey: StateKey, state: TableState) async throws
    /// Creates an empty table with these columns unless it exists (a marker such as the demo's).
    func createTable(_ table: String, columns: [Column], key: [String]) async throws
    /// Makes sure no other sync writes into this warehouse at the same time; throws a clear error
    /// when one does. Released by `unlockSync`, or by the process ending.
    func lockForSync() async throws
    func unlockSync() async
}

extension Warehouse {
    public func lockForSync() async throws {}
    public func unlockSync() async {}
}

/// How every warehouse refuses SQL that `query` does not run.
public let oneReadOnlyStatement = "query runs one read-only statement"

/// The state table's name.
public let stateTableName = "_matomo_sync_state"

/// The staging table of one site's full refresh. One per site: the scheduler refreshes two sites'
/// tables at once, and a table shared by both would be dropped and promoted under the other.
/// Kept within 58 bytes, so ClickHouse's `_raw_` storage name still fits PostgreSQL's 63: a longer
/// name keeps its start and ends in a hash of the whole.
public func stagingTableName(_ table: String, siteId: Int) -> String {
    let name = "_staging_\(siteId)_" + table
    guard name.utf8.count > 58 else { return name }
    var hash: UInt32 = 2_166_136_261
    for byte in name.utf8 { hash = (hash ^ UInt32(byte)) &* 16_777_619 }
    let tail = "_" + String(hash, radix: 16)
    return String(name.utf8.prefix(58 - tail.utf8.count))! + tail
}

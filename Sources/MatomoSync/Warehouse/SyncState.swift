/// Identifies one table's sync state: an instance, a site, a table.
public struct StateKey: Sendable, Hashable {
    public var instance: String
    public var siteId: Int
    public var table: TableName
    /// Prepended to table names (`shop_` → `shop_visits`), so several sources can share a warehouse.
    public var tablePrefix: String

    public init(instance: String, siteId: Int, table: TableName, tablePrefix: String = "") {
        self.instance = instance
        self.siteId = siteId
        self.table = table
        self.tablePrefix = tablePrefix
    }

    /// The table's name in the warehouse, and in `_matomo_sync_state.table_name`.
    public var physicalTable: String { tablePrefix + table.rawValue }
}

/// What `_matomo_sync_state` holds for a table. Written in the same transaction as the rows it covers.
public struct TableState: Sendable, Equatable {
    public enum Phase: String, Sendable { case incremental, fullRefresh = "full_refresh" }

    /// Aggregates: the last day synced (`YYYY-MM-DD`). Visits: see `VisitCursor`.
    public var cursor: String?
    /// `full_refresh` while a full refresh is filling its staging table.
    public var phase: Phase = .incremental
    public var lastSuccessAt: String?
    public var lastError: String?
    public var lastErrorAt: String?
    /// When the scheduler runs the table next (set by scheduled runs only).
    public var nextRunAt: String?
    /// Failed runs in a row; the scheduler backs off on them.
    public var failures: Int = 0
    /// During a full refresh: the first day (`YYYY-MM-DD`) whose rows the staged ones replace when
    /// the refresh completes (older rows are kept), or `replaceAll` when `--truncate` asked for the
    /// site's whole table to be replaced. Saved so a killed refresh resumes with the same window.
    public var refreshFrom: String?

    /// `refreshFrom` of a full refresh that replaces every row of the site (`--truncate`).
    public static let replaceAll = "all"

    public init(cursor: String? = nil, phase: Phase = .incremental, lastSuccessAt: String? = nil,
                lastError: String? = nil, lastErrorAt: String? = nil, nextRunAt: String? = nil, failures: Int = 0,
                refreshFrom: String? = nil) {
        self.cursor = cursor
        self.phase = phase
        self.lastSuccessAt = lastSuccessAt
        self.lastError = lastError
        self.lastErrorAt = lastErrorAt
        self.nextRunAt = nextRunAt
        self.failures = failures
        self.refreshFrom = refreshFrom
    }
}

/// One line of `status`.
public struct TableStatus: Sendable {
    public var instance: String
    public var siteId: Int
    public var table: String
    public var rows: Int
    public var state: TableState
}

/// Identifies one table's sync state: an instance, a site, a table.
public struct StateKey: Sendable, Hashable {
    public var instance: String
    public var siteId: Int
    public var table: TableName

    public init(instance: String, siteId: Int, table: TableName) {
        self.instance = instance
        self.siteId = siteId
        self.table = table
    }
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

    public init(cursor: String? = nil, phase: Phase = .incremental, lastSuccessAt: String? = nil,
                lastError: String? = nil, lastErrorAt: String? = nil) {
        self.cursor = cursor
        self.phase = phase
        self.lastSuccessAt = lastSuccessAt
        self.lastError = lastError
        self.lastErrorAt = lastErrorAt
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

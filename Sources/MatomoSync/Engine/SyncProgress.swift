/// What the engine reports while it runs; the CLI turns it into a progress display or log lines.
public enum SyncEvent: Sendable {
    /// `physicalTable`: the table's name in the warehouse (with the source's prefix). With the site it
    /// tells two sources' runs apart: they may sync the same table of the same site ID into two prefixes.
    case tableStarted(TableName, siteId: Int, physicalTable: String, daysTotal: Int)
    /// After each commit.
    case progress(TableName, siteId: Int, physicalTable: String, daysDone: Int, daysTotal: Int, rows: Int)
    case tableFinished(TableReport)
    /// A scheduled verify of one site ended (`verify = { ... }` of a config): the console's run history keeps it.
    case verifyFinished(ScheduledVerifyRun)
}

/// Receives sync events. Called from the sync task; implementations must be quick.
public protocol SyncProgress: Sendable {
    func report(_ event: SyncEvent)
}

/// Ignores events.
public struct SilentProgress: SyncProgress {
    public init() {}
    public func report(_ event: SyncEvent) {}
}

/// The outcome of one table's run.
public struct TableReport: Sendable {
    public var table: TableName
    public var siteId: Int
    /// The instance's endpoint and the table's name in the warehouse (with its prefix).
    public var instance = ""
    public var physicalTable = ""
    public var rows: Int = 0
    public var requests: Int = 0
    public var days: DayRange?
    public var seconds: Double = 0
    public var fullRefresh = false
    /// What a completed full refresh replaced: the rows from a day on (older ones kept), or all of them.
    public var replaced: Replaced?
    /// Set when the table failed; the other tables still ran.
    public var error: String?
    /// Visits not stored yet because they are under an hour old.
    public var deferredVisits = 0

    public var succeeded: Bool { error == nil }

    public enum Replaced: Sendable, Equatable {
        case from(String)
        case all
    }
}

/// The outcome of a sync run.
public struct SyncReport: Sendable {
    public var tables: [TableReport]
    public init(tables: [TableReport]) { self.tables = tables }
    public var succeeded: Bool { tables.allSatisfy(\.succeeded) }
}

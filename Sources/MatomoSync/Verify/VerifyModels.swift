import Foundation

/// What one `verify` run checks and whether it repairs.
public struct VerifyOptions: Sendable {
    /// Tables to check (default: every table of the catalog that has days: the visit log, visit_actions
    /// and the daily reports). Goal definitions have no days and nothing to compare a day against.
    public var tables: [TableName]?
    /// How many days back from today the check reaches (`--days`); ignored with `since`.
    public var days = 365
    /// The first day to check (`--since`), in the site's timezone.
    public var since: LocalDay?
    /// Fix the differing days through the sync's commit path.
    public var repair = false
    public var tablePrefix = ""
    /// Visits per Live API page when the log of a day is read.
    public var pageSize = 1000
    /// The tables this run knows: the built-in ones and the config's reports.
    public var catalog: TableCatalog = .builtIn
    public var now: @Sendable () -> Date = { Date() }

    public init() {}

    public static let maxDays = 3650

    public func validate() throws {
        guard (1...Self.maxDays).contains(days) else { throw SyncError.invalidInput("--days must be between 1 and \(Self.maxDays)") }
        guard (1...10_000).contains(pageSize) else { throw SyncError.invalidInput("--page-size must be between 1 and 10000") }
        for t in tables ?? [] {
            guard let spec = catalog.spec(t) else { throw SyncError.invalidInput("unknown table '\(t)'; the tables are \(catalog.helpList)") }
            guard Verifier.checks(spec) else {
                throw SyncError.invalidInput("\(t) has no days to check (\(spec.rowMeaning)); verify checks \(catalog.specs.filter(Verifier.checks).map(\.name.rawValue).joined(separator: ", "))")
            }
        }
    }
}

/// One day of one table where the warehouse and Matomo disagree.
public struct DayDifference: Sendable, Equatable {
    public var table: TableName
    public var siteId: Int
    public var day: LocalDay
    /// Rows the warehouse holds for the day.
    public var stored: Int
    /// Rows Matomo's answer holds: visits its archive counts (`VisitsSummary.get`), or a report's rows.
    public var matomo: Int
    /// Visits of the raw log (Live API), read only for visit days whose counts differ.
    public var log: Int?
    /// Keys Matomo has and the warehouse lacks (visit ids, report labels), and the other way round.
    public var missing: [String] = []
    public var extra: [String] = []
    /// Metric columns whose day sum differs.
    public var sumsDiffer: [String] = []
    /// Matomo's archive disagrees with its own raw log: its reports are stale, not the warehouse.
    public var staleArchive = false
    /// Set once `--repair` committed the day again.
    public var repaired = false

    /// Whether the warehouse itself differs (not only Matomo's archive from its log).
    public var warehouseDiffers: Bool { !missing.isEmpty || !extra.isEmpty || !sumsDiffer.isEmpty || (log == nil && stored != matomo) }

    /// What is still wrong once a repair ran: visits Matomo no longer has are never deleted, and a stale
    /// archive is Matomo's to rebuild.
    public var unresolved: Bool { staleArchive || !extra.isEmpty || (warehouseDiffers && !repaired) }
}

/// One line of the summary: a table of a site over the checked days.
public struct TableVerdict: Sendable, Equatable {
    public var table: TableName
    public var siteId: Int
    public var physicalTable: String
    /// The days checked (nil: none, see `note`).
    public var days: DayRange?
    public var daysChecked: Int
    public var daysDiffering: Int
    public var rowsMissing: Int
    public var rowsExtra: Int
    public var daysRepaired: Int = 0
    /// Why the table was not checked, or what bounded its days.
    public var note: String?
}

/// The result of one verify of one or more sites.
public struct VerifyReport: Sendable {
    public var tables: [TableVerdict] = []
    public var differences: [DayDifference] = []
    /// Requests sent to Matomo.
    public var requests = 0

    public init(tables: [TableVerdict] = [], differences: [DayDifference] = [], requests: Int = 0) {
        self.tables = tables
        self.differences = differences
        self.requests = requests
    }

    /// Everything agrees, or every difference was repaired.
    public var clean: Bool { !differences.contains { $0.unresolved } }

    public mutating func merge(_ other: VerifyReport) {
        tables += other.tables
        differences += other.differences
        requests += other.requests
    }
}

import Foundation

/// How a table's rows come from Matomo.
public enum TableKind: String, Sendable, Equatable, Codable {
    /// `Live.getLastVisitsDetails`: one row per visit, walked with a timestamp cursor.
    case visitLog = "visit_log"
    /// A report with one metrics object per day.
    case dailyMetrics = "daily_metrics"
    /// A report with one row per label and day.
    case dailyRows = "daily_rows"
    /// A list without dates (goal definitions), fetched whole on each sync and replacing the site's rows.
    case wholeList = "whole_list"
    /// Rows made from another table's answers (visit_actions from each visit's `actionDetails`),
    /// written in the same commit as that table's rows; costs no request.
    case derived

    /// Whether the table has one set of rows per site-local day, replaced day by day.
    public var isDaily: Bool { self == .dailyMetrics || self == .dailyRows }
}

/// A table as a declaration: where its rows come from, their key, their known columns.
/// The engine does the rest (the same idea as a dlt resource).
public struct TableSpec: Sendable {
    public var name: TableName
    /// The Matomo API method; empty for a derived table.
    public var method: String
    public var kind: TableKind
    /// Columns that identify a row; `_site_id` first.
    public var mergeKey: [String]
    /// Columns created with the table, typed; fields outside this list get a type from their first value.
    public var knownColumns: [Column]
    /// Whether Matomo answers several `period=day` dates in one request (Referrers.getAll does not).
    /// For a user-declared report this is only the first guess: the answer decides, and the state remembers.
    public var acceptsDateRange: Bool
    /// Fixed request parameters.
    public var parameters: [(String, String)]
    /// What one row stands for ("page URL and day"), for `tables` and the README.
    public var rowMeaning: String
    /// The table this one is derived from (visit_actions: visits).
    public var derivedFrom: TableName?
    /// Declared in a config file (`[[source.report]]`) rather than built in.
    public var userDeclared = false

    public init(name: TableName, method: String, kind: TableKind, mergeKey: [String], knownColumns: [Column],
                acceptsDateRange: Bool, parameters: [(String, String)] = [], rowMeaning: String,
                derivedFrom: TableName? = nil, userDeclared: Bool = false) {
        self.name = name
        self.method = method
        self.kind = kind
        self.mergeKey = mergeKey
        self.knownColumns = knownColumns
        self.acceptsDateRange = acceptsDateRange
        self.parameters = parameters
        self.rowMeaning = rowMeaning
        self.derivedFrom = derivedFrom
        self.userDeclared = userDeclared
    }

    public func knownType(of column: String) -> ColumnType? {
        knownColumns.first { $0.name == column }?.type
    }

    /// What the state's cursor holds for this kind of table.
    public var cursorMeaning: String {
        switch kind {
        case .visitLog: return "last visit's serverTimestamp (and day)"
        case .dailyMetrics, .dailyRows: return "last synced site-local day"
        case .wholeList: return "none (fetched whole)"
        case .derived: return "that of \(derivedFrom?.rawValue ?? "its source")"
        }
    }

    /// The sync methods the table supports.
    public var syncMethods: [String] {
        kind == .wholeList ? ["full_refresh"] : ["incremental", "full_refresh"]
    }
}

extension TableSpec {
    /// Columns every table has, set by matomo-sync rather than Matomo.
    public static let metaColumns: [Column] = [
        Column("_site_id", .integer), Column("_date", .date), Column("_synced_at", .text),
    ]

    /// The built-in table of that name; the catalog's other entries are the user's reports.
    public static func spec(for name: TableName) -> TableSpec {
        guard let spec = TableCatalog.builtIn.spec(name) else {
            preconditionFailure("\(name) is not a built-in table; look it up in the run's catalog")
        }
        return spec
    }
}

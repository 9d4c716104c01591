/// How a table's rows come from Matomo.
public enum TableKind: Sendable, Equatable {
    /// `Live.getLastVisitsDetails`: one row per visit, walked with a timestamp cursor.
    case visitLog
    /// A report with one metrics object per day.
    case dailyMetrics
    /// A report with one row per label and day.
    case dailyRows
}

/// A table as a declaration: where its rows come from, their key, their known columns.
/// The engine does the rest (the same idea as a dlt resource).
public struct TableSpec: Sendable {
    public var name: TableName
    public var method: String
    public var kind: TableKind
    /// Columns that identify a row; `_site_id` first.
    public var mergeKey: [String]
    /// Columns created with the table, typed; fields outside this list get a type from their first value.
    public var knownColumns: [Column]
    /// Whether Matomo answers several `period=day` dates in one request (Referrers.getAll does not).
    public var acceptsDateRange: Bool
    /// Extra request parameters.
    public var parameters: [(String, String)]

    public func knownType(of column: String) -> ColumnType? {
        knownColumns.first { $0.name == column }?.type
    }
}

extension TableSpec {
    /// Columns every table has, set by matomo-sync rather than Matomo.
    public static let metaColumns: [Column] = [
        Column("_site_id", .integer), Column("_date", .date), Column("_synced_at", .text),
    ]

    public static func spec(for name: TableName) -> TableSpec {
        switch name {
        case .visits: return visits
        case .visitsSummary: return visitsSummary
        case .actionsSummary: return actionsSummary
        case .referrers: return referrers
        case .countries: return countries
        }
    }

    static let visits = TableSpec(
        name: .visits, method: "Live.getLastVisitsDetails", kind: .visitLog,
        mergeKey: ["_site_id", "id_visit"], knownColumns: metaColumns + VisitColumns.known,
        acceptsDateRange: false, parameters: [])

    static let visitsSummary = TableSpec(
        name: .visitsSummary, method: "VisitsSummary.get", kind: .dailyMetrics,
        mergeKey: ["_site_id", "_date"],
        knownColumns: metaColumns + [
            Column("nb_uniq_visitors", .integer), Column("nb_users", .integer), Column("nb_visits", .integer),
            Column("nb_actions", .integer), Column("nb_visits_converted", .integer), Column("bounce_count", .integer),
            Column("sum_visit_length", .integer), Column("max_actions", .integer), Column("bounce_rate", .real),
            Column("nb_actions_per_visit", .real), Column("avg_time_on_site", .integer),
        ],
        acceptsDateRange: true, parameters: [])

    static let actionsSummary = TableSpec(
        name: .actionsSummary, method: "Actions.get", kind: .dailyMetrics,
        mergeKey: ["_site_id", "_date"],
        knownColumns: metaColumns + [
            Column("nb_pageviews", .integer), Column("nb_uniq_pageviews", .integer), Column("nb_downloads", .integer),
            Column("nb_uniq_downloads", .integer), Column("nb_outlinks", .integer), Column("nb_uniq_outlinks", .integer),
            Column("nb_searches", .integer), Column("nb_keywords", .integer),
        ],
        acceptsDateRange: true, parameters: [])

    /// Row reports: Matomo truncates archived reports itself (about 1,000 rows a day for referrers),
    /// so `filter_limit=-1` is bounded here, unlike on the Live API.
    static let rowReportMetrics: [Column] = [
        Column("nb_uniq_visitors", .integer), Column("nb_visits", .integer), Column("nb_actions", .integer),
        Column("nb_users", .integer), Column("max_actions", .integer), Column("sum_visit_length", .integer),
        Column("bounce_count", .integer), Column("nb_visits_converted", .integer), Column("goals", .json),
        Column("nb_conversions", .integer), Column("revenue", .real), Column("segment", .text),
    ]

    static let referrers = TableSpec(
        name: .referrers, method: "Referrers.getAll", kind: .dailyRows,
        mergeKey: ["_site_id", "_date", "referer_type", "label"],
        knownColumns: metaColumns + [Column("referer_type", .integer), Column("label", .text)] + rowReportMetrics
            + [Column("url", .text), Column("logo", .text)],
        acceptsDateRange: false, parameters: [("filter_limit", "-1")])

    static let countries = TableSpec(
        name: .countries, method: "UserCountry.getCountry", kind: .dailyRows,
        mergeKey: ["_site_id", "_date", "code"],
        knownColumns: metaColumns + [Column("code", .text), Column("label", .text)] + rowReportMetrics
            + [Column("logo", .text), Column("logo_height", .integer)],
        acceptsDateRange: true, parameters: [("filter_limit", "-1")])
}

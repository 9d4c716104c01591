/// A Matomo report the user declares as a table (`[[source.report]]`): synced with the same rules as
/// the built-in report tables.
public struct ReportDeclaration: Sendable {
    public var name: TableName
    public var method: String
    public var params: [(String, String)]
    /// Key columns besides `_site_id` and `_date`; nil: `label` for a report with rows, none for one
    /// row per day (decided by Matomo's answer).
    public var key: [String]?
    /// `file: source[0].report[1]`, for messages.
    public var origin: String

    public init(name: TableName, method: String, params: [(String, String)] = [], key: [String]? = nil, origin: String) {
        self.name = name
        self.method = method
        self.params = params
        self.key = key
        self.origin = origin
    }

    /// Parameters the sync sets itself; a report may not override them.
    public static let reservedParameters: Set<String> = [
        "period", "date", "idsite", "format", "token_auth", "module", "method", "format_metrics", "force_api_session",
    ]

    /// Refuses what can be refused without asking Matomo: the name, the method's form, the parameters.
    public func checkOffline(against builtIn: TableCatalog) throws {
        guard name.isValid else {
            throw SyncError.invalidInput("\(origin).name: '\(name)' is not a valid table name (lowercase letters, digits and _, starting with a letter, at most 40)")
        }
        if builtIn.spec(name) != nil {
            throw SyncError.invalidInput("\(origin).name: '\(name)' clashes with the built-in table of that name; choose another name")
        }
        let parts = method.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" } }) else {
            throw SyncError.invalidInput("\(origin).method: '\(method)' is not a Matomo method; expected Module.action, e.g. DevicesDetection.getType")
        }
        for (k, _) in params where Self.reservedParameters.contains(k.lowercased()) {
            throw SyncError.invalidInput("\(origin).params.\(k): the sync sets \(k) itself; remove it")
        }
        for column in key ?? [] where ColumnNaming.snakeCase(column) != column || column.hasPrefix("_") {
            throw SyncError.invalidInput("\(origin).key: '\(column)' is not a column name; use the snake_case name the table gets (e.g. label, id_action)")
        }
    }

    /// The table's declaration; `rows` says whether Matomo answers rows (else one metrics object a day).
    public func spec(rows: Bool = true, acceptsDateRange: Bool = true) -> TableSpec {
        let keyColumns = key ?? (rows ? ["label"] : [])
        return TableSpec(name: name, method: method, kind: rows ? .dailyRows : .dailyMetrics,
                         mergeKey: ["_site_id", "_date"] + keyColumns,
                         knownColumns: TableSpec.metaColumns + (keyColumns.contains("label") ? [Column("label", .text)] : []),
                         acceptsDateRange: acceptsDateRange, parameters: params + (rows ? [("filter_limit", "-1")] : []),
                         rowMeaning: rows ? (keyColumns.isEmpty ? "row and day" : keyColumns.joined(separator: ", ") + " and day") : "day",
                         userDeclared: true)
    }

    public var spec: TableSpec { spec() }
}

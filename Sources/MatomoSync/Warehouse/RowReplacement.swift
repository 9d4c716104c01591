/// Which of a site's rows a write or a full refresh's promotion replaces.
enum RowSelection: Sendable, Equatable {
    case site
    case days([String])
    case keys(column: String, values: [Int64])
    /// Rows dated this day or later.
    case from(day: String)
}

extension ReplaceScope {
    /// The rows a write deletes before its own go in; nil when it deletes none (an upsert, or an
    /// empty list of days or keys).
    var deletion: RowSelection? {
        switch self {
        case .byKey: return nil
        case .days(let days): return days.isEmpty ? nil : .days(days)
        case .keys(let column, let values): return values.isEmpty ? nil : .keys(column: column, values: values)
        case .site: return .site
        }
    }
}

/// A statement with the values bound to its placeholders, in order.
struct BoundStatement: Sendable, Equatable {
    var sql: String
    var values: [Cell]
}

/// How an engine writes the conditions and copies of row replacement, on top of its schema's spelling.
protocol SQLDialect: SchemaDialect {
    /// The text that stands for the `number`th bound value (1-based): `?`, `$2`; an engine that binds
    /// nothing writes the value itself as a literal, and `bindsValues` is false.
    func placeholder(_ value: Cell, number: Int) -> String
    var bindsValues: Bool { get }
    /// Values listed in one statement at most; longer lists are split over several.
    var listLimit: Int { get }
    /// The `_date` column, and a day's placeholder, as compared with each other (`isDate`: the column
    /// has the DATE type).
    func dayColumn(_ quoted: String, isDate: Bool) -> String
    func dayValue(_ placeholder: String, isDate: Bool) -> String
    /// A staged column's value as the target column takes it.
    func cast(_ quoted: String, from: ColumnType, to: ColumnType, column: String, mergeKey: [String]) -> String
}

/// The statements of row replacement, written once for every engine: what a write deletes before
/// its rows go in, and how a full refresh's staging table replaces the site's rows.
enum RowReplacement {
    /// The WHERE conditions selecting `selection` among the site's rows: one per chunk of a long list.
    static func conditions(_ selection: RowSelection, siteId: Int, columns: TableColumns,
                           dialect: some SQLDialect) -> [BoundStatement] {
        let q = dialect.quote
        let site = "\(q("_site_id")) = \(dialect.placeholder(.int(Int64(siteId)), number: 1))"
        let isDate = columns["_date"] == .date
        func listed(_ column: String, _ values: [Cell], _ wrap: (String) -> String) -> [BoundStatement] {
            stride(from: 0, to: values.count, by: dialect.listLimit).map { start in
                let chunk = Array(values[start..<min(start + dialect.listLimit, values.count)])
                let marks = chunk.enumerated().map { wrap(dialect.placeholder($0.element, number: $0.offset + 2)) }
                return bound("\(site) AND \(column) IN (\(marks.joined(separator: ", ")))", [.int(Int64(siteId))] + chunk, dialect)
            }
        }
        switch selection {
        case .site:
            return [bound(site, [.int(Int64(siteId))], dialect)]
        case .days(let days):
            return listed(dialect.dayColumn(q("_date"), isDate: isDate), days.map(Cell.text)) { dialect.dayValue($0, isDate: isDate) }
        case .keys(let column, let values):
            return listed(q(column), values.map(Cell.int)) { $0 }
        case .from(let day):
            let value = dialect.dayValue(dialect.placeholder(.text(day), number: 2), isDate: isDate)
            return [bound("\(site) AND \(dialect.dayColumn(q("_date"), isDate: isDate)) >= \(value)", [.int(Int64(siteId)), .text(day)], dialect)]
        }
    }

    /// `DELETE` statements removing the selected rows of `table`.
    static func deletes(from table: String, _ selection: RowSelection, siteId: Int, columns: TableColumns,
                        dialect: some SQLDialect) -> [BoundStatement] {
        conditions(selection, siteId: siteId, columns: columns, dialect: dialect).map {
            BoundStatement(sql: "DELETE FROM \(dialect.quote(table)) WHERE \($0.sql)", values: $0.values)
        }
    }

    /// The site's rows selected by `firstDay` (all when nil): the selection a promotion replaces.
    static func promoted(from firstDay: String?) -> RowSelection { firstDay.map { .from(day: $0) } ?? .site }

    /// The promotion of a staging table on an engine with transactions, after the target's schema is
    /// made to hold the staged columns: the site's replaced rows deleted, the staged ones copied in
    /// (cast to the target's types), the staging table dropped. The caller saves the state in the same
    /// transaction.
    static func promotion(staging: String, into table: String, stagedColumns: [Column], target: TableColumns,
                          mergeKey: [String], siteId: Int, replacingFrom firstDay: String?,
                          dialect: some SQLDialect) -> [BoundStatement] {
        let q = dialect.quote
        let names = stagedColumns.map { q($0.name) }.joined(separator: ", ")
        let values = stagedColumns.map {
            dialect.cast(q($0.name), from: $0.type, to: target[$0.name] ?? $0.type, column: $0.name, mergeKey: mergeKey)
        }.joined(separator: ", ")
        return deletes(from: table, promoted(from: firstDay), siteId: siteId, columns: target, dialect: dialect)
            + [BoundStatement(sql: "INSERT INTO \(q(table)) (\(names)) SELECT \(values) FROM \(q(staging))", values: []),
               BoundStatement(sql: "DROP TABLE \(q(staging))", values: [])]
    }

    private static func bound(_ sql: String, _ values: [Cell], _ dialect: some SQLDialect) -> BoundStatement {
        BoundStatement(sql: sql, values: dialect.bindsValues ? values : [])
    }
}

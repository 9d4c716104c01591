/// ClickHouse's spelling of a table's schema. A table is a ReplacingMergeTree storage table,
/// `_raw_<table>`, with a `_version` column, behind a view of the table's name; the sorting key and
/// the meta columns are never Nullable (18.16 refuses Nullable sorting keys) and so cannot widen.
struct ClickHouseDialect: SQLDialect {
    var typed: Bool { true }

    func quote(_ identifier: String) -> String { chName(identifier) }

    /// JSON is kept as String, and reads back as text.
    func readBack(_ type: ColumnType) -> ColumnType { ClickHouseTypes.columnType(ClickHouseTypes.sqlType(type, nullable: false)) }

    static func storage(_ table: String) -> String { "_raw_" + table }

    /// Whether a column may hold NULL: not the merge key, nor the meta columns every row has.
    static func nullable(_ column: String, mergeKey: [String]) -> Bool {
        !(mergeKey.contains(column) || column == "_site_id" || column == "_date")
    }

    static func sqlType(_ column: Column, mergeKey: [String]) -> String {
        ClickHouseTypes.sqlType(column.type, nullable: nullable(column.name, mergeKey: mergeKey))
    }

    func createTable(_ table: String, columns: [Column], mergeKey: [String]) -> [String] {
        let defs = columns.map { "\(quote($0.name)) \(Self.sqlType($0, mergeKey: mergeKey))" }
        // Days of one month together: a day's DELETE mutation rewrites only that month's parts.
        // Tables keyed without `_date` (visits) stay in one partition, so FINAL sees every version.
        let partition = mergeKey.contains("_date") ? "PARTITION BY toYYYYMM(`_date`) " : ""
        return ["""
            CREATE TABLE IF NOT EXISTS \(quote(Self.storage(table))) (\(defs.joined(separator: ", ")), `_version` UInt64)
            ENGINE = ReplacingMergeTree(`_version`) \(partition)ORDER BY (\(mergeKey.map(quote).joined(separator: ", ")))
            """]
    }

    func addColumn(_ table: String, _ column: Column, mergeKey: [String]) -> [String] {
        ["ALTER TABLE \(quote(Self.storage(table))) ADD COLUMN \(quote(column.name)) \(Self.sqlType(column, mergeKey: mergeKey))"]
    }

    func alterType(_ table: String, _ column: String, to type: ColumnType, mergeKey: [String]) throws -> [String] {
        let storage = Self.storage(table)
        guard Self.nullable(column, mergeKey: mergeKey) else {
            throw SyncError.warehouse("the key column \(column) of \(table) cannot take a value of another type; run with --full-refresh after dropping \(storage)")
        }
        return ["ALTER TABLE \(quote(storage)) MODIFY COLUMN \(quote(column)) \(ClickHouseTypes.sqlType(type, nullable: true))"]
    }

    /// The HTTP interface takes the statement alone: values are written as quoted literals.
    func placeholder(_ value: Cell, number: Int) -> String {
        switch value {
        case .int(let n): return String(n)
        case .real(let d): return String(d)
        case .text(let s): return chString(s)
        case .null: return "NULL"
        }
    }
    var bindsValues: Bool { false }
    var listLimit: Int { Int.max }
    func dayColumn(_ quoted: String, isDate: Bool) -> String { quoted }
    /// `_date` is always a Date column here.
    func dayValue(_ placeholder: String, isDate: Bool) -> String { "toDate(\(placeholder))" }

    func cast(_ quoted: String, from: ColumnType, to: ColumnType, column: String, mergeKey: [String]) -> String {
        from == to ? quoted : "CAST(\(quoted) AS \(Self.sqlType(Column(column, to), mergeKey: mergeKey)))"
    }

    /// `<table>` = the storage table FINAL, without `_version`. Views keep their column list (and on
    /// recent servers their column types: the old view would read "n/a" back through the old Int64
    /// as NULL), so a new or widened column means a new view.
    func afterChanges(_ table: String, _ columns: TableColumns) -> [String] {
        ["DROP TABLE IF EXISTS \(quote(table))",
         "CREATE VIEW \(quote(table)) AS SELECT \(columns.names.map(quote).joined(separator: ", ")) FROM \(quote(Self.storage(table))) FINAL"]
    }
}

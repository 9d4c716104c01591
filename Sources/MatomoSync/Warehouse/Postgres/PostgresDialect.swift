/// PostgreSQL's spelling of a table's schema: typed columns, the merge key as a unique index (NULLs
/// stay distinct, as in SQLite), a column widened in place with a cast of its values.
struct PostgresDialect: SQLDialect {
    var typed: Bool { true }

    func quote(_ identifier: String) -> String { ColumnNaming.quote(identifier) }

    func readBack(_ type: ColumnType) -> ColumnType { type }

    func createTable(_ table: String, columns: [Column], mergeKey: [String]) -> [String] {
        let defs = columns.map { "\(quote($0.name)) \(PostgresTypes.sqlType($0.type))" }
        return ["CREATE TABLE IF NOT EXISTS \(quote(table)) (\(defs.joined(separator: ", ")))",
                "CREATE UNIQUE INDEX IF NOT EXISTS \(quote(table + "__merge_key")) ON \(quote(table)) (\(mergeKey.map(quote).joined(separator: ", ")))"]
    }

    func addColumn(_ table: String, _ column: Column, mergeKey: [String]) -> [String] {
        ["ALTER TABLE \(quote(table)) ADD COLUMN IF NOT EXISTS \(quote(column.name)) \(PostgresTypes.sqlType(column.type))"]
    }

    func alterType(_ table: String, _ column: String, to type: ColumnType, mergeKey: [String]) -> [String] {
        let sqlType = PostgresTypes.sqlType(type)
        return ["ALTER TABLE \(quote(table)) ALTER COLUMN \(quote(column)) TYPE \(sqlType) USING \(quote(column))::\(sqlType)"]
    }

    func placeholder(_ value: Cell, number: Int) -> String { "$\(number)" }
    var bindsValues: Bool { true }
    var listLimit: Int { 5000 }

    /// A `_date` made before its declaration (TEXT) is compared as text.
    func dayColumn(_ quoted: String, isDate: Bool) -> String { isDate ? quoted : quoted + "::TEXT" }
    func dayValue(_ placeholder: String, isDate: Bool) -> String { isDate ? placeholder + "::DATE" : placeholder + "::TEXT" }

    func cast(_ quoted: String, from: ColumnType, to: ColumnType, column: String, mergeKey: [String]) -> String {
        "\(quoted)::\(PostgresTypes.sqlType(to))"
    }
}

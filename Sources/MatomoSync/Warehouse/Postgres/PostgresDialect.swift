/// PostgreSQL's spelling of a table's schema: typed columns, the merge key as a unique index (NULLs
/// stay distinct, as in SQLite), a column widened in place with a cast of its values.
struct PostgresDialect: SQLDialect, IndexedTableDialect {
    var typed: Bool { true }

    func quote(_ identifier: String) -> String { ColumnNaming.quote(identifier) }

    func readBack(_ type: ColumnType) -> ColumnType { type }

    func sqlType(_ type: ColumnType) -> String { PostgresTypes.sqlType(type) }
    var ifNotExists: String { " IF NOT EXISTS" }

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

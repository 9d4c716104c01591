/// SQLite's spelling of a table's schema. Its columns take any value (type affinity), so a column is
/// only ever added; the declared type documents the content for readers of the schema.
struct SQLiteDialect: SQLDialect, IndexedTableDialect {
    var typed: Bool { false }

    func quote(_ identifier: String) -> String { ColumnNaming.quote(identifier) }

    func readBack(_ type: ColumnType) -> ColumnType { Self.columnType(Self.sqlType(type)) }

    func sqlType(_ type: ColumnType) -> String { Self.sqlType(type) }
    /// SQLite has one writer at a time, and a write sees every table made before it.
    var ifNotExists: String { "" }

    func alterType(_ table: String, _ column: String, to type: ColumnType, mergeKey: [String]) -> [String] { [] }

    func placeholder(_ value: Cell, number: Int) -> String { "?" }
    var bindsValues: Bool { true }
    /// Under SQLite's oldest limit of bound values per statement (999).
    var listLimit: Int { 500 }
    func dayColumn(_ quoted: String, isDate: Bool) -> String { quoted }
    func dayValue(_ placeholder: String, isDate: Bool) -> String { placeholder }
    func cast(_ quoted: String, from: ColumnType, to: ColumnType, column: String, mergeKey: [String]) -> String { quoted }

    static func sqlType(_ type: ColumnType) -> String {
        switch type {
        case .integer: return "INTEGER"
        case .real: return "REAL"
        case .text, .date: return "TEXT"
        case .json: return "JSON"  // TEXT affinity
        }
    }

    static func columnType(_ sql: String) -> ColumnType {
        switch sql.uppercased() {
        case "INTEGER": return .integer
        case "REAL": return .real
        case "JSON": return .json
        default: return .text
        }
    }
}

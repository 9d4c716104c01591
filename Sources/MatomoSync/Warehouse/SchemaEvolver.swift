/// How a table's schema follows its rows, for every typed engine: a column is made for a name never
/// seen, and widened when a value does not fit its type, never narrowed and never failing the sync.
/// Each engine only says how it creates, adds and alters a column in its dialect.
enum SchemaEvolver {
    /// The type a column must have to hold `cell` without loss: Matomo sends "n/a" where a number
    /// was expected, so an integer column becomes text rather than failing the sync. A JSON column
    /// stays JSON (a value that is not JSON is stored as a JSON string).
    static func widened(_ type: ColumnType, toHold cell: Cell) -> ColumnType {
        switch (type, cell) {
        case (_, .null), (.text, _), (.json, _): return type
        case (.integer, .int), (.real, .int), (.real, .real): return type
        case (.integer, .real): return .real
        case (.date, .text(let s)) where ServerTypes.isDate(s): return .date
        default: return .text
        }
    }

    /// The columns some value of the batch does not fit, with the type each must become, in the
    /// batch's column order. `current` gives a column's type as the table has it (nil: not there).
    static func widenings(_ columns: [Column], _ rows: [[Cell]], current: (String) -> ColumnType?) -> [(name: String, type: ColumnType)] {
        var out: [(name: String, type: ColumnType)] = []
        for (i, column) in columns.enumerated() {
            guard let type = current(column.name) else { continue }
            var needed = type
            for row in rows where i < row.count {
                needed = widened(needed, toHold: row[i])
                if needed == .text { break }
            }
            if needed != type { out.append((column.name, needed)) }
        }
        return out
    }
}

/// One value on its way to a warehouse. JSON values travel as their text.
public enum Cell: Sendable, Hashable {
    case null
    case int(Int64)
    case real(Double)
    case text(String)
}

/// Rows of one table, aligned to `columns`; a row shorter than `columns` has NULL in the rest.
public struct RowBatch: Sendable {
    public var columns: [Column]
    public var rows: [[Cell]]

    public init(columns: [Column] = [], rows: [[Cell]] = []) {
        self.columns = columns
        self.rows = rows
    }

    public var isEmpty: Bool { rows.isEmpty }
    public var count: Int { rows.count }

    public func index(of column: String) -> Int? { columns.firstIndex { $0.name == column } }

    /// The cell of a row, NULL past the row's end.
    public func cell(_ row: [Cell], _ column: Int) -> Cell { column < row.count ? row[column] : .null }
}

/// The SQL type of a warehouse column. Each warehouse maps these to its own types.
public enum ColumnType: String, Sendable, Equatable, Codable {
    case integer, real, text, json, date
}

/// A named, typed column.
public struct Column: Sendable, Equatable {
    public var name: String
    public var type: ColumnType

    public init(_ name: String, _ type: ColumnType) {
        self.name = name
        self.type = type
    }
}

/// A table's identity: the name scripts and SQL depend on. Open, so built-in tables and the reports a
/// user declares in the config go through the same code; the catalog says which names exist.
public struct TableName: RawRepresentable, Sendable, Hashable, Codable, Comparable, CustomStringConvertible {
    public let rawValue: String

    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ rawValue: String) { self.rawValue = rawValue }

    public var description: String { rawValue }
    public static func < (a: TableName, b: TableName) -> Bool { a.rawValue < b.rawValue }

    public static let visits = TableName("visits")
    public static let visitActions = TableName("visit_actions")
    public static let visitsSummary = TableName("visits_summary")
    public static let actionsSummary = TableName("actions_summary")
    public static let referrers = TableName("referrers")
    public static let countries = TableName("countries")
    public static let pages = TableName("pages")
    public static let goalsSummary = TableName("goals_summary")
    public static let eventCategories = TableName("event_categories")
    public static let eventActions = TableName("event_actions")
    public static let eventNames = TableName("event_names")
    public static let goals = TableName("goals")

    /// The built-in tables, in catalog order.
    public static var allCases: [TableName] { TableCatalog.builtIn.names }

    /// A table name a warehouse accepts unquoted in any engine: lowercase letters, digits and `_`,
    /// starting with a letter, at most 40 bytes (a prefix and `_staging_`/`_raw_` still fit in 63).
    public var isValid: Bool {
        guard let first = rawValue.unicodeScalars.first, ("a"..."z").contains(first), rawValue.utf8.count <= 40 else { return false }
        return rawValue.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_" }
    }

    /// Parses a comma-separated list such as `visits,countries` against the built-in catalog.
    public static func parseList(_ text: String) throws -> [TableName] {
        try TableCatalog.builtIn.parseList(text)
    }
}

import Foundation

/// Column types in ClickHouse. Merge-key columns (the ORDER BY) and `_site_id`/`_date` are never
/// NULL and so not Nullable (18.16 refuses Nullable sorting keys); the rest are Nullable.
enum ClickHouseTypes {
    static func sqlType(_ type: ColumnType, nullable: Bool) -> String {
        let base: String
        switch type {
        case .integer: base = "Int64"
        case .real: base = "Float64"
        case .text, .json: base = "String"
        case .date: base = "Date"
        }
        return nullable ? "Nullable(\(base))" : base
    }

    /// `Nullable(Int64)` to ours.
    static func columnType(_ sqlType: String) -> ColumnType {
        let base = strip(sqlType)
        if base.hasPrefix("Int") || base.hasPrefix("UInt") { return .integer }
        if base.hasPrefix("Float") || base.hasPrefix("Decimal") { return .real }
        if base == "Date" { return .date }
        return .text
    }

    static func isNullable(_ sqlType: String) -> Bool { sqlType.hasPrefix("Nullable(") }

    /// Removes `Nullable(...)` and `LowCardinality(...)` wrappers.
    static func strip(_ sqlType: String) -> String {
        var t = sqlType
        for wrapper in ["LowCardinality(", "Nullable("] where t.hasPrefix(wrapper) && t.hasSuffix(")") {
            t = String(t.dropFirst(wrapper.count).dropLast())
        }
        return t
    }

    /// The type a column must have to hold the cell (see `PostgresTypes.widened`).
    static func widened(_ type: ColumnType, toHold cell: Cell) -> ColumnType {
        switch (type, cell) {
        case (_, .null), (.text, _), (.json, _): return type
        case (.integer, .int), (.real, .int), (.real, .real): return type
        case (.integer, .real): return .real
        case (.date, .text(let s)) where ServerTypes.isDate(s): return .date
        default: return .text
        }
    }

    /// One value of a JSONEachRow line, as the column's type reads it (18.16 wants strings quoted
    /// for String columns, numbers for numeric ones).
    static func jsonValue(_ cell: Cell, as type: ColumnType, nullable: Bool) -> String {
        switch (cell, type) {
        case (.null, _):
            guard !nullable else { return "null" }
            switch type {
            case .integer, .real: return "0"
            case .date: return "\"0000-00-00\""
            case .text, .json: return "\"\""
            }
        case (.int(let i), .integer), (.int(let i), .real): return String(i)
        case (.real(let d), .real), (.real(let d), .integer): return d.isFinite ? String(d) : "null"
        case (.int(let i), _): return "\"\(i)\""
        case (.real(let d), _): return "\"\(d)\""
        case (.text(let s), _): return RowShaper.jsonStringLiteral(s)
        }
    }

    /// A value of a `FORMAT JSONCompact` answer, read by its declared type (64-bit integers come quoted).
    static func cell(_ value: Any, type: String) -> Cell {
        if value is NSNull { return .null }
        let base = strip(type)
        if base.hasPrefix("Int") || base.hasPrefix("UInt") {
            if let s = value as? String { return Int64(s).map(Cell.int) ?? .text(s) }
            if let n = value as? NSNumber { return .int(n.int64Value) }
        }
        if base.hasPrefix("Float") || base.hasPrefix("Decimal") {
            if let n = value as? NSNumber { return .real(n.doubleValue) }
            if let s = value as? String { return Double(s).map(Cell.real) ?? .text(s) }
        }
        if let s = value as? String { return .text(s) }
        if let n = value as? NSNumber { return .real(n.doubleValue) }
        if let data = try? JSONSerialization.data(withJSONObject: value, options: [.fragmentsAllowed]) {
            return .text(String(decoding: data, as: UTF8.self))
        }
        return .text("\(value)")
    }

    /// Parses a `FORMAT JSONCompact` answer.
    static func result(_ text: String) throws -> QueryResult {
        guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
              let meta = object["meta"] as? [[String: Any]], let data = object["data"] as? [[Any]] else {
            throw SyncError.warehouse("ClickHouse answered something other than JSONCompact: \(text.prefix(200))")
        }
        let names = meta.map { $0["name"] as? String ?? "" }
        let types = meta.map { $0["type"] as? String ?? "String" }
        let rows = data.map { row in row.enumerated().map { cell($0.element, type: $0.offset < types.count ? types[$0.offset] : "String") } }
        return QueryResult(columns: names, rows: rows)
    }
}

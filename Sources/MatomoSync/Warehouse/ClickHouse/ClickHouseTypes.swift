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

    /// Appends one value of a JSONEachRow line, as the column's type reads it (18.16 wants strings
    /// quoted for String columns, numbers for numeric ones).
    static func appendJSONValue(_ cell: Cell, as type: ColumnType, nullable: Bool, to out: inout [UInt8]) {
        switch (cell, type) {
        case (.null, _):
            guard !nullable else { out.append(contentsOf: "null".utf8); return }
            switch type {
            case .integer, .real: out.append(UInt8(ascii: "0"))
            case .date: out.append(contentsOf: #""0000-00-00""#.utf8)
            case .text, .json: out.append(contentsOf: #""""#.utf8)
            }
        case (.int(let i), .integer), (.int(let i), .real): ServerTypes.appendDecimal(i, to: &out)
        case (.real(let d), .real), (.real(let d), .integer):
            out.append(contentsOf: (d.isFinite ? String(d) : "null").utf8)
        case (.int(let i), _):
            out.append(UInt8(ascii: "\""))
            ServerTypes.appendDecimal(i, to: &out)
            out.append(UInt8(ascii: "\""))
        case (.real(let d), _): RowShaper.appendJSONString(String(d), to: &out)
        case (.text(let s), _): RowShaper.appendJSONString(s, to: &out)
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

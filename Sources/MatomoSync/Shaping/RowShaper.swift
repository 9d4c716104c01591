import MatomoAPI

/// Turns Matomo rows into typed warehouse rows for one table.
///
/// Declared columns convert what arrives (`"15"` and `15` both land as INTEGER); undeclared fields get
/// a type from their first non-null value, and a field seen for the first time adds a column.
/// Keys that collide after snake_casing (`idVisit` and `id_visit`) get distinct names (`id_visit_2`),
/// so no value is ever silently overwritten.
public struct RowShaper: Sendable {
    public let spec: TableSpec
    public private(set) var columns: [Column]
    private var columnIndex: [String: Int] = [:]
    private var nameForKey: [String: String] = [:]
    private var keyForName: [String: String] = [:]
    private let declaredTypes: [String: ColumnType]
    /// What each Matomo key becomes, worked out once per key.
    private var slots: [Slot] = []
    private var slotForKey: [String: Int] = [:]
    /// The keys of the previous row by position: Matomo sends every row's keys in the same order, so
    /// comparing with the key at the same position usually replaces hashing it (the hot path of a sync).
    private var recentKeys: [String] = []
    private var recentSlots: [Int] = []

    private struct Slot: Sendable {
        var name: String
        var declared: ColumnType?
        /// Set once the column exists (its first non-null value).
        var index: Int?
    }

    public init(spec: TableSpec) {
        self.spec = spec
        self.columns = TableSpec.metaColumns
        var declared: [String: ColumnType] = [:]
        for c in spec.knownColumns where declared[c.name] == nil { declared[c.name] = c.type }
        self.declaredTypes = declared
        for (i, c) in columns.enumerated() {
            columnIndex[c.name] = i
            keyForName[c.name] = "\u{0}meta"
        }
    }

    /// Shapes one Matomo row; meta columns are set from the arguments.
    public mutating func shape(_ row: JSONRow, siteId: Int, date: String, syncedAt: String) -> [Cell] {
        var cells = [Cell](repeating: .null, count: columns.count + 8)
        cells[0] = .int(Int64(siteId))
        cells[1] = .text(date)
        cells[2] = .text(syncedAt)
        for (position, field) in row.enumerated() {
            let slot = slotIndex(for: field.key, at: position)
            let cell = Self.convert(field.value, to: slots[slot].declared)
            if case .null = cell { continue }
            let index: Int
            if let i = slots[slot].index {
                index = i
            } else {
                let name = slots[slot].name
                if let i = columnIndex[name] {
                    index = i
                } else {
                    index = columns.count
                    columns.append(Column(name, slots[slot].declared ?? Self.inferType(field.value)))
                    columnIndex[name] = index
                }
                slots[slot].index = index
            }
            if index >= cells.count { cells.append(contentsOf: repeatElement(.null, count: index - cells.count + 1)) }
            cells[index] = cell
        }
        if cells.count > columns.count { cells.removeLast(cells.count - columns.count) }
        return cells
    }

    @inline(__always)
    private mutating func slotIndex(for key: String, at position: Int) -> Int {
        if position < recentKeys.count, recentKeys[position] == key { return recentSlots[position] }
        let slot: Int
        if let known = slotForKey[key] {
            slot = known
        } else {
            let name = columnName(for: key)
            slot = slots.count
            slots.append(Slot(name: name, declared: declaredTypes[name], index: columnIndex[name]))
            slotForKey[key] = slot
        }
        if position < recentKeys.count {
            recentKeys[position] = key
            recentSlots[position] = slot
        } else if position == recentKeys.count {
            recentKeys.append(key)
            recentSlots.append(slot)
        }
        return slot
    }

    /// A row of only meta columns and the given cells, for days Matomo reports as empty.
    public mutating func emptyDay(siteId: Int, date: String, syncedAt: String, zeroMetrics: Bool) -> [Cell] {
        var row: JSONRow = []
        if zeroMetrics {
            for c in spec.knownColumns where !c.name.hasPrefix("_") {
                row.append((c.name, c.type == .real ? .double(0) : .int(0)))
            }
        }
        return shape(row, siteId: siteId, date: date, syncedAt: syncedAt)
    }

    /// A batch of shaped rows, with the columns known so far.
    public func batch(_ rows: [[Cell]]) -> RowBatch { RowBatch(columns: columns, rows: rows) }

    private mutating func columnName(for key: String) -> String {
        if let name = nameForKey[key] { return name }
        var name = ColumnNaming.snakeCase(key)
        var n = 2
        let base = name
        while let owner = keyForName[name], owner != key {
            let suffix = "_\(n)"
            name = String(base.prefix(ColumnNaming.maxLength - suffix.utf8.count)) + suffix
            n += 1
        }
        nameForKey[key] = name
        keyForName[name] = key
        return name
    }

    static func inferType(_ value: JSONField) -> ColumnType {
        switch value {
        case .int, .bool: return .integer
        case .double: return .real
        case .json: return .json
        case .null, .string, .bigNumber: return .text
        }
    }

    /// Converts a value to a declared type; what does not fit is kept as text rather than dropped.
    static func convert(_ value: JSONField, to type: ColumnType?) -> Cell {
        switch (value, type) {
        case (.null, _): return .null
        case (.int(let i), .real): return .real(Double(i))
        case (.int(let i), .text?), (.int(let i), .date?), (.int(let i), .json?): return .text(String(i))
        case (.int(let i), _): return .int(i)
        case (.double(let d), .integer?):
            if d.rounded() == d, abs(d) < 9.0e18 { return .int(Int64(d)) }
            return .real(d)
        case (.double(let d), .text?), (.double(let d), .date?), (.double(let d), .json?): return .text(String(d))
        case (.double(let d), _): return .real(d)
        case (.bool(let b), .text?), (.bool(let b), .json?): return .text(b ? "true" : "false")
        case (.bool(let b), _): return .int(b ? 1 : 0)
        case (.bigNumber(let s), _): return .text(s)
        case (.string(let s), .integer?):
            if let i = Int64(s) { return .int(i) }
            if let d = Double(s), d.isFinite, s.contains(".") { return .real(d) }
            return .text(s)
        case (.string(let s), .real?):
            if let d = Double(s), d.isFinite { return .real(d) }
            return .text(s)
        case (.string(let s), .json?): return .text(jsonStringLiteral(s))
        case (.string(let s), _): return .text(s)
        case (.json(let raw), _): return .text(raw)
        }
    }

    /// A string as a JSON string literal, for JSON columns that receive a plain string and for
    /// ClickHouse's JSONEachRow.
    public static func jsonStringLiteral(_ s: String) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(s.utf8.count + 16)
        appendJSONString(s, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends a string as a JSON string literal. Works on UTF-8 bytes, copying runs that need no
    /// escape at once: it runs on every text value of a ClickHouse load.
    public static func appendJSONString(_ s: String, to out: inout [UInt8]) {
        let hex = Array("0123456789abcdef".utf8)
        out.append(UInt8(ascii: "\""))
        var s = s
        s.withUTF8 { bytes in
            var start = 0
            for (i, b) in bytes.enumerated() where b < 0x20 || b == UInt8(ascii: "\"") || b == UInt8(ascii: "\\") {
                out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<i]))
                switch b {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"): out.append(UInt8(ascii: "\\")); out.append(b)
                case 0x0A: out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "n"))
                case 0x0D: out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "r"))
                case 0x09: out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "t"))
                default:
                    out.append(contentsOf: Array("\\u00".utf8))
                    out.append(hex[Int(b >> 4)])
                    out.append(hex[Int(b & 0xF)])
                }
                start = i + 1
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start...]))
        }
        out.append(UInt8(ascii: "\""))
    }
}

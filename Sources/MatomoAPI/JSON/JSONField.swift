/// One value of a JSON object as the sync needs it: scalars decoded, nested arrays and objects
/// kept as the raw JSON text they arrived as (they are stored as JSON text anyway, so building
/// objects only to serialise them again would waste most of the parsing time).
public enum JSONField: Sendable, Equatable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    /// A number that does not fit 64 bits, kept as its literal text so nothing is rounded.
    case bigNumber(String)
    case string(String)
    /// An array or object, verbatim.
    case json(String)

    /// The value as text, for messages and text columns.
    public var text: String? {
        switch self {
        case .null: return nil
        case .bool(let b): return b ? "1" : "0"
        case .int(let i): return String(i)
        case .double(let d): return String(d)
        case .bigNumber(let s), .string(let s), .json(let s): return s
        }
    }

    /// The value as an integer when it is one, or a string holding one (Matomo sends both).
    public var intValue: Int64? {
        switch self {
        case .int(let i): return i
        case .string(let s): return Int64(s)
        case .double(let d) where d.rounded() == d && abs(d) < 9.0e18: return Int64(d)
        default: return nil
        }
    }
}

/// A JSON object's fields in the order they arrived.
public typealias JSONRow = [(key: String, value: JSONField)]

extension Array where Element == (key: String, value: JSONField) {
    /// The first field with this key.
    public func field(_ key: String) -> JSONField? {
        for pair in self where pair.key == key { return pair.value }
        return nil
    }

    /// The first field with this key, looked for first at `hint`, which is updated: rows of one
    /// answer share their key order, so the next row usually has it at the same place.
    public func field(_ key: String, hint: inout Int) -> JSONField? {
        if hint < count, self[hint].key == key { return self[hint].value }
        guard let i = firstIndex(where: { $0.key == key }) else { return nil }
        hint = i
        return self[i].value
    }
}

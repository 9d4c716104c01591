import Foundation

// Answer shapes, for checking the fake against real Matomo answers (tests/conformance): the fake's
// own promise is that a client cannot tell its answers from a real server's by their layout.

/// The shape of a JSON answer, data left out: what a client's parser depends on. A number and a
/// numeric string are compatible (real Matomo sends the same metric either way, by report and
/// version), and so are a numeric string and a string (an id that happens to be all digits); an
/// object keyed by dates or site ids is a keyed layout whose values share one shape; the rows of an
/// array share one shape (the union of their keys).
public indirect enum AnswerShape: Equatable, CustomStringConvertible {
    case number
    case numericString
    case string
    case bool
    case null
    case emptyArray
    case list(AnswerShape)
    case object([(String, AnswerShape)])
    /// Keys are dates (`2026-11-25`, or `2026-11-16,2026-11-22` for weeks), in order.
    case dateKeyed([String], AnswerShape)
    /// Keys are site ids (`idSite=1,2` or `all`).
    case siteKeyed([String], AnswerShape)
    /// Keys are data, not layout (`goals` keyed by `idgoal=N`).
    case dataKeyed(AnswerShape)
    /// Rows with a `type` field (a visit's `actionDetails`): one shape per type, since each type has
    /// its own fields.
    case typed([(String, AnswerShape)])
    /// Different kinds at one place: a day's report that is `[]` on empty days, an object otherwise.
    case oneOf([AnswerShape])

    public static func == (a: AnswerShape, b: AnswerShape) -> Bool { a.description == b.description }

    public var description: String {
        switch self {
        case .number: return "number"
        case .numericString: return "numeric string"
        case .string: return "string"
        case .bool: return "bool"
        case .null: return "null"
        case .emptyArray: return "[]"
        case .list(let s): return "[\(s)]"
        case .typed(let types): return "[" + types.map { "type=\($0.0): \($0.1)" }.joined(separator: " ; ") + "]"
        case .object(let fields): return "{" + fields.map { "\($0.0):\($0.1)" }.joined(separator: ",") + "}"
        case .dateKeyed(let keys, let s): return "{dates \(keys.first ?? "")..\(keys.last ?? "") (\(keys.count)): \(s)}"
        case .siteKeyed(let keys, let s): return "{sites \(keys.joined(separator: ",")): \(s)}"
        case .dataKeyed(let s): return "{*: \(s)}"
        case .oneOf(let list): return "(" + list.map(\.description).joined(separator: " | ") + ")"
        }
    }

    /// What kind of value this is, for grouping in `oneOf`.
    public var kind: String {
        switch self {
        case .number, .numericString: return "number"
        case .string: return "string"
        case .bool: return "bool"
        case .null: return "null"
        case .emptyArray: return "[]"
        case .list, .typed: return "list"
        case .object, .dataKeyed: return "object"
        case .dateKeyed: return "dateKeyed"
        case .siteKeyed: return "siteKeyed"
        case .oneOf: return "oneOf"
        }
    }

    /// The shape of a JSON text; throws when it is not JSON.
    public static func of(json data: [UInt8]) throws -> AnswerShape { of(try OrderedJSON.parse(Data(data))) }

    public static func of(_ value: Any) -> AnswerShape {
        switch value {
        case is NSNull: return .null
        case is BoolMarker: return .bool
        case is NSNumber: return .number
        case let s as String:
            return Double(s) != nil ? .numericString : .string
        case let a as [Any]:
            guard let first = a.first else { return .emptyArray }
            let types = a.map { ($0 as? OrderedObject)?.fields.first { $0.0 == "type" }?.1 as? String }
            if !types.contains(nil) {
                var out: [(String, AnswerShape)] = []
                for (type, element) in zip(types, a) {
                    let shape = of(element)
                    if let i = out.firstIndex(where: { $0.0 == type! }) { out[i].1 = merge(out[i].1, shape) } else { out.append((type!, shape)) }
                }
                return .typed(out)
            }
            return .list(a.dropFirst().reduce(of(first)) { merge($0, of($1)) })
        case let o as OrderedObject:
            let keys = o.fields.map(\.0)
            let values = o.fields.map { of($0.1) }
            if !keys.isEmpty, keys.allSatisfy(isDateKey) {
                return .dateKeyed(keys, values.dropFirst().reduce(values[0]) { merge($0, $1) })
            }
            if !keys.isEmpty, keys.allSatisfy({ Int($0) != nil }) {
                return .siteKeyed(keys, values.dropFirst().reduce(values[0]) { merge($0, $1) })
            }
            if !keys.isEmpty, keys.allSatisfy({ $0.hasPrefix("idgoal=") }) {
                return .dataKeyed(values.dropFirst().reduce(values[0]) { merge($0, $1) })
            }
            return .object(Array(zip(keys, values)))
        default:
            return .string
        }
    }

    public static func isDateKey(_ key: String) -> Bool {
        key.split(separator: ",").allSatisfy { part in
            part.count == 10 && part.enumerated().allSatisfy { i, c in (i == 4 || i == 7) ? c == "-" : c.isNumber }
        }
    }

    /// One shape for two values found at the same place (rows of an array, days of a report).
    public static func merge(_ a: AnswerShape, _ b: AnswerShape) -> AnswerShape {
        switch (a, b) {
        case (.list(let x), .list(let y)): return .list(merge(x, y))
        case (.typed(let x), .typed(let y)):
            var out = x
            for (t, v) in y {
                if let i = out.firstIndex(where: { $0.0 == t }) { out[i].1 = merge(out[i].1, v) } else { out.append((t, v)) }
            }
            return .typed(out)
        case (.numericString, .string), (.string, .numericString): return .string
        case (.number, .numericString), (.numericString, .number): return .number
        case (.object(let x), .object(let y)):
            // A key new to the union goes right after the key it follows in its own row, so the union's
            // order does not depend on which rows come first.
            var fields = x
            var previous = -1
            for (k, v) in y {
                if let i = fields.firstIndex(where: { $0.0 == k }) {
                    fields[i].1 = merge(fields[i].1, v)
                    previous = i
                } else {
                    fields.insert((k, v), at: previous + 1)
                    previous += 1
                }
            }
            return .object(fields)
        case (.dataKeyed(let x), .dataKeyed(let y)): return .dataKeyed(merge(x, y))
        case (.dateKeyed(let k, let x), .dateKeyed(_, let y)): return .dateKeyed(k, merge(x, y))
        case (.siteKeyed(let k, let x), .siteKeyed(_, let y)): return .siteKeyed(k, merge(x, y))
        case (.oneOf(let list), _): return .oneOf(add(b, to: list))
        case (_, .oneOf(let list)): return .oneOf(add(a, to: list))
        default:
            if a.kind == b.kind { return a }
            return .oneOf(add(b, to: [a]))
        }
    }

    private static func add(_ s: AnswerShape, to list: [AnswerShape]) -> [AnswerShape] {
        if case .oneOf(let more) = s { return more.reduce(list) { add($1, to: $0) } }
        var out = list
        if let i = out.firstIndex(where: { $0.kind == s.kind }) { out[i] = merge(out[i], s) } else { out.append(s) }
        return out.sorted { $0.kind < $1.kind }
    }
}

/// Differences between the real server's shape and the fake's, each with its path. `optionalKeys`:
/// row keys that appear only when the data has them (a row's `goals` when it converted); they may be
/// missing on either side, never of a different shape.
public func shapeDifferences(real: AnswerShape, fake: AnswerShape, path: String = "$", optionalKeys: Set<String> = []) -> [String] {
    switch (real, fake) {
    case (.object(let r), .object(let f)):
        var out: [String] = []
        let rk = r.map(\.0), fk = f.map(\.0)
        for k in rk where !fk.contains(k) && !optionalKeys.contains(k) { out.append("\(path): key \(k) missing in the fake") }
        for k in fk where !rk.contains(k) && !optionalKeys.contains(k) { out.append("\(path): key \(k) only in the fake") }
        // Optional keys are left out of the order: in a union of rows their place depends on which
        // rows came first (a converted row before a social one, or after), not on the layout.
        let common = rk.filter { fk.contains($0) && !optionalKeys.contains($0) }
        let fakeOrder = fk.filter { rk.contains($0) && !optionalKeys.contains($0) }
        if common != fakeOrder { out.append("\(path): key order \(common) real, \(fakeOrder) fake") }
        for (k, v) in r {
            if let w = f.first(where: { $0.0 == k })?.1 {
                out += shapeDifferences(real: v, fake: w, path: path + "." + k, optionalKeys: optionalKeys)
            }
        }
        return out
    case (.typed(let r), .typed(let f)):
        // A type on one side only is data (no event in these visits); a shared type must agree.
        return r.flatMap { t, shape in
            f.first { $0.0 == t }.map { shapeDifferences(real: shape, fake: $0.1, path: path + "[type=\(t)]", optionalKeys: optionalKeys) } ?? []
        }
    case (.list(let r), .list(let f)), (.dataKeyed(let r), .dataKeyed(let f)):
        return shapeDifferences(real: r, fake: f, path: path + "[]", optionalKeys: optionalKeys)
    case (.dateKeyed(let rk, let r), .dateKeyed(let fk, let f)), (.siteKeyed(let rk, let r), .siteKeyed(let fk, let f)):
        var out: [String] = []
        if rk != fk { out.append("\(path): keys \(rk.first ?? "")..\(rk.last ?? "") (\(rk.count)) real, \(fk.first ?? "")..\(fk.last ?? "") (\(fk.count)) fake") }
        return out + shapeDifferences(real: r, fake: f, path: path + "{}", optionalKeys: optionalKeys)
    case (.oneOf(let r), .oneOf(let f)):
        var out: [String] = []
        for s in r { if let t = f.first(where: { $0.kind == s.kind }) { out += shapeDifferences(real: s, fake: t, path: path, optionalKeys: optionalKeys) } }
        let rk = Set(r.map(\.kind)).subtracting(["[]", "null"]), fk = Set(f.map(\.kind)).subtracting(["[]", "null"])
        if rk != fk { out.append("\(path): kinds \(rk.sorted()) real, \(fk.sorted()) fake") }
        return out
    // A day (or row list) that is empty on one side only, a value that is null on one side only
    // (a visit without a referrer URL): data, not shape.
    case (.oneOf(let r), _) where r.filter({ !["[]", "null"].contains($0.kind) }).count <= 1:
        guard let value = r.first(where: { !["[]", "null"].contains($0.kind) }) else { return [] }
        return shapeDifferences(real: value, fake: fake, path: path, optionalKeys: optionalKeys)
    case (_, .oneOf(let f)) where f.filter({ !["[]", "null"].contains($0.kind) }).count <= 1:
        guard let value = f.first(where: { !["[]", "null"].contains($0.kind) }) else { return [] }
        return shapeDifferences(real: real, fake: value, path: path, optionalKeys: optionalKeys)
    case (.emptyArray, .list), (.list, .emptyArray), (.emptyArray, .typed), (.typed, .emptyArray), (.null, _), (_, .null):
        return []
    // A day of a date-keyed answer: `[]` is a day without data, an object a day with some.
    case (.emptyArray, .object) where path.hasSuffix("{}"), (.object, .emptyArray) where path.hasSuffix("{}"):
        return []
    // The variations real Matomo itself shows.
    case (.number, .numericString), (.numericString, .number), (.numericString, .string), (.string, .numericString):
        return []
    default:
        return real == fake ? [] : ["\(path): \(real) real, \(fake) fake"]
    }
}

/// A JSON object with its key order (JSONSerialization's dictionaries lose it).
public struct OrderedObject {
    public var fields: [(String, Any)]
}

/// Parses JSON keeping the order of object keys.
public enum OrderedJSON {
    public static func parse(_ data: Data) throws -> Any {
        var p = Parser(bytes: Array(data))
        let v = try p.value()
        p.space()
        guard p.i == p.bytes.count else { throw ParseError(position: p.i) }
        return v
    }

    public struct ParseError: Error { public var position: Int }

    private struct Parser {
        let bytes: [UInt8]
        var i = 0
        init(bytes: [UInt8]) { self.bytes = bytes }

        mutating func space() { while i < bytes.count, [0x20, 0x0A, 0x0D, 0x09].contains(bytes[i]) { i += 1 } }

        mutating func value() throws -> Any {
            space()
            guard i < bytes.count else { throw ParseError(position: i) }
            switch bytes[i] {
            case UInt8(ascii: "{"):
                i += 1
                var fields: [(String, Any)] = []
                space()
                if i < bytes.count, bytes[i] == UInt8(ascii: "}") { i += 1; return OrderedObject(fields: fields) }
                while true {
                    space()
                    guard let key = try value() as? String else { throw ParseError(position: i) }
                    space()
                    guard i < bytes.count, bytes[i] == UInt8(ascii: ":") else { throw ParseError(position: i) }
                    i += 1
                    fields.append((key, try value()))
                    space()
                    guard i < bytes.count else { throw ParseError(position: i) }
                    if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
                    if bytes[i] == UInt8(ascii: "}") { i += 1; return OrderedObject(fields: fields) }
                    throw ParseError(position: i)
                }
            case UInt8(ascii: "["):
                i += 1
                var items: [Any] = []
                space()
                if i < bytes.count, bytes[i] == UInt8(ascii: "]") { i += 1; return items }
                while true {
                    items.append(try value())
                    space()
                    guard i < bytes.count else { throw ParseError(position: i) }
                    if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
                    if bytes[i] == UInt8(ascii: "]") { i += 1; return items }
                    throw ParseError(position: i)
                }
            default:
                // Scalars: let JSONSerialization read the literal.
                let start = i
                if bytes[i] == UInt8(ascii: "\"") {
                    i += 1
                    while i < bytes.count, bytes[i] != UInt8(ascii: "\"") { i += bytes[i] == UInt8(ascii: "\\") ? 2 : 1 }
                    i += 1
                } else {
                    while i < bytes.count, !",]} \n\r\t".utf8.contains(bytes[i]) { i += 1 }
                }
                let literal = Data(bytes[start..<min(i, bytes.count)])
                let v = try JSONSerialization.jsonObject(with: literal, options: [.fragmentsAllowed])
                if let n = v as? NSNumber, literal.first == UInt8(ascii: "t") || literal.first == UInt8(ascii: "f") {
                    return n.boolValue ? BoolMarker.yes : BoolMarker.no
                }
                return v
            }
        }
    }
}

public enum BoolMarker: Sendable { case yes, no }


extension AnswerShape {
    /// Row keys that come with the data, not the layout, left out of every comparison of the fake with
    /// real Matomo (the samples and the conformance suite's live server alike): a row's goal columns
    /// exist only when it converted, the ecommerce and event fields only on visits that have them.
    public static let dataDependentKeys: Set<String> = [
        "goals", "nb_conversions", "revenue",
        // Product page views (an action with `_pkn`/`_pks`), which the fake does not generate.
        "productViewPrice", "productViewName", "productViewSku", "productViewCategories",
        // An event has `eventValue` only when it was tracked with one (`e_v`).
        "eventValue",
        // An ecommerce order's goal entry (`idgoal=ecommerceOrder`) carries these; the fake tracks no orders.
        "revenue_subtotal", "revenue_tax", "revenue_shipping", "revenue_discount", "items",
        // A page's hits that followed a site search: only pages that had some.
        "nb_hits_following_search",
    ]
}

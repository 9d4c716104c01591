/// Request parameters from the query string and the form-encoded POST body, as PHP sees them
/// (`$_GET`, `$_POST`): the last duplicate wins, and here body values win over query values.
struct RequestParams: Sendable {
    var query: [(String, String)]
    var body: [(String, String)]

    init(query: [(String, String)], body: [(String, String)] = []) {
        self.query = query
        self.body = body
    }

    subscript(name: String) -> String? {
        if let v = body.last(where: { $0.0 == name })?.1 { return v }
        return query.last(where: { $0.0 == name })?.1
    }

    func bodyValue(_ name: String) -> String? { body.last(where: { $0.0 == name })?.1 }
    func queryValue(_ name: String) -> String? { query.last(where: { $0.0 == name })?.1 }

    /// A required API parameter: Matomo's Proxy refuses a call that lacks one.
    func require(_ name: String) throws(MatomoError) -> String {
        guard let v = self[name], !v.isEmpty else { throw .missingParameter(name) }
        return v
    }

    /// `urls[0]`, `urls[1]`, ... (or `urls[]`) in index order, from the body if it has any, else the query.
    var bulkURLs: [String] {
        func collect(_ pairs: [(String, String)]) -> [String] {
            var indexed: [(Int, Int, String)] = []
            for (position, (k, v)) in pairs.enumerated() where k.hasPrefix("urls[") && k.hasSuffix("]") {
                let inner = k.dropFirst(5).dropLast()
                indexed.append((Int(inner) ?? Int.max, position, v))
            }
            return indexed.sorted { ($0.0, $0.1) < ($1.0, $1.1) }.map(\.2)
        }
        let fromBody = collect(body)
        return fromBody.isEmpty ? collect(query) : fromBody
    }

    var dictionaryQuery: [String: String] { Dictionary(query, uniquingKeysWith: { _, last in last }) }
    var dictionaryBody: [String: String] { Dictionary(body, uniquingKeysWith: { _, last in last }) }
}

/// Decodes `a=1&b=x+y&c=%2F` (application/x-www-form-urlencoded and query strings).
func decodeForm(_ s: Substring) -> [(String, String)] {
    var out: [(String, String)] = []
    for part in s.split(separator: "&", omittingEmptySubsequences: true) {
        if let eq = part.firstIndex(of: "=") {
            out.append((percentDecode(part[..<eq]), percentDecode(part[part.index(after: eq)...])))
        } else {
            out.append((percentDecode(part), ""))
        }
    }
    return out
}

func percentDecode(_ s: Substring) -> String {
    var bytes: [UInt8] = []
    bytes.reserveCapacity(s.utf8.count)
    var it = Array(s.utf8)[...]
    func hex(_ b: UInt8) -> UInt8? {
        switch b {
        case 48...57: return b - 48
        case 65...70: return b - 55
        case 97...102: return b - 87
        default: return nil
        }
    }
    while let b = it.first {
        it = it.dropFirst()
        if b == UInt8(ascii: "+") {
            bytes.append(UInt8(ascii: " "))
        } else if b == UInt8(ascii: "%"), it.count >= 2, let h = hex(it[it.startIndex]), let l = hex(it[it.startIndex + 1]) {
            bytes.append(h << 4 | l)
            it = it.dropFirst(2)
        } else {
            bytes.append(b)
        }
    }
    return String(decoding: bytes, as: UTF8.self)
}

/// PHP's urlencode (spaces as "+"), used in Matomo's `segment` values.
func phpURLEncode(_ s: String) -> String {
    var out = ""
    for b in s.utf8 {
        switch b {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."):
            out.unicodeScalars.append(Unicode.Scalar(b))
        case UInt8(ascii: " "):
            out.append("+")
        default:
            let digits = Array("0123456789ABCDEF".unicodeScalars)
            out.append("%")
            out.unicodeScalars.append(digits[Int(b >> 4)])
            out.unicodeScalars.append(digits[Int(b & 0xF)])
        }
    }
    return out
}

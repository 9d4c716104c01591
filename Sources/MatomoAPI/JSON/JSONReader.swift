import Foundation

/// What kind of value starts at the reader's position.
public enum JSONKind: Sendable, Equatable {
    case object, array, string, number, bool, null
}

/// Why a body could not be read as JSON, with the byte offset for the message.
public struct JSONReadError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var offset: Int
    public var description: String { "invalid JSON at byte \(offset): \(message)" }
}

/// A pull parser over a UTF-8 buffer. The caller, who knows the shape of each Matomo answer,
/// walks it (`readObject`, `readArray`, `readRow`) and nothing is materialised that it does not ask for.
/// Nesting is walked iteratively when skipped, so hostile, deeply nested bodies cannot overflow the stack.
public struct JSONReader {
    @usableFromInline let bytes: [UInt8]
    @usableFromInline var pos: Int
    /// Keys of the last row read, by position: rows of one answer repeat them, and reusing the String
    /// saves an allocation for each key longer than 15 bytes.
    private var recentKeys: [String] = []

    public init(_ bytes: [UInt8]) {
        self.bytes = bytes
        self.pos = 0
    }

    /// Maximum nesting accepted inside a raw value, far above anything Matomo sends.
    public static let maxDepth = 512

    // MARK: Structure

    public mutating func peek() throws -> JSONKind {
        skipWhitespace()
        guard pos < bytes.count else { throw error("unexpected end of body") }
        switch bytes[pos] {
        case UInt8(ascii: "{"): return .object
        case UInt8(ascii: "["): return .array
        case UInt8(ascii: "\""): return .string
        case UInt8(ascii: "t"), UInt8(ascii: "f"): return .bool
        case UInt8(ascii: "n"): return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number
        default: throw error("unexpected character \(printable(bytes[pos]))")
        }
    }

    /// Calls `body` with each key; `body` must consume the key's value.
    public mutating func readObject(_ body: (inout JSONReader, String) throws -> Void) throws {
        try expect(UInt8(ascii: "{"))
        skipWhitespace()
        if consume(UInt8(ascii: "}")) { return }
        while true {
            skipWhitespace()
            let key = try readString()
            skipWhitespace()
            try expect(UInt8(ascii: ":"))
            let before = pos
            try body(&self, key)
            if pos == before { try skipValue() }
            skipWhitespace()
            if consume(UInt8(ascii: ",")) { continue }
            try expect(UInt8(ascii: "}"))
            return
        }
    }

    /// Calls `body` for each element; `body` must consume the element.
    public mutating func readArray(_ body: (inout JSONReader) throws -> Void) throws {
        try expect(UInt8(ascii: "["))
        skipWhitespace()
        if consume(UInt8(ascii: "]")) { return }
        while true {
            let before = pos
            try body(&self)
            if pos == before { try skipValue() }
            skipWhitespace()
            if consume(UInt8(ascii: ",")) { continue }
            try expect(UInt8(ascii: "]"))
            return
        }
    }

    /// An object as ordered fields, scalars decoded and nested values kept raw.
    public mutating func readRow() throws -> JSONRow {
        var row: JSONRow = []
        row.reserveCapacity(max(16, recentKeys.count))
        try expect(UInt8(ascii: "{"))
        skipWhitespace()
        if consume(UInt8(ascii: "}")) { return row }
        while true {
            skipWhitespace()
            let key = try readKey(at: row.count)
            skipWhitespace()
            try expect(UInt8(ascii: ":"))
            row.append((key, try readField()))
            skipWhitespace()
            if consume(UInt8(ascii: ",")) { continue }
            try expect(UInt8(ascii: "}"))
            return row
        }
    }

    /// A key, reused from the previous row's key at the same position when the bytes are the same.
    private mutating func readKey(at position: Int) throws -> String {
        if position < recentKeys.count, pos < bytes.count, bytes[pos] == UInt8(ascii: "\"") {
            var known = recentKeys[position]
            let start = pos + 1
            let length = known.utf8.count
            let matches = length > 0 && start + length < bytes.count && bytes[start + length] == UInt8(ascii: "\"")
                && known.withUTF8 { k in bytes.withUnsafeBufferPointer { b in memcmp(b.baseAddress! + start, k.baseAddress!, length) == 0 } }
            if matches {
                pos = start + length + 1
                return known
            }
        }
        let key = try readString()
        // Only keys without escapes can be recognised by their bytes.
        let reusable = !key.utf8.contains { $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") } ? key : ""
        if position < recentKeys.count { recentKeys[position] = reusable } else if position == recentKeys.count { recentKeys.append(reusable) }
        return key
    }

    /// Any value: scalars decoded, arrays and objects as raw text.
    public mutating func readField() throws -> JSONField {
        switch try peek() {
        case .object, .array: return .json(try readRaw())
        case .string: return .string(try readString())
        case .number: return try readNumber()
        case .bool:
            if match("true") { return .bool(true) }
            if match("false") { return .bool(false) }
            throw error("invalid literal")
        case .null:
            if match("null") { return .null }
            throw error("invalid literal")
        }
    }

    /// Checks that only whitespace is left.
    public mutating func expectEnd() throws {
        skipWhitespace()
        if pos != bytes.count { throw error("trailing characters after the value") }
    }

    // MARK: Scalars

    public mutating func readString() throws -> String {
        skipWhitespace()
        try expect(UInt8(ascii: "\""))
        let start = pos
        // Fast path: no escapes, one copy.
        let stop = bytes.withUnsafeBufferPointer { b -> Int in
            var i = start
            while i < b.count {
                let c = b[i]
                // NUL goes the slow way, where it becomes U+FFFD.
                if c == UInt8(ascii: "\"") || c == UInt8(ascii: "\\") || c == 0 { break }
                i += 1
            }
            return i
        }
        pos = stop
        if pos < bytes.count, bytes[pos] == UInt8(ascii: "\"") {
            let s = bytes.withUnsafeBufferPointer { b in
                String(decoding: UnsafeBufferPointer(rebasing: b[start..<stop]), as: UTF8.self)
            }
            pos += 1
            return s
        }
        guard pos < bytes.count else { throw error("unterminated string") }
        var out = [UInt8](bytes[start..<pos])
        while pos < bytes.count {
            let c = bytes[pos]
            if c == UInt8(ascii: "\"") {
                pos += 1
                return String(decoding: out, as: UTF8.self)
            }
            if c != UInt8(ascii: "\\") {
                if c == 0 { appendScalar(0xFFFD, to: &out) } else { out.append(c) }
                pos += 1
                continue
            }
            pos += 1
            guard pos < bytes.count else { break }
            let e = bytes[pos]
            pos += 1
            switch e {
            case UInt8(ascii: "\""): out.append(UInt8(ascii: "\""))
            case UInt8(ascii: "\\"): out.append(UInt8(ascii: "\\"))
            case UInt8(ascii: "/"): out.append(UInt8(ascii: "/"))
            case UInt8(ascii: "b"): out.append(8)
            case UInt8(ascii: "f"): out.append(12)
            case UInt8(ascii: "n"): out.append(10)
            case UInt8(ascii: "r"): out.append(13)
            case UInt8(ascii: "t"): out.append(9)
            case UInt8(ascii: "u"):
                var scalar = try readHex4()
                if (0xD800..<0xDC00).contains(scalar), match("\\u") {
                    let low = try readHex4()
                    if (0xDC00..<0xE000).contains(low) {
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    } else {
                        appendScalar(0xFFFD, to: &out)
                        scalar = low
                    }
                }
                // NUL cannot be stored in SQLite or PostgreSQL text; it becomes U+FFFD.
                appendScalar(scalar == 0 ? 0xFFFD : scalar, to: &out)
            default: throw error("invalid escape \\\(printable(e))")
            }
        }
        throw error("unterminated string")
    }

    public mutating func readNumber() throws -> JSONField {
        skipWhitespace()
        let start = pos
        var isInteger = true
        if pos < bytes.count, bytes[pos] == UInt8(ascii: "-") { pos += 1 }
        let digitsStart = pos
        while pos < bytes.count {
            let c = bytes[pos]
            if c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") {
                pos += 1
            } else if c == UInt8(ascii: ".") || c == UInt8(ascii: "e") || c == UInt8(ascii: "E")
                || c == UInt8(ascii: "+") || c == UInt8(ascii: "-") {
                isInteger = false
                pos += 1
            } else {
                break
            }
        }
        guard pos > digitsStart else { throw error("invalid number") }
        if isInteger, pos - digitsStart <= 18 {
            // Up to 18 digits always fits in Int64: no String needed.
            var v: Int64 = 0
            for i in digitsStart..<pos {
                let d = bytes[i] &- UInt8(ascii: "0")
                guard d <= 9 else { throw error("invalid number") }
                v = v &* 10 &+ Int64(d)
            }
            return .int(bytes[start] == UInt8(ascii: "-") ? -v : v)
        }
        let text = String(decoding: bytes[start..<pos], as: UTF8.self)
        if isInteger {
            if let i = Int64(text) { return .int(i) }
            return .bigNumber(text)
        }
        guard let d = Double(text) else { throw error("invalid number \(text)") }
        return .double(d)
    }

    // MARK: Raw values

    /// The next value verbatim, as text.
    public mutating func readRaw() throws -> String {
        skipWhitespace()
        let start = pos
        try skipValue()
        return String(decoding: bytes[start..<pos], as: UTF8.self)
    }

    /// Skips one value of any kind, checking its grammar, without recursion.
    public mutating func skipValue() throws {
        var stack: [Bool] = []  // true: inside an object
        while true {
            // A value starts here.
            skipWhitespace()
            guard pos < bytes.count else { throw error("unexpected end of body") }
            let c = bytes[pos]
            var finished = true
            switch c {
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                let isObject = c == UInt8(ascii: "{")
                pos += 1
                skipWhitespace()
                if consume(isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")) { break }
                stack.append(isObject)
                if stack.count > Self.maxDepth { throw error("nesting deeper than \(Self.maxDepth)") }
                if isObject { try skipKey() }
                finished = false
            case UInt8(ascii: "\""):
                try skipString()
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "t"), UInt8(ascii: "f"), UInt8(ascii: "n"):
                // Numbers and literals: checked by shape only, they are kept verbatim.
                pos += 1
                scalar: while pos < bytes.count {
                    switch bytes[pos] {
                    case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                        UInt8(ascii: "."), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "E"):
                        pos += 1
                    default:
                        break scalar
                    }
                }
            default:
                throw error("unexpected character \(printable(c))")
            }
            guard finished else { continue }
            // After a value: close containers or move to the next element.
            while let isObject = stack.last {
                skipWhitespace()
                guard pos < bytes.count else { throw error("unexpected end of body") }
                let d = bytes[pos]
                pos += 1
                if d == UInt8(ascii: ",") {
                    if isObject { try skipKey() }
                    break
                }
                guard d == (isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")) else {
                    pos -= 1
                    throw error("expected ',' or '\(isObject ? "}" : "]")', found \(printable(d))")
                }
                stack.removeLast()
            }
            if stack.isEmpty { return }
        }
    }

    private mutating func skipKey() throws {
        skipWhitespace()
        guard pos < bytes.count, bytes[pos] == UInt8(ascii: "\"") else { throw error("expected a key") }
        try skipString()
        try expect(UInt8(ascii: ":"))
    }

    // MARK: Helpers

    @inline(__always)
    mutating func skipWhitespace() {
        while pos < bytes.count {
            switch bytes[pos] {
            case 0x20, 0x0A, 0x0D, 0x09: pos += 1
            default: return
            }
        }
    }

    mutating func skipString() throws {
        let end = bytes.withUnsafeBufferPointer { b -> Int? in
            var i = pos + 1
            while i < b.count {
                let c = b[i]
                if c == UInt8(ascii: "\"") { return i + 1 }
                i += c == UInt8(ascii: "\\") ? 2 : 1
            }
            return nil
        }
        guard let end else {
            pos = bytes.count
            throw error("unterminated string")
        }
        pos = end
    }

    mutating func expect(_ c: UInt8) throws {
        skipWhitespace()
        guard pos < bytes.count, bytes[pos] == c else {
            if pos >= bytes.count { throw error("unexpected end of body, expected \(printable(c))") }
            throw error("expected \(printable(c)), found \(printable(bytes[pos]))")
        }
        pos += 1
    }

    mutating func consume(_ c: UInt8) -> Bool {
        if pos < bytes.count, bytes[pos] == c { pos += 1; return true }
        return false
    }

    mutating func match(_ literal: StaticString) -> Bool {
        let n = literal.utf8CodeUnitCount
        guard pos + n <= bytes.count else { return false }
        let p = literal.utf8Start
        for i in 0..<n where bytes[pos + i] != p[i] { return false }
        pos += n
        return true
    }

    mutating func readHex4() throws -> UInt32 {
        guard pos + 4 <= bytes.count else { throw error("short \\u escape") }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let c = bytes[pos]
            let d: UInt32
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): d = UInt32(c - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): d = UInt32(c - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): d = UInt32(c - UInt8(ascii: "A") + 10)
            default: throw error("invalid \\u escape")
            }
            v = v << 4 | d
            pos += 1
        }
        return v
    }

    func appendScalar(_ value: UInt32, to out: inout [UInt8]) {
        let scalar = Unicode.Scalar(value) ?? "\u{FFFD}"
        out.append(contentsOf: Array(String(Character(scalar)).utf8))
    }

    func printable(_ c: UInt8) -> String {
        (0x21...0x7E).contains(c) ? "'\(Character(Unicode.Scalar(c)))'" : String(format: "0x%02X", c)
    }

    func error(_ message: String) -> JSONReadError {
        JSONReadError(message: message, offset: pos)
    }
}

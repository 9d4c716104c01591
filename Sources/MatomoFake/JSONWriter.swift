/// Writes JSON straight into bytes, keys in the order they are written, strings escaped like PHP's
/// `json_encode` defaults (`/` as `\/`, non-ASCII as `\uXXXX`), because field order and speed matter:
/// the benchmark renders ~100k visits.
struct JSONWriter {
    var bytes: [UInt8] = []
    /// Old-server mode: integers written as JSON strings.
    var intsAsStrings = false
    private var needsComma = false

    init(capacity: Int = 1024, intsAsStrings: Bool = false) {
        bytes.reserveCapacity(capacity)
        self.intsAsStrings = intsAsStrings
    }

    @inline(__always) private mutating func separator() {
        if needsComma { bytes.append(UInt8(ascii: ",")) }
    }

    mutating func beginObject() { separator(); bytes.append(UInt8(ascii: "{")); needsComma = false }
    mutating func endObject() { bytes.append(UInt8(ascii: "}")); needsComma = true }
    mutating func beginArray() { separator(); bytes.append(UInt8(ascii: "[")); needsComma = false }
    mutating func endArray() { bytes.append(UInt8(ascii: "]")); needsComma = true }
    /// `[]`: what PHP's json_encode gives for an empty array, used by Matomo for empty tables.
    mutating func emptyArray() { separator(); bytes.append(UInt8(ascii: "[")); bytes.append(UInt8(ascii: "]")); needsComma = true }

    /// A key known at compile time (ASCII, nothing to escape).
    mutating func key(_ k: StaticString) {
        separator()
        bytes.append(UInt8(ascii: "\""))
        k.withUTF8Buffer { bytes.append(contentsOf: $0) }
        bytes.append(UInt8(ascii: "\""))
        bytes.append(UInt8(ascii: ":"))
        needsComma = false
    }

    /// A key from data (escaped).
    mutating func key(_ k: String) {
        separator()
        appendEscaped(k)
        bytes.append(UInt8(ascii: ":"))
        needsComma = false
    }

    mutating func string(_ s: String) {
        separator()
        appendEscaped(s)
        needsComma = true
    }

    mutating func string(_ s: StaticString) {
        separator()
        bytes.append(UInt8(ascii: "\""))
        s.withUTF8Buffer { bytes.append(contentsOf: $0) }
        bytes.append(UInt8(ascii: "\""))
        needsComma = true
    }

    mutating func stringOrNull(_ s: String?) {
        if let s { string(s) } else { null() }
    }

    mutating func null() {
        separator()
        bytes.append(contentsOf: [0x6E, 0x75, 0x6C, 0x6C])
        needsComma = true
    }

    /// An integer; a string in old-server mode.
    mutating func int(_ v: Int) {
        separator()
        if intsAsStrings { bytes.append(UInt8(ascii: "\"")) }
        appendDigits(v)
        if intsAsStrings { bytes.append(UInt8(ascii: "\"")) }
        needsComma = true
    }

    /// An integer that Matomo sends as a string whatever the server (e.g. `"visitServerHour":"6"`).
    mutating func intString(_ v: Int) {
        separator()
        bytes.append(UInt8(ascii: "\""))
        appendDigits(v)
        bytes.append(UInt8(ascii: "\""))
        needsComma = true
    }

    /// A float as PHP prints it: integral values without a fraction, others shortest round-trip.
    mutating func double(_ v: Double) {
        separator()
        if v.isFinite, v == v.rounded(), abs(v) < 1e15 {
            appendDigits(Int(v))
        } else if v.isFinite {
            bytes.append(contentsOf: Array(v.description.utf8))
        } else {
            bytes.append(UInt8(ascii: "0"))
        }
        needsComma = true
    }

    /// Already-encoded JSON (a bulk sub-answer).
    mutating func raw(_ json: [UInt8]) {
        separator()
        bytes.append(contentsOf: json)
        needsComma = true
    }

    private mutating func appendDigits(_ v: Int) {
        if v == 0 { bytes.append(UInt8(ascii: "0")); return }
        if v < 0 { bytes.append(UInt8(ascii: "-")) }
        var n = v.magnitude
        let start = bytes.count
        while n > 0 {
            bytes.append(UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: n % 10))
            n /= 10
        }
        bytes[start..<bytes.count].reverse()
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    /// 0: copy as is; 1: needs an escape (control chars, `"`, `\`, `/`); 2: start of a non-ASCII sequence.
    private static let escapeClass: [UInt8] = (0..<256).map { b in
        if b >= 0x80 { return 2 }
        if b < 0x20 || b == 0x22 || b == 0x5C || b == 0x2F { return 1 }
        return 0
    }

    private mutating func appendEscaped(_ s: String) {
        bytes.append(UInt8(ascii: "\""))
        var s = s
        s.withUTF8 { utf8 in
            let n = utf8.count
            var runStart = 0
            var i = 0
            while i < n {
                let b = utf8[i]
                let cls = Self.escapeClass[Int(b)]
                if cls == 0 { i += 1; continue }
                // Copy the plain run before this byte in one go.
                if runStart < i { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<i])) }
                if cls == 1 {
                    switch b {
                    case 0x22: bytes.append(0x5C); bytes.append(0x22)
                    case 0x5C: bytes.append(0x5C); bytes.append(0x5C)
                    case 0x2F: bytes.append(0x5C); bytes.append(0x2F)
                    case 0x08: bytes.append(0x5C); bytes.append(UInt8(ascii: "b"))
                    case 0x0C: bytes.append(0x5C); bytes.append(UInt8(ascii: "f"))
                    case 0x0A: bytes.append(0x5C); bytes.append(UInt8(ascii: "n"))
                    case 0x0D: bytes.append(0x5C); bytes.append(UInt8(ascii: "r"))
                    case 0x09: bytes.append(0x5C); bytes.append(UInt8(ascii: "t"))
                    default: appendUnicodeEscape(UInt16(b))
                    }
                    i += 1
                } else {
                    // Non-ASCII: decode the (valid, Swift guarantees it) UTF-8 sequence, write \uXXXX like PHP.
                    var scalar: UInt32
                    var length: Int
                    if b < 0xE0 { scalar = UInt32(b & 0x1F); length = 2 }
                    else if b < 0xF0 { scalar = UInt32(b & 0x0F); length = 3 }
                    else { scalar = UInt32(b & 0x07); length = 4 }
                    for k in 1..<length where i + k < n { scalar = scalar << 6 | UInt32(utf8[i + k] & 0x3F) }
                    if scalar >= 0x10000 {
                        // Outside the BMP: a UTF-16 surrogate pair, as PHP writes it.
                        let u = scalar - 0x10000
                        appendUnicodeEscape(UInt16(0xD800 + (u >> 10)))
                        appendUnicodeEscape(UInt16(0xDC00 + (u & 0x3FF)))
                    } else {
                        appendUnicodeEscape(UInt16(scalar))
                    }
                    i += length
                }
                runStart = i
            }
            if runStart < n { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<n])) }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    private mutating func appendUnicodeEscape(_ u: UInt16) {
        bytes.append(0x5C)
        bytes.append(UInt8(ascii: "u"))
        bytes.append(Self.hexDigits[Int(u >> 12) & 0xF])
        bytes.append(Self.hexDigits[Int(u >> 8) & 0xF])
        bytes.append(Self.hexDigits[Int(u >> 4) & 0xF])
        bytes.append(Self.hexDigits[Int(u) & 0xF])
    }
}

extension JSONWriter {
    /// `{"result":"error","message":"..."}`.
    static func error(_ message: String) -> [UInt8] {
        var w = JSONWriter(capacity: message.utf8.count + 40)
        w.beginObject()
        w.key("result"); w.string("error")
        w.key("message"); w.string(message)
        w.endObject()
        return w.bytes
    }
}

/// Date and time strings written straight into the buffer (no intermediate String): the Live
/// answer has a dozen of them per visit.
extension JSONWriter {
    private mutating func openString() {
        separator()
        bytes.append(UInt8(ascii: "\""))
    }

    private mutating func closeString() {
        bytes.append(UInt8(ascii: "\""))
        needsComma = true
    }

    private mutating func two(_ v: Int) {
        bytes.append(UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: v / 10 % 10))
        bytes.append(UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: v % 10))
    }

    private mutating func plain(_ v: Int) {
        if v >= 10 { plain(v / 10) }
        bytes.append(UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: v % 10))
    }

    private mutating func ascii(_ s: StaticString) {
        s.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    private mutating func ascii(_ s: String) {
        var s = s
        s.withUTF8 { bytes.append(contentsOf: $0) }
    }

    private mutating func ymdBody(_ day: Int) {
        let c = Civil.date(day)
        two(c.year / 100); two(c.year % 100)
        bytes.append(UInt8(ascii: "-")); two(c.month)
        bytes.append(UInt8(ascii: "-")); two(c.day)
    }

    private mutating func hmsBody(_ secondsOfDay: Int) {
        two(secondsOfDay / 3600)
        bytes.append(UInt8(ascii: ":")); two(secondsOfDay / 60 % 60)
        bytes.append(UInt8(ascii: ":")); two(secondsOfDay % 60)
    }

    /// "2026-11-17"
    mutating func ymd(_ day: Int) { openString(); ymdBody(day); closeString() }

    /// "07:18:35"
    mutating func hms(_ secondsOfDay: Int) { openString(); hmsBody(secondsOfDay); closeString() }

    /// "2026-11-17 06:18:35"
    mutating func dateTime(_ t: Int) {
        openString()
        ymdBody(floorDiv(t, 86_400))
        bytes.append(UInt8(ascii: " "))
        hmsBody(floorMod(t, 86_400))
        closeString()
    }

    /// "Tuesday, November 17, 2026"
    mutating func longDate(_ day: Int) {
        let c = Civil.date(day)
        openString()
        ascii(Fmt.weekdayNames[Civil.isoWeekday(day) - 1]); ascii(", ")
        ascii(Fmt.monthNames[c.month - 1]); bytes.append(UInt8(ascii: " "))
        plain(c.day); ascii(", "); plain(c.year)
        closeString()
    }

    /// "Nov 17, 2026 07:14:56" for local seconds.
    mutating func shortDateTime(_ local: Int) {
        let day = floorDiv(local, 86_400)
        let c = Civil.date(day)
        openString()
        ascii(Fmt.monthAbbr[c.month - 1]); bytes.append(UInt8(ascii: " "))
        plain(c.day); ascii(", "); plain(c.year); bytes.append(UInt8(ascii: " "))
        hmsBody(floorMod(local, 86_400))
        closeString()
    }
}

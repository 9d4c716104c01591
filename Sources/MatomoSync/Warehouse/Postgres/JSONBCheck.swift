/// A strict JSON check, by JSONB's rules: RFC 8259 grammar (our reader keeps nested values after a
/// lenient walk), no raw control character in a string, and no `\u0000` or unpaired surrogate
/// escape, which JSON allows but JSONB refuses. One pass, no allocation beyond a small stack.
enum JSONBCheck {
    static func accepts(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
        var i = 0
        var stack: [UInt8] = []  // "{" or "["
        func space() { while i < b.count, b[i] == 0x20 || b[i] == 0x0A || b[i] == 0x0D || b[i] == 0x09 { i += 1 } }
        func digits() -> Bool {
            let start = i
            while i < b.count, b[i] >= 0x30, b[i] <= 0x39 { i += 1 }
            return i > start
        }
        func literal(_ word: StaticString) -> Bool {
            let n = word.utf8CodeUnitCount
            guard i + n <= b.count else { return false }
            for k in 0..<n where b[i + k] != word.utf8Start[k] { return false }
            i += n
            return true
        }
        func hex4() -> UInt16? {
            guard i + 4 <= b.count else { return nil }
            var v: UInt16 = 0
            for _ in 0..<4 {
                let c = b[i]
                let d: UInt8
                switch c {
                case 0x30...0x39: d = c - 0x30
                case 0x61...0x66: d = c - 0x61 + 10
                case 0x41...0x46: d = c - 0x41 + 10
                default: return nil
                }
                v = v << 4 | UInt16(d)
                i += 1
            }
            return v
        }
        func string() -> Bool {
            i += 1  // opening quote
            var pendingHigh = false
            while i < b.count {
                let c = b[i]
                if c == 0x5C {
                    guard i + 1 < b.count else { return false }
                    let e = b[i + 1]
                    i += 2
                    if e == UInt8(ascii: "u") {
                        guard let unit = hex4(), unit != 0 else { return false }
                        switch unit {
                        case 0xD800...0xDBFF:
                            if pendingHigh { return false }
                            pendingHigh = true
                        case 0xDC00...0xDFFF:
                            if !pendingHigh { return false }
                            pendingHigh = false
                        default:
                            if pendingHigh { return false }
                        }
                        continue
                    }
                    if pendingHigh { return false }
                    switch e {
                    case 0x22, 0x5C, 0x2F, UInt8(ascii: "b"), UInt8(ascii: "f"), UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"): continue
                    default: return false
                    }
                }
                if pendingHigh || c < 0x20 { return false }
                i += 1
                if c == 0x22 { return true }
            }
            return false
        }
        func number() -> Bool {
            if b[i] == UInt8(ascii: "-") { i += 1 }
            guard i < b.count else { return false }
            if b[i] == 0x30 { i += 1 } else if !digits() { return false }
            if i < b.count, b[i] == UInt8(ascii: ".") {
                i += 1
                guard digits() else { return false }
            }
            if i < b.count, b[i] == UInt8(ascii: "e") || b[i] == UInt8(ascii: "E") {
                i += 1
                if i < b.count, b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") { i += 1 }
                guard digits() else { return false }
            }
            return true
        }
        while true {
            // A value starts here.
            space()
            guard i < b.count else { return false }
            switch b[i] {
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                let open = b[i]
                i += 1
                space()
                if i < b.count, b[i] == (open == UInt8(ascii: "{") ? UInt8(ascii: "}") : UInt8(ascii: "]")) {
                    i += 1
                } else {
                    guard stack.count < 4096 else { return false }
                    stack.append(open)
                    if open == UInt8(ascii: "{") {
                        guard i < b.count, b[i] == 0x22, string() else { return false }
                        space()
                        guard i < b.count, b[i] == UInt8(ascii: ":") else { return false }
                        i += 1
                    }
                    continue
                }
            case 0x22: guard string() else { return false }
            case UInt8(ascii: "t"): guard literal("true") else { return false }
            case UInt8(ascii: "f"): guard literal("false") else { return false }
            case UInt8(ascii: "n"): guard literal("null") else { return false }
            case UInt8(ascii: "-"), 0x30...0x39: guard number() else { return false }
            default: return false
            }
            // After a value: a comma (then a key in an object) or the closing brackets.
            while let open = stack.last {
                space()
                guard i < b.count else { return false }
                if b[i] == UInt8(ascii: ",") {
                    i += 1
                    if open == UInt8(ascii: "{") {
                        space()
                        guard i < b.count, b[i] == 0x22, string() else { return false }
                        space()
                        guard i < b.count, b[i] == UInt8(ascii: ":") else { return false }
                        i += 1
                    }
                    break
                }
                guard b[i] == (open == UInt8(ascii: "{") ? UInt8(ascii: "}") : UInt8(ascii: "]")) else { return false }
                i += 1
                stack.removeLast()
            }
            if stack.isEmpty {
                space()
                return i == b.count
            }
        }
    }
}

import MatomoAPI

/// Rows in the text format of `COPY ... FROM STDIN`: tab-separated columns, `\N` for NULL, one row
/// a line, backslash escapes for the bytes the format gives a meaning to. Built as bytes: a page of
/// visits is ~4 MB and this runs on every value of a load.
enum PostgresCopyText {
    /// Appends one row; `types` are the server's column types. Text that JSONB would refuse goes
    /// into a JSONB column as a JSON string, so one odd value cannot fail a load.
    static func appendRow(_ row: [Cell], types: [ColumnType], to out: inout [UInt8]) {
        for c in 0..<types.count {
            if c > 0 { out.append(0x09) }
            let cell = c < row.count ? row[c] : .null
            switch (cell, types[c]) {
            case (.null, _):
                out.append(0x5C); out.append(UInt8(ascii: "N"))
            case (.int(let i), _):
                ServerTypes.appendDecimal(i, to: &out)
            case (.real(let d), .json) where !d.isFinite:
                appendEscaped(RowShaper.jsonStringLiteral(String(d)), to: &out)
            case (.real(let d), _):
                appendEscaped(d.isNaN ? "NaN" : d == .infinity ? "Infinity" : d == -.infinity ? "-Infinity" : String(d), to: &out)
            case (.text(let s), .json):
                appendEscaped(PostgresTypes.jsonbAccepts(s) ? s : RowShaper.jsonStringLiteral(s), to: &out)
            case (.text(let s), _):
                appendEscaped(s, to: &out)
            }
        }
        out.append(0x0A)
    }

    /// Backslash, newline, carriage return and tab are the format's own; everything else goes as is.
    static func appendEscaped(_ s: String, to out: inout [UInt8]) {
        var s = s
        s.withUTF8 { bytes in
            var start = 0
            for (i, b) in bytes.enumerated() where b == 0x5C || b == 0x0A || b == 0x0D || b == 0x09 {
                out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<i]))
                out.append(0x5C)
                switch b {
                case 0x0A: out.append(UInt8(ascii: "n"))
                case 0x0D: out.append(UInt8(ascii: "r"))
                case 0x09: out.append(UInt8(ascii: "t"))
                default: out.append(0x5C)
                }
                start = i + 1
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start...]))
        }
    }
}

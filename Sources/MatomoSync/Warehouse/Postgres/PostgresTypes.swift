import MatomoAPI
import Foundation
import PostgresNIO

/// Column types in PostgreSQL, and what to do with a value that does not fit its column.
enum PostgresTypes {
    static func sqlType(_ type: ColumnType) -> String {
        switch type {
        case .integer: return "BIGINT"
        case .real: return "DOUBLE PRECISION"
        case .text: return "TEXT"
        case .json: return "JSONB"
        case .date: return "DATE"
        }
    }

    /// `information_schema.columns.data_type` to ours; anything else is treated as text.
    static func columnType(_ dataType: String) -> ColumnType {
        switch dataType {
        case "bigint", "integer", "smallint": return .integer
        case "double precision", "real", "numeric": return .real
        case "jsonb", "json": return .json
        case "date": return .date
        default: return .text
        }
    }

    /// Whether JSONB accepts the text (see `JSONBCheck`).
    static func jsonbAccepts(_ s: String) -> Bool {
        var s = s
        return s.withUTF8 { JSONBCheck.accepts($0) }
    }

    /// A result cell as ours, whatever its type.
    static func cell(_ c: PostgresCell) -> Cell {
        guard var bytes = c.bytes else { return .null }
        do {
            switch c.dataType {
            case .int2, .int4, .int8: return .int(try c.decode(Int64.self))
            case .float4, .float8: return .real(try c.decode(Double.self))
            case .numeric:
                // SUM(bigint) is NUMERIC: whole values read as integers, as in SQLite.
                let d = try c.decode(Decimal.self)
                let n = NSDecimalNumber(decimal: d)
                if Decimal(n.int64Value) == d { return .int(n.int64Value) }
                return .real(n.doubleValue)
            case .bool: return .int(try c.decode(Bool.self) ? 1 : 0)
            case .date:
                guard c.format == .binary, let days = bytes.readInteger(as: Int32.self) else { return .text(try c.decode(String.self)) }
                return .text(dateText(daysSince2000: Int(days)))
            case .timestamp, .timestamptz: return .text(Timestamps.iso(try c.decode(Date.self)))
            case .bytea: return .text("\\x" + (bytes.readBytes(length: bytes.readableBytes) ?? []).map { String(format: "%02x", $0) }.joined())
            default: return .text(try c.decode(String.self))
            }
        } catch {
            return .text(bytes.readString(length: bytes.readableBytes) ?? "")
        }
    }

    /// PostgreSQL's binary DATE: days since 2000-01-01.
    static func dateText(daysSince2000: Int) -> String {
        let seconds = TimeInterval(946_684_800 + daysSince2000 * 86400)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month, .day], from: Date(timeIntervalSince1970: seconds))
        return String(format: "%04d-%02d-%02d", c.year!, c.month!, c.day!)
    }
}

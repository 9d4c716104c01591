import Foundation
import MatomoAPI
import MatomoSync

/// Query results as an aligned table, CSV (RFC 4180) or JSON lines of objects.
enum TableFormatter {
    static func render(_ result: QueryResult, as format: QueryFormat) -> String {
        switch format {
        case .table:
            return aligned(columns: result.columns, rows: result.rows.map { $0.map(text) }) + "\n(\(counted(result.rows.count, "row")))"
        case .csv:
            let lines = [result.columns.map(csvField)] + result.rows.map { $0.map { csvField(text($0)) } }
            return lines.map { $0.joined(separator: ",") }.joined(separator: "\n")
        case .json:
            let objects = result.rows.map { row in
                "{" + zip(result.columns, row).map { "\(jsonString($0)):\(json($1))" }.joined(separator: ",") + "}"
            }
            return "[" + objects.joined(separator: ",\n ") + "]"
        }
    }

    static func aligned(columns: [String], rows: [[String]]) -> String {
        var widths = columns.map(\.count)
        for row in rows {
            for (i, v) in row.enumerated() where i < widths.count { widths[i] = max(widths[i], min(v.count, 60)) }
        }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { i, v in
                let cut = v.count > 60 ? String(v.prefix(59)) + "…" : v
                return cut.padding(toLength: widths[i], withPad: " ", startingAt: 0)
            }.joined(separator: "  ").trimmingCharacters(in: .whitespaces)
        }
        let rule = widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")
        return ([line(columns), rule] + rows.map(line)).joined(separator: "\n")
    }

    static func text(_ cell: Cell) -> String {
        switch cell {
        case .null: return ""
        case .int(let i): return String(i)
        case .real(let d): return d.rounded() == d && abs(d) < 1e15 ? String(format: "%.1f", d) : String(d)
        case .text(let s): return s.unicodeScalars.map { $0.value < 0x20 ? " " : String($0) }.joined()
        }
    }

    static func csvField(_ s: String) -> String {
        guard s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return s }
        return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    static func json(_ cell: Cell) -> String {
        switch cell {
        case .null: return "null"
        case .int(let i): return String(i)
        case .real(let d): return d.isFinite ? String(d) : "null"
        case .text(let s): return jsonString(s)
        }
    }

    static func jsonString(_ s: String) -> String { RowShaper.jsonStringLiteral(s) }
}

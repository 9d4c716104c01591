import Foundation
import MatomoSync

/// One table's result, from a `--log-format json` line of the sync.
struct TableLine {
    var table: String
    var rows: Int
    var requests: Int
    var seconds: Double

    static func parse(_ log: String) -> [TableLine] {
        log.split(separator: "\n").compactMap { line in
            guard let o = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  let table = o["table"] as? String, let requests = o["requests"] as? Int else { return nil }
            return TableLine(table: table, rows: o["rows"] as? Int ?? 0, requests: requests, seconds: o["seconds"] as? Double ?? 0)
        }
    }
}

/// One measured `matomo-sync sync` run.
struct RunResult {
    var name: String
    var cost: ChildCost
    /// Requests the fake received, by API method.
    var requests: [String: Int]
    /// Rows in the `visits` table afterwards.
    var visits: Int
    /// Each table's own line of the sync's JSON log: rows, requests, seconds.
    var tables: [TableLine] = []

    var totalRequests: Int { requests.values.reduce(0, +) }
    /// Requests of the report tables (every method of the catalog but the Live API) and the day counts.
    var aggregateRequests: Int {
        let methods = Set(TableCatalog.builtIn.specs.filter { $0.kind != .visitLog && !$0.method.isEmpty }.map(\.method) + ["API.getBulkRequest"])
        return methods.reduce(0) { $0 + (requests[$1] ?? 0) }
    }

    func describe() -> String {
        let methods = requests.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        return """
            \(name): \(String(format: "%.2f", cost.wall)) s wall, \(String(format: "%.2f", cost.cpu)) s CPU \
            (\(String(format: "%.2f", cost.cpuUser)) user + \(String(format: "%.2f", cost.cpuSystem)) sys), \
            peak RSS \(Summary.megabytes(cost.maxRSS)), \(visits.formatted()) visits stored
              requests: \(totalRequests) (\(methods))
              tables: \(tables.map { "\($0.table) \($0.requests) req \(String(format: "%.2f", $0.seconds)) s \($0.rows.formatted()) rows" }.joined(separator: "; "))
            """
    }
}

enum Summary {
    static func table(backfill: RunResult, incremental: RunResult, baseline: RunResult?) -> String {
        var rows = [["run", "requests", "reports + day counts", "wall s", "CPU s", "peak RSS", "visits/s (wall)", "visits/CPU s"]]
        func row(_ r: RunResult, visits: Int) -> [String] {
            [r.name, String(r.totalRequests), String(r.aggregateRequests), String(format: "%.2f", r.cost.wall),
             String(format: "%.2f", r.cost.cpu), megabytes(r.cost.maxRSS),
             visits == 0 ? "-" : String(Int(Double(visits) / r.cost.wall)),
             visits == 0 ? "-" : String(Int(Double(visits) / max(r.cost.cpu, 0.001)))]
        }
        rows.append(row(backfill, visits: backfill.visits))
        rows.append(row(incremental, visits: 0))
        if let baseline { rows.append(row(baseline, visits: baseline.visits)) }
        var out = "\n" + render(rows)
        if let baseline {
            out += String(format: "\nbackfill vs baseline: %.1fx shorter wall time, %.1fx fewer requests, %.1fx less CPU",
                          baseline.cost.wall / backfill.cost.wall,
                          Double(baseline.totalRequests) / Double(max(1, backfill.totalRequests)),
                          baseline.cost.cpu / max(backfill.cost.cpu, 0.001))
            if baseline.visits != backfill.visits {
                out += "\nWARNING: the baseline stored \(baseline.visits) visits, the segmented sync \(backfill.visits)"
            }
        }
        return out
    }

    static func render(_ rows: [[String]]) -> String {
        let widths = rows[0].indices.map { i in rows.map { $0[i].count }.max() ?? 0 }
        return rows.map { row in
            row.enumerated().map { i, cell in
                i == 0 ? cell.padding(toLength: widths[i], withPad: " ", startingAt: 0)
                    : String(repeating: " ", count: widths[i] - cell.count) + cell
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }

    static func megabytes(_ bytes: Int) -> String { String(format: "%.0f MB", Double(bytes) / 1_048_576) }

    static func seconds(_ d: Duration) -> String {
        String(format: "%.1f s", Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18)
    }
}

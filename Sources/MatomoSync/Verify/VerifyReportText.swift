import Foundation

/// How a verify reads: one line per table, then the differing days; or one JSON object for monitoring.
extension VerifyReport {
    /// The summary lines (one per table and site), then one line per differing day.
    public func lines() -> [String] {
        var out: [String] = []
        let width = max(5, tables.map { $0.physicalTable.count }.max() ?? 0)
        for t in tables {
            let name = t.physicalTable.padding(toLength: width, withPad: " ", startingAt: 0)
            guard let days = t.days else {
                out.append("\(name)  site \(t.siteId)  \(t.note ?? "not checked")")
                continue
            }
            var line = "\(name)  site \(t.siteId)  \(days.first)..\(days.last)  days checked \(t.daysChecked)  differing \(t.daysDiffering)  rows missing \(t.rowsMissing)  extra \(t.rowsExtra)"
            if t.daysRepaired > 0 { line += "  repaired \(t.daysRepaired)" }
            out.append(line)
        }
        for d in differences.sorted(by: { ($0.siteId, $0.table.rawValue, $0.day) < ($1.siteId, $1.table.rawValue, $1.day) }) {
            out.append(Self.describe(d))
        }
        return out
    }

    /// The closing line: what to do next.
    public var verdict: String {
        let days = differences.count
        if days == 0 { return "all checked days agree with Matomo (\(requests) requests)" }
        if clean { return "\(days) differing \(days == 1 ? "day" : "days") repaired; a verify now should find none (\(requests) requests)" }
        var parts: [String] = []
        let open = differences.filter { $0.warehouseDiffers && !$0.repaired }.count
        if open > 0 { parts.append("\(open) \(open == 1 ? "day differs" : "days differ"): verify --repair fetches them again") }
        let stale = differences.filter(\.staleArchive).count
        if stale > 0 { parts.append("\(stale) \(stale == 1 ? "day's" : "days'") Matomo archive is stale against its log: Matomo's archiving must run again first") }
        let extra = differences.reduce(0) { $0 + $1.extra.count }
        if extra > 0 { parts.append("\(extra) stored \(extra == 1 ? "row" : "rows") Matomo no longer has, kept (verify never deletes)") }
        return parts.joined(separator: "; ") + " (\(requests) requests)"
    }

    static func describe(_ d: DayDifference) -> String {
        var text = "\(d.table) site \(d.siteId) \(d.day): "
        if d.staleArchive {
            text += VerifyRules.staleArchiveAdvice(d)
            if d.missing.isEmpty && d.extra.isEmpty { return text + "; the warehouse holds the log" }
            text += "; "
        }
        var parts: [String] = []
        if d.log != nil {
            parts.append("stored \(d.stored), log \(d.log!)")
        } else {
            parts.append("stored \(d.stored) \(d.stored == 1 ? "row" : "rows"), Matomo \(d.matomo)")
        }
        if !d.missing.isEmpty { parts.append("\(d.missing.count) missing (\(sample(d.missing)))") }
        if !d.extra.isEmpty { parts.append("\(d.extra.count) not in Matomo, kept (\(sample(d.extra)))") }
        if !d.sumsDiffer.isEmpty { parts.append("sums differ: \(d.sumsDiffer.joined(separator: ", "))") }
        text += parts.joined(separator: ", ")
        if d.repaired { text += " [repaired]" }
        return text
    }

    private static func sample(_ keys: [String]) -> String {
        let shown = keys.prefix(5).map { $0.replacingOccurrences(of: "\u{1F}", with: " / ") }
        return shown.joined(separator: ", ") + (keys.count > 5 ? ", ..." : "")
    }

    /// One JSON object: `clean`, `requests`, `tables` (one per table and site) and `differences`.
    public func json() -> String {
        // The JSON string literal the rest of the project writes (status, ClickHouse loads).
        func s(_ v: String) -> String { RowShaper.jsonStringLiteral(v) }
        func list(_ v: [String]) -> String { "[" + v.map(s).joined(separator: ",") + "]" }
        let t = tables.map { t in
            "{\"table\":\(s(t.table.rawValue)),\"physical_table\":\(s(t.physicalTable)),\"site_id\":\(t.siteId),"
                + "\"first_day\":\(t.days.map { s($0.first.description) } ?? "null"),\"last_day\":\(t.days.map { s($0.last.description) } ?? "null"),"
                + "\"days_checked\":\(t.daysChecked),\"days_differing\":\(t.daysDiffering),\"rows_missing\":\(t.rowsMissing),"
                + "\"rows_extra\":\(t.rowsExtra),\"days_repaired\":\(t.daysRepaired),\"note\":\(t.note.map(s) ?? "null")}"
        }
        let d = differences.map { d in
            "{\"table\":\(s(d.table.rawValue)),\"site_id\":\(d.siteId),\"date\":\(s(d.day.description)),\"stored\":\(d.stored),"
                + "\"matomo\":\(d.matomo),\"log\":\(d.log.map(String.init) ?? "null"),\"missing\":\(list(d.missing)),\"extra\":\(list(d.extra)),"
                + "\"sums_differ\":\(list(d.sumsDiffer)),\"stale_archive\":\(d.staleArchive),\"repaired\":\(d.repaired),"
                + "\"advice\":\(d.staleArchive ? s(VerifyRules.staleArchiveAdvice(d)) : "null")}"
        }
        return "{\"clean\":\(clean),\"requests\":\(requests),\"tables\":[\(t.joined(separator: ","))],\"differences\":[\(d.joined(separator: ","))]}"
    }
}

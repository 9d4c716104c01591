import Foundation
import MatomoAPI
import MatomoSync

/// One line of the sources page: a table of a site of a source, with its state in words.
public struct TableRow: Encodable, Sendable {
    public var key: String
    public var sourceIndex: Int
    public var siteId: Int
    public var table: String
    /// `running`, `synced`, `failed`, `paused` or `queued` (never ran yet).
    public var state: String
    public var error: String
    public var rows: String
    public var rowCount: Int
    public var lastSuccess: String
    public var nextRun: String
    public var daysDone: Int
    public var daysTotal: Int
    public var days: String
    public var isRunning: Bool
    public var method: String
    public var frequency: String
    public var paused: Bool
    /// The table it is synced with (visit_actions: visits); empty otherwise.
    public var derived: String

    var values: [String: Any] {
        ["key": key, "sourceIndex": sourceIndex, "siteId": siteId, "table": table, "state": state, "error": error, "rows": rows,
         "lastSuccess": lastSuccess, "nextRun": nextRun, "daysDone": daysDone, "daysTotal": max(1, daysTotal), "days": days,
         "isRunning": isRunning, "method": method, "frequency": frequency, "paused": paused, "derived": derived]
    }
}

enum TableRows {
    static func sites(of source: SourceConfig, instance: String, statuses: [TableStatus]) -> [Int] {
        switch source.sites {
        case .ids(let ids): return ids
        case .all:
            let names = Set(source.catalog.names.map { source.tablePrefix + $0.rawValue })
            return Array(Set(statuses.filter { $0.instance == instance && names.contains($0.table) }.map(\.siteId))).sorted()
        }
    }

    /// Every table of every site of `source`, in catalog order.
    static func rows(source: SourceConfig, index: Int, statuses: [TableStatus], progress: LiveProgress,
                     redact: (String) -> String) -> [TableRow] {
        let instance = (try? InstanceURL(parsing: source.url).endpoint) ?? source.url
        var out: [TableRow] = []
        for site in sites(of: source, instance: instance, statuses: statuses) {
            for name in source.catalog.names {
                guard let plan = source.tables[name] else { continue }
                let physical = source.tablePrefix + name.rawValue
                let status = statuses.first { $0.instance == instance && $0.siteId == site && $0.table == physical }
                let spec = source.catalog.spec(name)
                let running = progress.running(source.tablePrefix + (spec?.derivedFrom ?? name).rawValue, siteId: site)
                let state: String
                if plan.paused {
                    state = "paused"
                } else if running != nil {
                    state = "running"
                } else if status?.state.lastError != nil {
                    state = "failed"
                } else if status?.state.lastSuccessAt != nil {
                    state = "synced"
                } else {
                    state = "queued"
                }
                let rowCount = status?.rows ?? 0
                out.append(TableRow(
                    key: "\(index)|\(site)|\(name.rawValue)", sourceIndex: index, siteId: site, table: name.rawValue, state: state,
                    error: state == "failed" ? redact(status?.state.lastError ?? "") : "",
                    rows: rowCount.formatted(), rowCount: rowCount,
                    lastSuccess: status?.state.lastSuccessAt ?? "never", nextRun: plan.paused ? "paused" : (status?.state.nextRunAt ?? "now"),
                    daysDone: running?.daysDone ?? 0, daysTotal: running?.daysTotal ?? 0,
                    days: running.map { "\($0.daysDone) of \($0.daysTotal) days" } ?? "",
                    isRunning: running != nil, method: Pages.methodLabel(plan.method), frequency: Pages.frequencyLabel(plan.every),
                    paused: plan.paused, derived: spec?.derivedFrom?.rawValue ?? ""))
            }
        }
        return out
    }

    static func sitesText(_ s: SourceConfig) -> String {
        switch s.sites {
        case .all: return "all sites"
        case .ids(let ids): return ids.count == 1 ? "site \(ids[0])" : "sites " + ids.map(String.init).joined(separator: ", ")
        }
    }
}

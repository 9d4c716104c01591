import Foundation
import MatomoSync
import Synchronization

/// Prints sync progress to stderr. On a terminal: a live line per table, rewritten in place, then a
/// summary line. Elsewhere (cron, systemd, containers): one line per table run, as text or JSON lines.
final class ProgressPrinter: SyncProgress {
    private let quiet: Bool
    private let format: LogFormat
    private let live: Bool
    private let lastDraw = Mutex<Date>(.distantPast)

    init(quiet: Bool, format: LogFormat = .text) {
        self.quiet = quiet
        self.format = format
        self.live = format == .text && isatty(STDERR_FILENO) == 1
    }

    func report(_ event: SyncEvent) {
        switch event {
        case .tableStarted:
            break
        case .progress(let table, let site, let done, let total, let rows):
            guard live, !quiet else { return }
            let now = Date()
            let draw = lastDraw.withLock { last -> Bool in
                guard now.timeIntervalSince(last) > 0.1 || done == total else { return false }
                last = now
                return true
            }
            if draw { write("\r\u{1B}[2K" + Self.bar(table.rawValue, site: site, done: done, total: total, rows: rows)) }
        case .tableFinished(let r):
            if quiet && r.error == nil { return }
            if live { write("\r\u{1B}[2K") }
            switch format {
            case .json: write(Self.json(r) + "\n")
            case .text: write(Self.text(r) + "\n")
            }
        }
    }

    /// A message of the run itself (start, stop).
    func line(_ text: String) {
        guard !quiet else { return }
        switch format {
        case .text: write(text + "\n")
        case .json: write("{\"time\":\(Self.quote(Timestamps.now())),\"message\":\(Self.quote(text))}\n")
        }
    }

    func finish(_ report: SyncReport, requests: Int, warehouse: String) {
        guard !quiet else { return }
        let rows = report.tables.reduce(0) { $0 + $1.rows }
        let ok = report.tables.filter(\.succeeded).count
        line("synced \(ok)/\(report.tables.count) tables, \(rows.formatted()) rows, \(requests) requests into \(warehouse)")
    }

    static func bar(_ table: String, site: Int, done: Int, total: Int, rows: Int) -> String {
        let width = 24
        let filled = total > 0 ? min(width, done * width / total) : 0
        return "\(pad(table)) [\(String(repeating: "=", count: filled))\(String(repeating: " ", count: width - filled))] \(done)/\(total) days  \(rows.formatted()) rows  site \(site)"
    }

    static func text(_ r: TableReport) -> String {
        let name = pad(r.physicalTable.isEmpty ? r.table.rawValue : r.physicalTable)
        if let error = r.error { return "\(name) site \(r.siteId) FAILED: \(error)" }
        var line = "\(name) site \(r.siteId): \(r.rows.formatted()) rows"
        if let days = r.days { line += ", \(days.count) days (\(days))" }
        line += ", \(r.requests) requests, \(String(format: "%.1f", r.seconds)) s"
        if r.fullRefresh { line += ", full refresh" }
        if r.deferredVisits > 0 { line += ", \(r.deferredVisits) visits under an hour old left for the next run" }
        return line
    }

    /// One JSON object per table run, for log collectors.
    static func json(_ r: TableReport) -> String {
        var fields: [(String, String)] = [
            ("time", quote(Timestamps.now())), ("source", quote(r.instance)), ("site", String(r.siteId)),
            ("table", quote(r.physicalTable.isEmpty ? r.table.rawValue : r.physicalTable)),
            ("status", quote(r.error == nil ? "ok" : "failed")), ("rows", String(r.rows)), ("requests", String(r.requests)),
            ("seconds", String(format: "%.3f", r.seconds)), ("full_refresh", r.fullRefresh ? "true" : "false"),
            ("deferred_visits", String(r.deferredVisits)),
        ]
        if let days = r.days { fields.append(("days", quote(days.description))) }
        if let error = r.error { fields.append(("error", quote(error))) }
        return "{" + fields.map { "\"\($0.0)\":\($0.1)" }.joined(separator: ",") + "}"
    }

    static func quote(_ s: String) -> String { TableFormatter.jsonString(s) }

    private static func pad(_ s: String) -> String { s.padding(toLength: max(16, s.count), withPad: " ", startingAt: 0) }

    private func write(_ s: String) { FileHandle.standardError.write(Data(s.utf8)) }
}

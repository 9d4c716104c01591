import ConsoleKitTerminal
import Foundation
import MatomoAPI
import MatomoSync
import Synchronization

/// Prints sync progress. On a terminal: one console-kit progress bar for the tables running (the visit
/// log and the report tables run side by side; two bars would redraw over each other), titled with
/// each one's days done and rows, and each table's line once the bar is done. Elsewhere (cron, systemd, containers): one line per table run on stderr, as text or
/// JSON lines.
final class ProgressPrinter: SyncProgress {
    private let quiet: Bool
    private let format: LogFormat
    private let live: Bool
    private let terminal = Terminal()
    private let display = Mutex<LiveDisplay?>(nil)

    /// The bar and what it shows: the running tables in start order, the lines of those that finished.
    private struct LiveDisplay {
        var bar: ActivityIndicator<ProgressBar>
        var running: [(key: String, started: Date, fraction: Double, title: String)] = []
        var finishedLines: [String] = []
        var failed = false
    }

    init(quiet: Bool, format: LogFormat = .text) {
        self.quiet = quiet
        self.format = format
        self.live = !quiet && format == .text && isatty(STDOUT_FILENO) == 1 && isatty(STDERR_FILENO) == 1
    }

    private func barKey(_ physicalTable: String, _ site: Int) -> String { "\(site)/\(physicalTable)" }

    func report(_ event: SyncEvent) {
        switch event {
        case .tableStarted(let table, let site, let physical, _):
            guard live else { return }
            let title = "\(table.rawValue) (site \(site))"
            let started = display.withLock { d -> ActivityIndicator<ProgressBar>? in
                if d == nil {
                    d = LiveDisplay(bar: terminal.progressBar(title: title))
                    d!.running.append((barKey(physical, site), Date(), 0, title))
                    return d!.bar
                }
                d!.running.append((barKey(physical, site), Date(), 0, title))
                Self.redraw(&d!)
                return nil
            }
            started?.start()
        case .progress(let table, let site, let physical, let done, let total, let rows):
            guard live else { return }
            display.withLock { d in
                guard d != nil, let i = d!.running.firstIndex(where: { $0.key == barKey(physical, site) }) else { return }
                let elapsed = Date().timeIntervalSince(d!.running[i].started)
                d!.running[i].fraction = total > 0 ? Double(done) / Double(total) : 1
                d!.running[i].title = "\(table.rawValue) (site \(site)): " + Self.progressText(done: done, total: total, rows: rows, elapsed: elapsed)
                Self.redraw(&d!)
            }
        case .verifyFinished:
            // `run` logs a verify's lines and verdict itself.
            return
        case .tableFinished(let r):
            let line = format == .json ? Self.json(r) : Self.text(r)
            let show = !(quiet && r.error == nil)
            // With a bar on screen, lines wait for it to finish: a line written under it would be redrawn over.
            enum Outcome { case noBar, stillRunning, barDone(ActivityIndicator<ProgressBar>, failed: Bool, lines: [String]) }
            let outcome = display.withLock { d -> Outcome in
                guard d != nil else { return .noBar }
                d!.running.removeAll { $0.key == barKey(r.physicalTable.isEmpty ? r.table.rawValue : r.physicalTable, r.siteId) }
                if r.error != nil { d!.failed = true }
                if show { d!.finishedLines.append(line) }
                guard d!.running.isEmpty else {
                    Self.redraw(&d!)
                    return .stillRunning
                }
                let done = Outcome.barDone(d!.bar, failed: d!.failed, lines: d!.finishedLines)
                d = nil
                return done
            }
            switch outcome {
            case .noBar: break
            case .stillRunning: return
            case .barDone(let bar, let failed, let lines):
                if failed { bar.fail() } else { bar.succeed() }
                for l in lines { write(l + "\n") }
                return
            }
            if quiet && r.error == nil { return }
            switch format {
            case .json: write(Self.json(r) + "\n")
            case .text: write(Self.text(r) + "\n")
            }
        }
    }

    /// The bar's title and fill for the tables running: the slowest table's share of its days.
    private static func redraw(_ d: inout LiveDisplay) {
        d.bar.activity.currentProgress = d.running.map(\.fraction).min() ?? 1
        d.bar.activity.title = d.running.map(\.title).joined(separator: " | ")
    }

    /// A message of the run itself (start, stop).
    func line(_ text: String) {
        guard !quiet else { return }
        switch format {
        case .text: write(text + "\n")
        case .json: Console.message(text)
        }
    }

    func finish(_ report: SyncReport, requests: Int, warehouse: String) {
        guard !quiet else { return }
        let rows = report.tables.reduce(0) { $0 + $1.rows }
        let ok = report.tables.filter(\.succeeded).count
        line("synced \(ok)/\(counted(report.tables.count, "table")), \(counted(rows, "row")), \(counted(requests, "request")) into \(warehouse)")
    }

    /// `120/366 days, 4,210 rows, 830 rows/s, 12 s left`.
    static func progressText(done: Int, total: Int, rows: Int, elapsed: Double) -> String {
        var text = "\(done)/\(counted(total, "day")), \(counted(rows, "row"))"
        guard elapsed > 0.5 else { return text }
        text += ", \(Int(Double(rows) / elapsed).formatted()) rows/s"
        if done > 0, done < total {
            text += ", \(Int(elapsed * Double(total - done) / Double(done)) + 1) s left"
        }
        return text
    }

    static func text(_ r: TableReport) -> String {
        let name = pad(r.physicalTable.isEmpty ? r.table.rawValue : r.physicalTable)
        if let error = r.error { return "\(name) site \(r.siteId) FAILED: \(error)" }
        var line = "\(name) site \(r.siteId): \(counted(r.rows, "row"))"
        if let days = r.days { line += ", \(counted(days.count, "day")) (\(days))" }
        line += ", \(counted(r.requests, "request")), \(String(format: "%.1f", r.seconds)) s"
        if r.fullRefresh { line += ", full refresh" }
        if let replaced = replacedText(r) { line += ": " + replaced }
        if r.deferredVisits > 0 { line += ", \(counted(r.deferredVisits, "visit")) under an hour old left for the next run" }
        return line
    }

    /// What a completed full refresh replaced, so a short window is seen not to have touched history.
    static func replacedText(_ r: TableReport) -> String? {
        switch r.replaced {
        case .all?: return "replaced every row of the site (--truncate)"
        case .from(let first)?: return "replaced \(first)..\(r.days.map { "\($0.last)" } ?? first), older rows kept"
        case nil: return nil
        }
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
        if let replaced = replacedText(r) { fields.append(("replaced", quote(replaced))) }
        if let error = r.error { fields.append(("error", quote(error))) }
        return "{" + fields.map { "\"\($0.0)\":\($0.1)" }.joined(separator: ",") + "}"
    }

    static func quote(_ s: String) -> String { TableFormatter.jsonString(s) }

    private static func pad(_ s: String) -> String { s.padding(toLength: max(16, s.count), withPad: " ", startingAt: 0) }

    private func write(_ s: String) { Console.rawError(s) }
}

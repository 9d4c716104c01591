import Foundation
import MatomoSync
import Synchronization

/// Prints sync progress to stderr: a line rewritten in place on a terminal, a line per table otherwise.
final class ProgressPrinter: SyncProgress {
    private let quiet: Bool
    private let live: Bool
    private let lastDraw = Mutex<Date>(.distantPast)

    init(quiet: Bool) {
        self.quiet = quiet
        self.live = isatty(STDERR_FILENO) == 1
    }

    func report(_ event: SyncEvent) {
        guard !quiet else { return }
        switch event {
        case .tableStarted:
            break
        case .progress(let table, _, let done, let total, let rows):
            guard live else { return }
            let now = Date()
            let draw = lastDraw.withLock { last -> Bool in
                guard now.timeIntervalSince(last) > 0.1 || done == total else { return false }
                last = now
                return true
            }
            if draw {
                write("\r\u{1B}[2K\(pad(table.rawValue)) \(done)/\(total) days  \(rows.formatted()) rows")
            }
        case .tableFinished(let r):
            if live { write("\r\u{1B}[2K") }
            if let error = r.error {
                write("\(pad(r.table.rawValue)) FAILED: \(error)\n")
            } else {
                var line = "\(pad(r.table.rawValue)) \(r.rows.formatted()) rows"
                if let days = r.days { line += ", \(days.count) days (\(days))" }
                line += ", \(r.requests) requests, \(String(format: "%.1f", r.seconds)) s"
                if r.fullRefresh { line += ", full refresh" }
                if r.deferredVisits > 0 { line += ", \(r.deferredVisits) visits under an hour old left for the next run" }
                write(line + "\n")
            }
        }
    }

    func finish(_ report: SyncReport, requests: Int, warehouse: String) {
        guard !quiet else { return }
        let rows = report.tables.reduce(0) { $0 + $1.rows }
        let ok = report.tables.filter(\.succeeded).count
        write("synced \(ok)/\(report.tables.count) tables, \(rows.formatted()) rows, \(requests) requests into \(warehouse)\n")
    }

    private func pad(_ s: String) -> String { s.padding(toLength: 16, withPad: " ", startingAt: 0) }

    private func write(_ s: String) { FileHandle.standardError.write(Data(s.utf8)) }
}

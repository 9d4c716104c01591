import Foundation
import MatomoSync
import Synchronization

/// What is syncing right now, from the engine's events: the days done of each running table, and
/// the finished runs waiting to be written to the run history. Events carry the table and the site;
/// `tableFinished` also the instance.
public final class LiveProgress: SyncProgress, Sendable {
    public struct Running: Sendable, Equatable {
        public var daysDone: Int
        public var daysTotal: Int
        public var rows: Int
        public var startedAt: Date
    }

    struct State {
        var running: [String: Running] = [:]
        var finished: [FinishedRun] = []
        var version = 0
    }

    private let state = Mutex(State())
    let metrics: ConsoleMetrics?
    let now: @Sendable () -> Date

    /// Whether finished runs are kept for the run history (the console's) or dropped (`run`'s metrics).
    let keepsFinished: Bool

    init(metrics: ConsoleMetrics?, keepsFinished: Bool = true, now: @escaping @Sendable () -> Date = { Date() }) {
        self.metrics = metrics
        self.keepsFinished = keepsFinished
        self.now = now
    }

    /// Keyed by the table's name in the warehouse: two sources may sync the same table of the same
    /// site ID (into two prefixes), and each row of the page shows its own run.
    static func key(_ physicalTable: String, _ siteId: Int) -> String { "\(siteId)|\(physicalTable)" }

    public func report(_ event: SyncEvent) {
        let t = now()
        switch event {
        case .tableStarted(_, let siteId, let physical, let daysTotal):
            state.withLock {
                $0.running[Self.key(physical, siteId)] = Running(daysDone: 0, daysTotal: daysTotal, rows: 0, startedAt: t)
                $0.version += 1
            }
            metrics?.inProgress(delta: 1)
        case .progress(_, let siteId, let physical, let daysDone, let daysTotal, let rows):
            state.withLock {
                let started = $0.running[Self.key(physical, siteId)]?.startedAt ?? t
                $0.running[Self.key(physical, siteId)] = Running(daysDone: daysDone, daysTotal: daysTotal, rows: rows, startedAt: started)
                $0.version += 1
            }
        case .tableFinished(let report):
            let wasRunning = state.withLock { s -> Bool in
                let was = s.running.removeValue(forKey: Self.key(report.physicalTable, report.siteId)) != nil
                if keepsFinished { s.finished.append(.table(report, finishedAt: t)) }
                s.version += 1
                return was
            }
            if wasRunning { metrics?.inProgress(delta: -1) }
            metrics?.finished(report, at: t)
        case .verifyFinished(let run):
            state.withLock {
                if keepsFinished { $0.finished.append(.verify(run)) }
                $0.version += 1
            }
        }
    }

    /// The run of the warehouse table `physicalTable` (prefix included) for the site, while it runs.
    public func running(_ physicalTable: String, siteId: Int) -> Running? {
        state.withLock { $0.running[Self.key(physicalTable, siteId)] }
    }

    /// Changes whenever something starts, moves or finishes: the live page's cue to refresh.
    public var version: Int { state.withLock { $0.version } }

    func takeFinished() -> [FinishedRun] {
        state.withLock { s in
            defer { s.finished = [] }
            return s.finished
        }
    }
}

/// One table's run or one scheduled verify, as the run history keeps it.
enum FinishedRun: Sendable {
    case table(TableReport, finishedAt: Date)
    case verify(ScheduledVerifyRun)
}

extension LiveProgress {
    var runningKeys: [String] { state.withLock { Array($0.running.keys) } }
}

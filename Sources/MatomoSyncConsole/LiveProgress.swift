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

    static func key(_ table: TableName, _ siteId: Int) -> String { "\(siteId)|\(table.rawValue)" }

    public func report(_ event: SyncEvent) {
        let t = now()
        switch event {
        case .tableStarted(let table, let siteId, let daysTotal):
            state.withLock {
                $0.running[Self.key(table, siteId)] = Running(daysDone: 0, daysTotal: daysTotal, rows: 0, startedAt: t)
                $0.version += 1
            }
            metrics?.inProgress(delta: 1)
        case .progress(let table, let siteId, let daysDone, let daysTotal, let rows):
            state.withLock {
                let started = $0.running[Self.key(table, siteId)]?.startedAt ?? t
                $0.running[Self.key(table, siteId)] = Running(daysDone: daysDone, daysTotal: daysTotal, rows: rows, startedAt: started)
                $0.version += 1
            }
        case .tableFinished(let report):
            let wasRunning = state.withLock { s -> Bool in
                let was = s.running.removeValue(forKey: Self.key(report.table, report.siteId)) != nil
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

    public func running(_ table: TableName, siteId: Int) -> Running? {
        state.withLock { $0.running[Self.key(table, siteId)] }
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

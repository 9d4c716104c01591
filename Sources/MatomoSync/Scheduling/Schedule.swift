import Foundation

/// When tables run. Pure and clock-injected.
public enum Schedule {
    /// First retry delay after a failure; it doubles per failure in a row, up to the table's frequency.
    public static let retryBase = 60

    /// The next run after one that ended at `after`.
    public static func nextRun(after: Date, every: Int, failures: Int) -> Date {
        guard failures > 0 else { return after.addingTimeInterval(TimeInterval(every)) }
        let backoff = retryBase << min(failures - 1, 20)
        return after.addingTimeInterval(TimeInterval(min(every, backoff)))
    }

    /// A table is due when it never ran, or its next run has come. A table whose state has no next
    /// run (synced by hand) is due once `every` has passed since its last run.
    public static func isDue(_ state: TableState?, every: Int, now: Date) -> Bool {
        guard let state else { return true }
        if let next = state.nextRunAt.flatMap(Timestamps.parse) { return next <= now }
        let last = [state.lastSuccessAt, state.lastErrorAt].compactMap { $0.flatMap(Timestamps.parse) }.max()
        guard let last else { return true }
        return last.addingTimeInterval(TimeInterval(every)) <= now
    }

    /// When the earliest of these tables is due (nil: one is due now or never ran).
    public static func earliest(_ states: [(TableState?, Int)], now: Date) -> Date? {
        var best: Date?
        for (state, every) in states {
            if isDue(state, every: every, now: now) { return nil }
            let next = state?.nextRunAt.flatMap(Timestamps.parse)
                ?? [state?.lastSuccessAt, state?.lastErrorAt].compactMap { $0.flatMap(Timestamps.parse) }.max().map { $0.addingTimeInterval(TimeInterval(every)) }
            if let next, best == nil || next < best! { best = next }
        }
        return best
    }
}

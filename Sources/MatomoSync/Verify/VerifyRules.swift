import Foundation

/// Which days a verify checks: pure, from the clock and the table's stored state.
public enum VerifyPlanner {
    /// The last site-local day a sync run at `now` has stored whole: visits under an hour old wait for
    /// the next sync, so the day holding that hour is not complete yet.
    public static func lastCompleteDay(now: Date, zone: TimeZone) -> LocalDay {
        let cutoff = VisitPlanner.cutoff(now: Int64(now.timeIntervalSince1970.rounded(.down)))
        return LocalDay.containing(epochSeconds: cutoff, in: zone).adding(days: -1)
    }

    /// The days to check: from `since` (or `days` before today) to the last complete day, within what
    /// the table holds (its first stored day to the last day its sync finished). nil: nothing to check.
    public static func window(today: LocalDay, lastComplete: LocalDay, days: Int, since: LocalDay?,
                              siteCreated: LocalDay?, firstStored: LocalDay?, lastSynced: LocalDay?) -> DayRange? {
        guard let firstStored, let lastSynced else { return nil }
        var first = since ?? today.adding(days: -days)
        if let siteCreated { first = max(first, siteCreated) }
        first = max(first, firstStored)
        let last = min(lastComplete, lastSynced, today.adding(days: -1))
        return last < first ? nil : DayRange(first, last)
    }

    /// The last day a visit walk finished: the day before the one its cursor stands in (that day's
    /// later visits come with the next sync).
    public static func lastSyncedVisitDay(cursor: String?, zone: TimeZone) -> LocalDay? {
        guard let cursor = cursor.flatMap(VisitCursor.init) else { return nil }
        return max(cursor.day, LocalDay.containing(epochSeconds: cursor.timestamp, in: zone)).adding(days: -1)
    }

    /// The last day a report's sync pulled after the day was over: the cursor's day was pulled while
    /// it ran, the days before it at the same run (the trailing window) or earlier ones.
    public static func lastSyncedReportDay(cursor: String?) -> LocalDay? {
        ReportCursor(cursor).day?.adding(days: -1)
    }
}

/// What one day of a report looks like, stored or answered: compared without `_synced_at` or the
/// row order.
public struct DaySummary: Sendable, Equatable {
    public var rows = 0
    /// Each row's merge key (without site and day), its values joined.
    public var keys: Set<String> = []
    /// Each metric column's sum over the day's rows (NULL counts 0).
    public var sums: [String: Double] = [:]

    public init(rows: Int = 0, keys: Set<String> = [], sums: [String: Double] = [:]) {
        self.rows = rows
        self.keys = keys
        self.sums = sums
    }
}

/// How a day is judged: pure comparisons of counts, id sets and report summaries.
public enum VerifyRules {
    /// A visit day whose stored count agrees with Matomo's archive is taken as complete; only the
    /// others need the raw log.
    public static func needsLog(stored: Int, archive: Int) -> Bool { stored != archive }

    /// A visit day read from the log: what is missing, extra, and whether the archive is stale.
    public static func visitDay(table: TableName, siteId: Int, day: LocalDay, stored: Set<Int64>, log: Set<Int64>,
                                archive: Int) -> DayDifference? {
        let missing = log.subtracting(stored).sorted()
        let extra = stored.subtracting(log).sorted()
        let stale = archive != log.count
        guard !missing.isEmpty || !extra.isEmpty || stale else { return nil }
        return DayDifference(table: table, siteId: siteId, day: day, stored: stored.count, matomo: archive, log: log.count,
                             missing: missing.map(String.init), extra: extra.map(String.init), staleArchive: stale)
    }

    /// A derived table's day against its source's: the visits its rows belong to, and visits whose
    /// rows are not numbered 0..n-1 (some missing).
    public static func derivedDay(table: TableName, siteId: Int, day: LocalDay, sourceIds: Set<Int64>, derivedIds: Set<Int64>,
                                  broken: Set<Int64>) -> DayDifference? {
        let missing = sourceIds.subtracting(derivedIds).union(broken.intersection(sourceIds)).sorted()
        let extra = derivedIds.subtracting(sourceIds).sorted()
        guard !missing.isEmpty || !extra.isEmpty else { return nil }
        return DayDifference(table: table, siteId: siteId, day: day, stored: derivedIds.count, matomo: sourceIds.count,
                             missing: missing.map(String.init), extra: extra.map(String.init))
    }

    /// A report day, stored against a fresh answer: the row count, the key set and each metric's sum.
    public static func reportDay(table: TableName, siteId: Int, day: LocalDay, stored: DaySummary, fresh: DaySummary,
                                 metrics: [String]) -> DayDifference? {
        let missing = fresh.keys.subtracting(stored.keys).sorted()
        let extra = stored.keys.subtracting(fresh.keys).sorted()
        let sums = metrics.filter { !sameSum(stored.sums[$0] ?? 0, fresh.sums[$0] ?? 0) }
        guard stored.rows != fresh.rows || !missing.isEmpty || !extra.isEmpty || !sums.isEmpty else { return nil }
        return DayDifference(table: table, siteId: siteId, day: day, stored: stored.rows, matomo: fresh.rows,
                             missing: missing, extra: extra, sumsDiffer: sums)
    }

    /// Sums of the same values agree to rounding (REAL columns are summed in another order by SQL).
    public static func sameSum(_ a: Double, _ b: Double) -> Bool {
        abs(a - b) <= 1e-6 * max(1, abs(a), abs(b))
    }

    /// The one line that says Matomo, not the warehouse, is out of date.
    public static func staleArchiveAdvice(_ d: DayDifference) -> String {
        "Matomo's archive for \(d.day) counts \(d.matomo) visits, its log holds \(d.log ?? 0): re-run Matomo's archiving for that day (core:invalidate-report-data --dates=\(d.day) --sites=\(d.siteId), then core:archive); verify --repair then re-pulls its reports"
    }

    /// A key as one string: its values joined by the unit separator (never in labels Matomo sends as text).
    static func key(_ cells: [Cell]) -> String {
        cells.map { cell -> String in
            switch cell {
            case .null: return ""
            case .int(let i): return String(i)
            case .real(let d): return d == d.rounded() && abs(d) < 1e15 ? String(Int64(d)) : String(d)
            case .text(let t): return t
            }
        }.joined(separator: "\u{1F}")
    }

    static func number(_ cell: Cell) -> Double? {
        switch cell {
        case .null: return nil
        case .int(let i): return Double(i)
        case .real(let d): return d
        case .text(let t): return Double(t)
        }
    }
}

import Foundation

/// Where the visit log walk stands: the newest stored `serverTimestamp`, how many stored visits share
/// that exact second, and the site-local day being walked. Matomo's `minTimestamp` is strict and many
/// visits can share one second, so the next page asks for `minTimestamp = ts - 1` and skips the `seen`
/// visits already stored at `ts` with `filter_offset`: none lost, none fetched twice.
public struct VisitCursor: Sendable, Equatable, CustomStringConvertible {
    public var timestamp: Int64
    public var seenAtTimestamp: Int
    public var day: LocalDay

    public init(timestamp: Int64, seenAtTimestamp: Int, day: LocalDay) {
        self.timestamp = timestamp
        self.seenAtTimestamp = seenAtTimestamp
        self.day = day
    }

    /// `1794896315/3/2026-11-17`, as stored in `_matomo_sync_state.cursor`.
    public var description: String { "\(timestamp)/\(seenAtTimestamp)/\(day)" }

    public init?(_ text: String) {
        let parts = text.split(separator: "/")
        guard parts.count == 3, let ts = Int64(parts[0]), let seen = Int(parts[1]), let day = LocalDay(parts[2]) else { return nil }
        self.init(timestamp: ts, seenAtTimestamp: seen, day: day)
    }

    /// Where a walk of the visit log starts when tables derived from it are behind it: the earliest
    /// of the cursors (nil, never synced, is earliest: the walk starts at the backfill window). A
    /// table derived from visits gets its rows only from visits fetched, so one added later, or
    /// turned off for a while, fills its gap by walking the visits again from its own cursor.
    public static func catchingUp(_ source: String?, derived: [String?]) -> String? {
        guard let source, let sourceCursor = VisitCursor(source) else { return source }
        var earliest = sourceCursor
        for text in derived {
            guard let text, let cursor = VisitCursor(text) else { return nil }
            if (cursor.timestamp, cursor.seenAtTimestamp) < (earliest.timestamp, earliest.seenAtTimestamp) { earliest = cursor }
        }
        return earliest == sourceCursor ? source : earliest.description
    }

    /// Records a stored visit (visits arrive oldest first).
    public mutating func advance(to ts: Int64) {
        if ts == timestamp {
            seenAtTimestamp += 1
        } else if ts > timestamp {
            timestamp = ts
            seenAtTimestamp = 1
        }
    }
}

/// One page request of the visit log.
public struct VisitPageRequest: Sendable, Equatable {
    public var day: LocalDay
    /// Strict lower bound on `serverTimestamp`.
    public var minTimestamp: Int64
    public var offset: Int
    public var limit: Int
}

/// The visit log's rules, pure and clock-injected.
public enum VisitPlanner {
    /// Visits this recent may still grow actions; they wait for the next sync.
    public static let deferral: Int64 = 3600

    /// Newest `serverTimestamp` stored now.
    public static func cutoff(now: Int64) -> Int64 { now - deferral }

    /// The day the walk starts from. An incremental run goes back to the day of the newest stored
    /// visit (so a visit that reached Matomo late, but is newer than the cursor, is still taken), yet
    /// at most one day before where the last walk ended, so a site without traffic costs few requests.
    public static func startDay(cursor: VisitCursor?, zone: TimeZone, today: LocalDay, backfillDays: Int,
                                siteCreated: LocalDay? = nil) -> LocalDay {
        if let cursor {
            let newest = LocalDay.containing(epochSeconds: cursor.timestamp, in: zone)
            return max(newest, cursor.day.adding(days: -1))
        }
        var first = today.adding(days: -backfillDays)
        if let siteCreated, siteCreated > first { first = min(siteCreated, today) }
        return first
    }

    /// The next page of `day`, given what is stored. The lower bound never reaches before the day's
    /// start, which also drops the visits of yesterday that Matomo adds when asked for today.
    public static func nextPage(day: LocalDay, dayStart: Int64, cursor: VisitCursor?, limit: Int) -> VisitPageRequest {
        if let cursor, cursor.timestamp >= dayStart {
            return VisitPageRequest(day: day, minTimestamp: cursor.timestamp - 1, offset: cursor.seenAtTimestamp, limit: limit)
        }
        return VisitPageRequest(day: day, minTimestamp: dayStart - 1, offset: 0, limit: limit)
    }
}

/// Consecutive days of the visit log fetched as one Live query (`period=range`, or `period=day` for a
/// single day), page by page. `expected` comes from `VisitsSummary.get`: it says how many pages to
/// request at once, never when to stop (pages continue until a short one, so a stale count loses nothing).
public struct VisitSegment: Sendable, Equatable, CustomStringConvertible {
    public var days: DayRange
    public var expected: Int

    public init(_ days: DayRange, expected: Int) {
        self.days = days
        self.expected = expected
    }

    public var description: String { "\(days)=\(expected)" }

    /// Pages to request up front: enough for `expected` visits, at least one.
    public func plannedPages(pageSize: Int) -> Int {
        max(1, (expected + pageSize - 1) / max(1, pageSize))
    }
}

/// Splits the visit walk by the per-day visit counts. Pure.
public enum VisitSegmenter {
    /// Groups consecutive days, oldest first, into segments of at most `target` expected visits and
    /// at most `maxDays` days; a day above `target` is a segment alone (its pages go by `filter_offset`).
    /// Every day of `counts` lands in exactly one segment, empty days included: an empty stretch joins
    /// its neighbours, so it costs no request of its own and a count that missed visits loses nothing.
    public static func segments(_ counts: [(day: LocalDay, visits: Int)], target: Int, maxDays: Int = 400) -> [VisitSegment] {
        var out: [VisitSegment] = []
        var current: VisitSegment?
        for (day, visits) in counts {
            let n = max(0, visits)
            if var s = current, s.days.last.adding(days: 1) == day,
               s.expected + n <= max(1, target), s.days.count < maxDays {
                s.days.last = day
                s.expected += n
                current = s
                continue
            }
            if let s = current { out.append(s) }
            current = VisitSegment(DayRange(day, day), expected: n)
        }
        if let s = current { out.append(s) }
        return out
    }

    /// The counts `VisitsSummary.get` gave for `window`, every day of it present (missing days count 0).
    public static func fill(_ window: DayRange, with counts: [LocalDay: Int]) -> [(day: LocalDay, visits: Int)] {
        window.days.map { ($0, counts[$0] ?? 0) }
    }
}

/// Which days an aggregate table syncs. Pure: the caller passes "today" in the site's timezone.
public enum AggregatePlanner {
    /// Matomo archives late and re-archives recent days, so each incremental run pulls again this many
    /// days before the last synced one.
    public static let trailingDays = 3

    /// The first sync (no cursor) or a full refresh: `today - backfillDays ... today`, never before the
    /// site existed. Otherwise: `cursor - trailingDays ... today`.
    public static func window(today: LocalDay, cursor: LocalDay?, backfillDays: Int, fullRefresh: Bool,
                              siteCreated: LocalDay? = nil, trailingDays: Int = trailingDays) -> DayRange {
        if let cursor, !fullRefresh {
            return DayRange(min(cursor.adding(days: -trailingDays), today), today)
        }
        var first = today.adding(days: -backfillDays)
        if let siteCreated, siteCreated > first { first = min(siteCreated, today) }
        return DayRange(first, today)
    }

    /// Requests for a window: date ranges of at most `rangeDays` days for reports that accept them,
    /// bulk batches of `bulkDays` single-day requests for those that do not (Referrers.getAll).
    public static func chunks(_ window: DayRange, acceptsDateRange: Bool, rangeDays: Int, bulkDays: Int) -> [DayRange] {
        window.chunked(by: acceptsDateRange ? rangeDays : bulkDays)
    }
}

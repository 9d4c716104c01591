/// Live.getLastVisitsDetails: the visit log, filtered the way Matomo's Live\Model builds its SQL.
enum LiveHandler {
    static func getLastVisitsDetails(_ params: RequestParams, _ ctx: APIContext) throws(MatomoError) -> APIOutput {
        let rawSite = try params.require("idSite")
        guard ctx.authenticated else { throw .noViewAccess(site: rawSite) }
        let site = try ctx.singleSite(rawSite)
        let zone = ctx.zone(site)
        let window = try window(params, zone: zone, today: ctx.today(site))

        // A following page may see ties in another order than the first (DataFaults.swift).
        let following = (Int(params["filter_offset"] ?? "") ?? 0) > 0
        let snapshot = ctx.shiftTiesBetweenPages && following ? ctx.visits(site).tiesReversed() : ctx.visits(site)
        var selected: ArraySlice<StoredVisit>
        if let from = window.from {
            // The end bound is inclusive (`visit_last_action_time <= ?`).
            selected = snapshot.range(from: from, to: window.to.map { $0 + 1 } ?? Int.max)
        } else {
            selected = snapshot.visits[...]
        }
        if let raw = params["minTimestamp"], let minTimestamp = Int(raw.trimmingCharactersInWhitespace()), minTimestamp > 0 {
            // Strict: `visit_last_action_time > minTimestamp`.
            let a = snapshot.lowerBound(minTimestamp + 1)
            if a > selected.startIndex { selected = selected[Swift.min(a, selected.endIndex)...] }
        }

        let ascending = params["filter_sort_order"]?.lowercased() == "asc"
        let offset = max(0, Int(params["filter_offset"] ?? "") ?? 0)
        let limitParam = Int(params["filter_limit"] ?? "") ?? 100
        // Matomo only adds a LIMIT for a limit >= 1: -1 (or 0) means every visit.
        let limit = limitParam >= 1 ? limitParam : Int.max
        let count = selected.count
        let start = min(offset, count)
        let take = min(limit, count - start)

        let fetchActions = params["doNotFetchActions"].map { $0 == "0" || $0.isEmpty } ?? true
        let stream = VisitStream(visits: selected, start: start, count: take, ascending: ascending,
                                 fetchActions: fetchActions, renderer: VisitRenderer(site: site, zone: zone),
                                 intsAsStrings: ctx.configuration.numbersAsStrings)
        // Rendered by the HTTP layer: big answers in chunks while they are sent, after the per-row cost.
        return .visits(stream)
    }

    /// [from, to] instants for the period/date filter, following Live\Model::getWhereClauseAndBind:
    /// `date=today` (or today's date) starts at yesterday 00:00, and there is no end bound for
    /// today, lastN and previousN.
    static func window(_ params: RequestParams, zone: SiteZone, today: Int) throws(MatomoError) -> (from: Int?, to: Int?) {
        guard let period = params["period"], !period.isEmpty, let date = params["date"], !date.isEmpty else {
            return (nil, nil)
        }
        guard let kind = PeriodKind(rawValue: period) else { throw .invalidPeriod(period) }
        let spec = try DateSpec.parse(date, today: today)
        let first: Int, last: Int, endDate: Int
        switch (spec, kind) {
        case (.single, .range):
            throw .notARange(date)
        case (.single(let d), _):
            let bucket = PeriodSelection.bucket(kind, containing: d == today ? d - 1 : d)
            (first, last, endDate) = (bucket.first, bucket.last, d)
        case (.last(let n), .range):
            (first, last, endDate) = (today - n + 1, today, today)
        case (.previous(let n), .range):
            (first, last, endDate) = (today - n, today - 1, today - 1)
        case (.between(let a, let b), .range):
            (first, last, endDate) = (a, b, b)
        default:
            // Several days/weeks/months/years: from the start of the first to the end of the last.
            let buckets = try PeriodSelection.parse(period: period, date: date, today: today).buckets
            (first, last) = (buckets[0].first, buckets[buckets.count - 1].last)
            if case .between(_, let b) = spec { endDate = b } else { endDate = today }
        }
        let from = zone.startOfDay(first)
        let open = ["now", "today", "yesterdaySameTime"].contains(date) || date.contains("last")
            || date.contains("previous") || endDate == today
        return (from, open ? nil : zone.startOfDay(last + 1))
    }
}

/// A Live answer not rendered yet: `count` visits from `start`, in the requested order.
struct VisitStream: Sendable {
    static let chunkSize = 256

    let visits: ArraySlice<StoredVisit>
    let start: Int
    let count: Int
    let ascending: Bool
    let fetchActions: Bool
    let renderer: VisitRenderer
    let intsAsStrings: Bool

    /// Renders answer positions `range` (no brackets).
    func render(_ range: Range<Int>, into w: inout JSONWriter) {
        for i in range {
            // Sorted ascending by (lastActionTimestamp, idVisit): desc is the same list read backwards.
            let index = ascending ? visits.startIndex + start + i : visits.endIndex - 1 - start - i
            renderer.render(visits[index], fetchActions: fetchActions, into: &w)
        }
    }

    func materialize() -> [UInt8] {
        var w = JSONWriter(capacity: 64 + count * 4096, intsAsStrings: intsAsStrings)
        w.beginArray()
        render(0..<count, into: &w)
        w.endArray()
        return w.bytes
    }
}

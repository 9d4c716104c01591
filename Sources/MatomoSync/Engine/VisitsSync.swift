import Foundation
import MatomoAPI

extension SyncEngine {
    /// The visit log: one `VisitsSummary.get` says how many visits each day holds; days are grouped
    /// into segments (`VisitSegmenter`) whose pages are fetched several at a time and committed
    /// strictly in order, each page with its cursor. Stops at the first visit under an hour old.
    func syncVisits(_ run: inout TableRun) async throws {
        if options.strategy == .dayByDay { return try await syncVisitsDayByDay(&run) }
        let (zone, cutoff, stored, window) = startVisits(&run)

        // Counts only plan the fetching: without them every segment is walked page after page.
        var counts: [LocalDay: Int] = [:]
        do {
            counts = try await visitCounts(window, requests: &run.report.requests)
        } catch let error as MatomoError where error.apiErrorKind == .pluginDisabled || error.apiErrorKind == .noViewAccess {
            logger.warning("visits: no day counts (\(error)); fetching page after page")
        }
        let segments = VisitSegmenter.segments(VisitSegmenter.fill(window, with: counts),
                                               target: options.pageSize * options.pagesPerSegment)
        var walk = VisitWalk(cursor: stored ?? VisitCursor(timestamp: window.first.start(in: zone) - 1, seenAtTimestamp: 0, day: window.first),
                             cutoff: cutoff, zone: zone)
        let jobs = segments.enumerated().flatMap { index, segment in
            VisitPageJob.planned(segment: index, days: segment.days, pages: segment.plannedPages(pageSize: options.pageSize),
                                 cursor: walk.cursor, zone: zone, limit: options.pageSize)
        }
        var pipeline = OrderedFetches<VisitPageJob, [JSONRow]>(jobs: jobs, ahead: max(1, client.configuration.maxConcurrentRequests)) {
            [client, siteId] job in try await job.fetch(client, siteId: siteId)
        }
        defer { pipeline.cancelAll() }
        while let (job, visits) = try await pipeline.next() {
            run.report.requests += 1
            let segment = segments[job.segment]
            let bounds = segment.days.first.start(in: zone)..<segment.days.last.adding(days: 1).start(in: zone)
            var rows: [[Cell]] = []
            var derived = DerivedPage()
            rows.reserveCapacity(visits.count)
            walk.cursor.day = segment.days.first
            let deferred = try walk.take(visits, in: bounds, segment: job.segment) { visit, day in
                rows.append(run.shaper.shape(visit, siteId: siteId, date: day, syncedAt: run.syncedAt))
                try derived.add(visit, day: day, siteId: siteId, run: &run)
            }
            let finished = deferred == nil && visits.count < job.limit
            if finished { walk.cursor.day = segment.days.last }
            run.state.cursor = walk.cursor.description
            try await commit(&run, rows: rows, replace: .byKey, derived: derived.writes)
            try checkStop()
            let done = finished ? segment.days.last.dayNumber - window.first.dayNumber + 1 : segment.days.first.dayNumber - window.first.dayNumber
            progress.report(.progress(.visits, siteId: siteId, physicalTable: run.report.physicalTable, daysDone: done, daysTotal: window.count, rows: run.report.rows))
            if let deferred {
                run.report.deferredVisits += deferred
                break
            }
            if finished {
                // The segment is complete: pages planned beyond its end are not needed.
                pipeline.drop { $0.segment == job.segment }
                if visits.count == 0 || segment.expected != walk.takenInSegment(job.segment) {
                    logger.debug("visits \(segment.days): \(walk.takenInSegment(job.segment)) stored, \(segment.expected) counted")
                }
            } else if job.isLastPlanned {
                // More visits than counted (an archive older than the log): one more page, next in line.
                pipeline.pushFront(job.following())
            }
        }
    }

    /// What both visit strategies start from: the site's zone, the newest `serverTimestamp` to store,
    /// the stored cursor and the days to walk (reported as the table's start).
    func startVisits(_ run: inout TableRun) -> (zone: TimeZone, cutoff: Int64, cursor: VisitCursor?, window: DayRange) {
        let zone = run.site.timeZone
        let now = Int64(options.now().timeIntervalSince1970)
        let cutoff = VisitPlanner.cutoff(now: now)
        let today = LocalDay.containing(epochSeconds: now, in: zone)
        let created = run.site.createdAt.map { LocalDay.containing($0, in: zone) }
        let stored = run.state.cursor.flatMap(VisitCursor.init)
        let firstDay = VisitPlanner.startDay(cursor: stored, zone: zone, today: today, backfillDays: options.backfillDays, siteCreated: created)
        let window = DayRange(firstDay, max(firstDay, LocalDay.containing(epochSeconds: cutoff, in: zone)))
        run.report.days = window
        noteRefreshWindow(&run, first: window.first)
        progress.report(.tableStarted(.visits, siteId: siteId, physicalTable: run.report.physicalTable, daysTotal: window.count))
        return (zone, cutoff, stored, window)
    }

    /// Visits per site-local day from `VisitsSummary.get` (`period=day&date=A,B`, up to 400 days a request).
    func visitCounts(_ window: DayRange, requests: inout Int) async throws -> [LocalDay: Int] {
        var counts: [LocalDay: Int] = [:]
        for chunk in window.chunked(by: 400) {
            try checkStop()
            let body = try await client.call("VisitsSummary.get", [
                ("idSite", String(siteId)), ("period", "day"), ("date", "\(chunk.first),\(chunk.last)"),
                ("format_metrics", "0"), ("showColumns", "nb_visits"),
            ])
            requests += 1
            for (day, value) in try ReportParsing.column("nb_visits", body, method: "VisitsSummary.get", singleDay: chunk.count == 1 ? chunk.first : nil) {
                guard let value else { counts[day] = 0; continue }
                guard let count = value.intValue, count >= 0 else {
                    throw MatomoError.unexpectedAnswer(method: "VisitsSummary.get", detail: "the visit count of \(day) is not a count")
                }
                counts[day] = Int(count)
            }
        }
        return counts
    }
}

/// One Live page of a segment. All pages of a segment share its lower bound and differ by offset, so
/// they can be fetched at once; they are committed in order.
struct VisitPageJob: Sendable {
    var segment: Int
    var days: DayRange
    var page: Int
    var minTimestamp: Int64
    var offset: Int
    var limit: Int
    var isLastPlanned: Bool

    /// The first `pages` pages of a segment. The lower bound is the segment's first second, or the
    /// stored cursor when it falls inside the segment (a resumed walk skips what it stored).
    static func planned(segment: Int, days: DayRange, pages: Int, cursor: VisitCursor, zone: TimeZone, limit: Int) -> [VisitPageJob] {
        let base = VisitPlanner.nextPage(day: days.first, dayStart: days.first.start(in: zone), cursor: cursor, limit: limit)
        return (0..<pages).map {
            VisitPageJob(segment: segment, days: days, page: $0, minTimestamp: base.minTimestamp,
                         offset: base.offset + $0 * limit, limit: limit, isLastPlanned: $0 == pages - 1)
        }
    }

    func following() -> VisitPageJob {
        var next = self
        next.page += 1
        next.offset += limit
        return next
    }

    func fetch(_ client: MatomoClient, siteId: Int) async throws -> [JSONRow] {
        var params: [(String, String)] = [("idSite", String(siteId))]
        if days.count == 1 {
            params += [("period", "day"), ("date", days.first.description)]
        } else {
            params += [("period", "range"), ("date", "\(days.first),\(days.last)")]
        }
        params += [("filter_sort_order", "asc"), ("filter_limit", String(limit)), ("minTimestamp", String(minTimestamp))]
        if offset > 0 { params.append(("filter_offset", String(offset))) }
        // Parsed here, off the writer's path, while earlier pages are being written; the parse is
        // also the body's only validation pass.
        return try await client.call("Live.getLastVisitsDetails", params) { body in
            try ReportParsing.visits(body, method: "Live.getLastVisitsDetails")
        }
    }
}

/// The walk's bookkeeping over pages taken in order: the cursor, the day of each visit, the visits
/// under an hour old that end it, and the ids already taken at the cursor's second (so a page that
/// overlaps the previous one, if the server's order shifted between requests, counts nothing twice).
struct VisitWalk {
    var cursor: VisitCursor
    let cutoff: Int64
    let zone: TimeZone
    private var idsAtCursor: Set<Int64> = []
    private var taken: [Int: Int] = [:]
    private var currentSegment = -1
    private var dayBounds: Range<Int64> = 0..<0
    private var dayText = ""
    private var timestampPosition = 0
    private var idPosition = 0

    init(cursor: VisitCursor, cutoff: Int64, zone: TimeZone) {
        self.cursor = cursor
        self.cutoff = cutoff
        self.zone = zone
    }

    func takenInSegment(_ segment: Int) -> Int { taken[segment] ?? 0 }

    /// Calls `store` for each visit of the page to store, with its site-local day, oldest first.
    /// Returns nil, or how many visits of the page are under an hour old (the walk stops there).
    mutating func take(_ visits: [JSONRow], in bounds: Range<Int64>, segment: Int = -1,
                       store: (JSONRow, String) throws -> Void) throws -> Int? {
        for (i, visit) in visits.enumerated() {
            guard let ts = visit.field("serverTimestamp", hint: &timestampPosition)?.intValue else {
                throw MatomoError.unexpectedAnswer(method: "Live.getLastVisitsDetails", detail: "a visit has no serverTimestamp")
            }
            // Before: yesterday's visits that `date=today` adds. At or after the end: Matomo's end
            // bound is inclusive, so a visit at the next midnight is the next segment's.
            guard bounds.contains(ts) else { continue }
            if ts > cutoff { return visits.count - i }
            let id = visit.field("idVisit", hint: &idPosition)?.intValue ?? -1
            if ts == cursor.timestamp {
                guard idsAtCursor.insert(id).inserted else { continue }
            } else if ts > cursor.timestamp {
                idsAtCursor = [id]
            }
            if !dayBounds.contains(ts) {
                let day = LocalDay.containing(epochSeconds: ts, in: zone)
                dayBounds = day.bounds(in: zone)
                dayText = day.description
            }
            try store(visit, dayText)
            cursor.advance(to: ts)
            taken[segment, default: 0] += 1
        }
        return nil
    }
}

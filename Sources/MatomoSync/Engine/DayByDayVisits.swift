import Foundation
import MatomoAPI

extension SyncEngine {
    /// The baseline strategy (`SyncOptions.Strategy.dayByDay`), kept for the benchmark's comparison:
    /// walks site-local days oldest first with `period=day&filter_sort_order=asc`, one request at a
    /// time, committing each page with its cursor. Stops at the first visit under an hour old.
    func syncVisitsDayByDay(_ run: inout TableRun) async throws {
        let (zone, cutoff, stored, days) = startVisits(&run)
        var cursor = stored

        walk: for (done, day) in days.days.enumerated() {
            let bounds = day.bounds(in: zone)
            if cursor == nil || cursor!.day != day {
                cursor = VisitCursor(timestamp: cursor?.timestamp ?? bounds.lowerBound - 1,
                                     seenAtTimestamp: cursor?.seenAtTimestamp ?? 0, day: day)
            }
            while true {
                try checkStop()
                let page = VisitPlanner.nextPage(day: day, dayStart: bounds.lowerBound, cursor: cursor, limit: options.pageSize)
                var params: [(String, String)] = [
                    ("idSite", String(siteId)), ("period", "day"), ("date", day.description),
                    ("filter_sort_order", "asc"), ("filter_limit", String(page.limit)),
                    ("minTimestamp", String(page.minTimestamp)),
                ]
                if page.offset > 0 { params.append(("filter_offset", String(page.offset))) }
                let body = try await client.call(run.spec.method, params)
                run.report.requests += 1
                let visits = try ReportParsing.visits(body, method: run.spec.method)
                var rows: [[Cell]] = []
                var derived = DerivedPage()
                rows.reserveCapacity(visits.count)
                var deferred = false
                for (i, visit) in visits.enumerated() {
                    guard let ts = visit.field("serverTimestamp")?.intValue else {
                        throw MatomoError.unexpectedAnswer(method: run.spec.method, detail: "a visit has no serverTimestamp")
                    }
                    if ts < bounds.lowerBound { continue }  // yesterday's visits that `today` adds
                    if ts > cutoff {
                        deferred = true
                        run.report.deferredVisits += visits.count - i
                        break
                    }
                    rows.append(run.shaper.shape(visit, siteId: siteId, date: day.description, syncedAt: run.syncedAt))
                    try derived.add(visit, day: day.description, siteId: siteId, run: &run)
                    cursor!.advance(to: ts)
                }
                run.state.cursor = cursor!.description
                try await commit(&run, rows: rows, replace: .byKey, derived: derived.writes)
                progress.report(.progress(.visits, siteId: siteId, physicalTable: run.report.physicalTable, daysDone: done, daysTotal: days.count, rows: run.report.rows))
                if deferred { break walk }
                if visits.count < page.limit { break }
            }
            progress.report(.progress(.visits, siteId: siteId, physicalTable: run.report.physicalTable, daysDone: done + 1, daysTotal: days.count, rows: run.report.rows))
        }
    }
}

import Foundation
import MatomoAPI

/// Reads one site-local day of Matomo's raw log (the Live API), whole.
///
/// Pages are not walked by `filter_offset` from one lower bound, as the sync's segments are: each page
/// starts again from the last second the previous one reached (`minTimestamp` one second before it)
/// and the visits seen twice are dropped by id, so a tie order that shifts between requests loses
/// nothing. Only a page all of whose visits share one second moves on by offset.
struct DayLog: Sendable {
    let client: MatomoClient
    let siteId: Int
    let pageSize: Int

    /// The day's visits up to `cutoff` (what a sync stores), oldest first; without their actions
    /// unless `actions` (ids are all a comparison needs).
    func visits(_ day: LocalDay, zone: TimeZone, cutoff: Int64, actions: Bool) async throws -> (visits: [(id: Int64, row: JSONRow)], requests: Int) {
        let bounds = day.bounds(in: zone)
        var minTimestamp = bounds.lowerBound - 1
        var offset = 0
        var seen = Set<Int64>()
        var out: [(id: Int64, row: JSONRow)] = []
        var requests = 0
        while true {
            try Task.checkCancellation()
            var params: [(String, String)] = [
                ("idSite", String(siteId)), ("period", "day"), ("date", day.description),
                ("filter_sort_order", "asc"), ("filter_limit", String(pageSize)), ("minTimestamp", String(minTimestamp)),
            ]
            if offset > 0 { params.append(("filter_offset", String(offset))) }
            if !actions { params.append(("doNotFetchActions", "1")) }
            let page = try await client.call("Live.getLastVisitsDetails", params) { body in
                try ReportParsing.visits(body, method: "Live.getLastVisitsDetails")
            }
            requests += 1
            var first: Int64?, last: Int64?
            for visit in page {
                guard let ts = visit.field("serverTimestamp")?.intValue, let id = visit.field("idVisit")?.intValue else {
                    throw MatomoError.unexpectedAnswer(method: "Live.getLastVisitsDetails", detail: "a visit has no serverTimestamp or idVisit")
                }
                first = first ?? ts
                last = ts
                guard bounds.contains(ts), ts <= cutoff, seen.insert(id).inserted else { continue }
                out.append((id, visit))
            }
            guard page.count >= pageSize, let first, let last, last < bounds.upperBound, last <= cutoff else { break }
            if first == last {
                offset += pageSize
            } else {
                minTimestamp = last - 1
                offset = 0
            }
        }
        return (out, requests)
    }
}

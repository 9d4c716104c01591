import Foundation
import Testing
@testable import MatomoSync

@Suite struct PlanningTests {
    let paris = TimeZone(identifier: "Europe/Paris")!
    let losAngeles = TimeZone(identifier: "America/Los_Angeles")!
    let kolkata = TimeZone(secondsFromGMT: 19800)!

    @Test func dayArithmetic() {
        let d = LocalDay(year: 2024, month: 2, day: 28)
        #expect(d.adding(days: 1).description == "2024-02-29")
        #expect(d.adding(days: 2).description == "2024-03-01")
        #expect(LocalDay("2026-11-27")?.adding(days: -365).description == "2025-11-27")
        #expect(LocalDay("2026-13-45") == nil)
        #expect(LocalDay("2026-02-30") == nil)
        #expect(DayRange(LocalDay("2026-01-01")!, LocalDay("2026-12-31")!).chunked(by: 100).count == 4)
    }

    @Test func todayDependsOnTheSiteTimezone() {
        // 2026-11-27 03:30 UTC: already the 27th in Paris and Kolkata, still the 26th in Los Angeles.
        let instant = Date(timeIntervalSince1970: 1_795_750_200)
        #expect(LocalDay.containing(instant, in: paris).description == "2026-11-27")
        #expect(LocalDay.containing(instant, in: kolkata).description == "2026-11-27")
        #expect(LocalDay.containing(instant, in: losAngeles).description == "2026-11-26")
        // Day bounds follow the zone, DST included.
        let day = LocalDay("2026-03-29")!  // Paris springs forward: a 23-hour day
        let b = day.bounds(in: paris)
        #expect(b.upperBound - b.lowerBound == 23 * 3600)
    }

    @Test func backfillWindowWestAndEastOfUTC() {
        let instant = Date(timeIntervalSince1970: 1_795_750_200)
        for (zone, today) in [(losAngeles, "2026-11-26"), (kolkata, "2026-11-27")] {
            let t = LocalDay.containing(instant, in: zone)
            let w = AggregatePlanner.window(today: t, cursor: nil, backfillDays: 365, fullRefresh: false)
            #expect(w.last.description == today)
            #expect(w.count == 366)
            #expect(w.first == t.adding(days: -365))
        }
    }

    @Test func incrementalWindowRepullsThreeDays() {
        let today = LocalDay("2026-11-27")!
        let w = AggregatePlanner.window(today: today, cursor: LocalDay("2026-11-25"), backfillDays: 365, fullRefresh: false)
        #expect(w.description == "2026-11-22,2026-11-27")
        let full = AggregatePlanner.window(today: today, cursor: LocalDay("2026-11-25"), backfillDays: 30, fullRefresh: true)
        #expect(full.count == 31)
        let young = AggregatePlanner.window(today: today, cursor: nil, backfillDays: 365, fullRefresh: false, siteCreated: LocalDay("2026-11-01"))
        #expect(young.first.description == "2026-11-01")
    }

    @Test func aggregateBackfillTakesFewRequests() {
        let window = DayRange(LocalDay("2025-11-27")!, LocalDay("2026-11-27")!)
        let ranged = AggregatePlanner.chunks(window, acceptsDateRange: true, rangeDays: 100, bulkDays: 31)
        let bulk = AggregatePlanner.chunks(window, acceptsDateRange: false, rangeDays: 100, bulkDays: 31)
        #expect(ranged.count * 3 + bulk.count <= 60)
        #expect(ranged.flatMap(\.days) == window.days)
        #expect(bulk.flatMap(\.days) == window.days)
    }

    @Test func visitCursorHandlesManyVisitsInOneSecond() {
        let day = LocalDay("2026-11-20")!
        let start = day.start(in: paris)
        var cursor = VisitCursor(timestamp: start - 1, seenAtTimestamp: 0, day: day)
        #expect(VisitPlanner.nextPage(day: day, dayStart: start, cursor: cursor, limit: 2) ==
                VisitPageRequest(day: day, minTimestamp: start - 1, offset: 0, limit: 2))
        // A page of 2 visits both in second T: the next page asks for >= T and skips those 2.
        cursor.advance(to: start + 10)
        cursor.advance(to: start + 10)
        #expect(VisitPlanner.nextPage(day: day, dayStart: start, cursor: cursor, limit: 2) ==
                VisitPageRequest(day: day, minTimestamp: start + 9, offset: 2, limit: 2))
        cursor.advance(to: start + 11)
        #expect(cursor.timestamp == start + 11 && cursor.seenAtTimestamp == 1)
        #expect(VisitCursor(cursor.description) == cursor)
    }

    @Test func aNewDayStartsAtItsFirstSecond() {
        let day = LocalDay("2026-11-21")!
        let start = day.start(in: paris)
        let old = VisitCursor(timestamp: start - 500, seenAtTimestamp: 7, day: LocalDay("2026-11-20")!)
        // The cursor is before the day: offset must not apply, and yesterday's visits (the `today` quirk) are excluded.
        #expect(VisitPlanner.nextPage(day: day, dayStart: start, cursor: old, limit: 1000) ==
                VisitPageRequest(day: day, minTimestamp: start - 1, offset: 0, limit: 1000))
    }

    @Test func recentVisitsAreDeferred() {
        #expect(VisitPlanner.cutoff(now: 1_000_000) == 1_000_000 - 3600)
        let today = LocalDay("2026-11-27")!
        #expect(VisitPlanner.startDay(cursor: nil, zone: paris, today: today, backfillDays: 365).description == "2025-11-27")
        // Incremental: from the newest stored visit's day, but at most a day before the last walk's end.
        let yesterdayNoon = LocalDay("2026-11-26")!.start(in: paris) + 43200
        let recent = VisitCursor(timestamp: yesterdayNoon, seenAtTimestamp: 1, day: today)
        #expect(VisitPlanner.startDay(cursor: recent, zone: paris, today: today, backfillDays: 365).description == "2026-11-26")
        let quiet = VisitCursor(timestamp: LocalDay("2026-01-01")!.start(in: paris), seenAtTimestamp: 1, day: today)
        #expect(VisitPlanner.startDay(cursor: quiet, zone: paris, today: today, backfillDays: 365).description == "2026-11-26")
    }
}

import Foundation
import Testing
@testable import MatomoSync

/// The pure rules of `verify`: which days, and how a day is judged.
struct VerifyRulesTests {
    static let paris = TimeZone(identifier: "Europe/Paris")!
    static let d = LocalDay(year: 2026, month: 11, day: 20)

    @Test func lastCompleteDayWaitsForTheHourAfterMidnight() {
        // 00:30 in Paris (23:30 UTC): visits of 23:30 the day before are not stored yet.
        let early = Date(timeIntervalSince1970: TimeInterval(Self.d.start(in: Self.paris) + 1800))
        #expect(VerifyPlanner.lastCompleteDay(now: early, zone: Self.paris) == Self.d.adding(days: -2))
        let later = Date(timeIntervalSince1970: TimeInterval(Self.d.start(in: Self.paris) + 3 * 3600))
        #expect(VerifyPlanner.lastCompleteDay(now: later, zone: Self.paris) == Self.d.adding(days: -1))
    }

    @Test func windowStaysWithinWhatTheTableHolds() {
        let today = Self.d
        let w = VerifyPlanner.window(today: today, lastComplete: today.adding(days: -1), days: 365, since: nil, siteCreated: nil,
                                     firstStored: today.adding(days: -30), lastSynced: today.adding(days: -1))
        #expect(w == DayRange(today.adding(days: -30), today.adding(days: -1)))
        // --days, --since, the site's creation and the last synced day all bound it.
        #expect(VerifyPlanner.window(today: today, lastComplete: today.adding(days: -1), days: 7, since: nil, siteCreated: nil,
                                     firstStored: today.adding(days: -30), lastSynced: today.adding(days: -3))
                == DayRange(today.adding(days: -7), today.adding(days: -3)))
        #expect(VerifyPlanner.window(today: today, lastComplete: today.adding(days: -1), days: 7, since: today.adding(days: -10),
                                     siteCreated: today.adding(days: -9), firstStored: today.adding(days: -30), lastSynced: today)
                == DayRange(today.adding(days: -9), today.adding(days: -1)))
        // Nothing synced, or nothing complete: nothing to check.
        #expect(VerifyPlanner.window(today: today, lastComplete: today.adding(days: -1), days: 7, since: nil, siteCreated: nil,
                                     firstStored: nil, lastSynced: nil) == nil)
        #expect(VerifyPlanner.window(today: today, lastComplete: today.adding(days: -1), days: 7, since: nil, siteCreated: nil,
                                     firstStored: today, lastSynced: today) == nil)
    }

    @Test func lastSyncedDaysFromTheCursors() {
        let ts = Self.d.start(in: Self.paris) + 9 * 3600
        #expect(VerifyPlanner.lastSyncedVisitDay(cursor: VisitCursor(timestamp: ts, seenAtTimestamp: 1, day: Self.d).description, zone: Self.paris)
                == Self.d.adding(days: -1))
        // A walk that finished later days without visits stands in the last of them.
        #expect(VerifyPlanner.lastSyncedVisitDay(cursor: VisitCursor(timestamp: ts, seenAtTimestamp: 1, day: Self.d.adding(days: 2)).description, zone: Self.paris)
                == Self.d.adding(days: 1))
        #expect(VerifyPlanner.lastSyncedReportDay(cursor: "2026-11-20") == Self.d.adding(days: -1))
        #expect(VerifyPlanner.lastSyncedReportDay(cursor: "2026-11-20 one-date-per-request") == Self.d.adding(days: -1))
        #expect(VerifyPlanner.lastSyncedReportDay(cursor: nil) == nil)
    }

    @Test func visitDayTellsAStaleArchiveFromAGap() {
        #expect(!VerifyRules.needsLog(stored: 5, archive: 5))
        #expect(VerifyRules.needsLog(stored: 4, archive: 5))
        // The warehouse misses two visits the log has; the archive agrees with the log.
        let gap = VerifyRules.visitDay(table: .visits, siteId: 1, day: Self.d, stored: [1, 2, 3], log: [1, 2, 3, 4, 5], archive: 5)
        #expect(gap?.missing == ["4", "5"] && gap?.staleArchive == false && gap?.warehouseDiffers == true)
        // The warehouse holds the log; Matomo's archive counts fewer: Matomo's to fix.
        let stale = VerifyRules.visitDay(table: .visits, siteId: 1, day: Self.d, stored: [1, 2, 3], log: [1, 2, 3], archive: 2)
        #expect(stale?.staleArchive == true && stale?.missing == [] && stale?.warehouseDiffers == false)
        #expect(stale.map(VerifyRules.staleArchiveAdvice)?.hasPrefix("Matomo's archive for 2026-11-20 counts 2 visits, its log holds 3: re-run Matomo's archiving for that day") == true)
        // A visit Matomo no longer has: extra, and never resolved by a repair.
        var extra = VerifyRules.visitDay(table: .visits, siteId: 1, day: Self.d, stored: [1, 2, 9], log: [1, 2], archive: 2)!
        #expect(extra.extra == ["9"])
        extra.repaired = true
        #expect(extra.unresolved)
        #expect(VerifyRules.visitDay(table: .visits, siteId: 1, day: Self.d, stored: [1, 2], log: [1, 2], archive: 2) == nil)
    }

    @Test func derivedDayAgainstItsVisits() {
        #expect(VerifyRules.derivedDay(table: .visitActions, siteId: 1, day: Self.d, sourceIds: [1, 2], derivedIds: [1, 2], broken: []) == nil)
        let d = VerifyRules.derivedDay(table: .visitActions, siteId: 1, day: Self.d, sourceIds: [1, 2, 3], derivedIds: [1, 2, 7], broken: [2])
        #expect(d?.missing == ["2", "3"])
        #expect(d?.extra == ["7"])
    }

    @Test func reportDayByRowsKeysAndSums() {
        let stored = DaySummary(rows: 2, keys: ["a", "b"], sums: ["nb_visits": 10, "bounce_rate": 0.3])
        #expect(VerifyRules.reportDay(table: .pages, siteId: 1, day: Self.d, stored: stored,
                                      fresh: DaySummary(rows: 2, keys: ["a", "b"], sums: ["nb_visits": 10, "bounce_rate": 0.30000000001]),
                                      metrics: ["nb_visits", "bounce_rate"]) == nil)
        let changed = VerifyRules.reportDay(table: .pages, siteId: 1, day: Self.d, stored: stored,
                                            fresh: DaySummary(rows: 2, keys: ["a", "c"], sums: ["nb_visits": 12, "bounce_rate": 0.3]),
                                            metrics: ["nb_visits", "bounce_rate"])
        #expect(changed?.missing == ["c"] && changed?.extra == ["b"] && changed?.sumsDiffer == ["nb_visits"])
        // A day with no stored rows at all.
        let empty = VerifyRules.reportDay(table: .pages, siteId: 1, day: Self.d, stored: DaySummary(),
                                          fresh: DaySummary(rows: 1, keys: ["a"], sums: ["nb_visits": 1]), metrics: ["nb_visits"])
        #expect(empty?.stored == 0 && empty?.matomo == 1)
        #expect(VerifyRules.key([.int(3), .text("google"), .real(2), .null]) == "3\u{1F}google\u{1F}2\u{1F}")
    }

    @Test func reportTextAndJSON() throws {
        var stale = VerifyRules.visitDay(table: .visits, siteId: 1, day: Self.d, stored: [1, 2, 3], log: [1, 2, 3], archive: 2)!
        stale.repaired = false
        let gap = VerifyRules.visitDay(table: .visits, siteId: 1, day: Self.d.adding(days: 1), stored: [1], log: [1, 2], archive: 2)!
        let report = VerifyReport(tables: [TableVerdict(table: .visits, siteId: 1, physicalTable: "visits", days: DayRange(Self.d, Self.d.adding(days: 1)),
                                                        daysChecked: 2, daysDiffering: 2, rowsMissing: 1, rowsExtra: 0)],
                                  differences: [stale, gap], requests: 4)
        let lines = report.lines()
        #expect(lines[0].contains("days checked 2  differing 2  rows missing 1  extra 0"))
        #expect(lines[1].hasPrefix("visits site 1 2026-11-20: Matomo's archive for 2026-11-20 counts 2 visits, its log holds 3"))
        #expect(lines[2] == "visits site 1 2026-11-21: stored 1, log 2, 1 missing (2)")
        #expect(report.verdict.contains("verify --repair") && report.verdict.contains("Matomo's archiving must run again"))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(report.json().utf8)) as? [String: Any])
        #expect(object["clean"] as? Bool == false)
        #expect((object["differences"] as? [[String: Any]])?.first?["stale_archive"] as? Bool == true)
        #expect((object["tables"] as? [[String: Any]])?.first?["days_checked"] as? Int == 2)
    }
}

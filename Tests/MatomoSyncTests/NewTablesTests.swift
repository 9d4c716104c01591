import Foundation
import MatomoAPI
import MatomoFake
import Testing
@testable import MatomoSync

/// The tables added with the catalog (pages, goals_summary, event_*, goals, visit_actions) and
/// user-declared reports, end to end on every warehouse.
@Suite(.serialized) struct NewTablesTests {
    static let dated: [TableName] = [.visitsSummary, .actionsSummary, .referrers, .countries, .pages, .goalsSummary,
                                     .eventCategories, .eventActions, .eventNames]

    /// visit_actions added after visits has synced for a while, and turned off for a few runs: each
    /// time it is on again, the next run walks the visits again from its cursor, so it holds the
    /// actions of every stored visit; the visits themselves are unchanged (merged by key).
    @Test(arguments: [WarehouseKind.sqlite, .postgres, .clickhouse])
    func visitActionsTurnedOnLaterGetsItsHistory(_ kind: WarehouseKind) async throws {
        try await withHarness(kind) { h in
            h.fake.generateTraffic(siteId: 1, days: 20, visitsPerDay: 10...30, seed: 9)
            func actionsMatchVisits() async throws {
                let expected = try await h.query("SELECT id_visit, action_details FROM visits").reduce(0) { sum, row in
                    guard case .text(let json)? = row.last, let data = json.data(using: .utf8),
                          let list = try? JSONSerialization.jsonObject(with: data) as? [Any] else { return sum }
                    return sum + list.count
                }
                #expect(expected > 100)
                #expect(try await h.int("SELECT COUNT(*) FROM visit_actions") == Int64(expected))
                #expect(try await h.int("SELECT COUNT(DISTINCT id_visit) FROM visit_actions")
                        == (try await h.int("SELECT COUNT(*) FROM visits")))
            }
            #expect(try await h.sync(h.options([.visits], backfillDays: 15, pageSize: 40)).0.succeeded)
            let visitsBefore = try await h.query("SELECT id_visit, server_timestamp FROM visits ORDER BY id_visit")
            let (on, _) = try await h.sync(h.options([.visits, .visitActions], backfillDays: 15, pageSize: 40))
            #expect(on.succeeded, "\(on.tables.compactMap(\.error))")
            try await actionsMatchVisits()
            #expect(try await h.query("SELECT id_visit, server_timestamp FROM visits ORDER BY id_visit") == visitsBefore)

            // Off for two days of new traffic, then on again.
            h.clock.advance(2 * 86400)
            h.fake.generateTraffic(siteId: 1, days: 2, visitsPerDay: 20...30, seed: 10)
            #expect(try await h.sync(h.options([.visits], backfillDays: 15, pageSize: 40)).0.succeeded)
            #expect(try await h.sync(h.options([.visits, .visitActions], backfillDays: 15, pageSize: 40)).0.succeeded)
            try await actionsMatchVisits()
        }
    }

    @Test(arguments: WarehouseKind.allCases)
    func everyTableSyncsAndAgreesWithTheVisitLog(_ kind: WarehouseKind) async throws {
        try await withHarness(kind) { h in
            h.fake.generateTraffic(siteId: 1, days: 40, visitsPerDay: 10...30, seed: 7)
            let (first, _) = try await h.sync(h.options(backfillDays: 30))
            #expect(first.succeeded, "\(first.tables.compactMap(\.error))")
            #expect(Set(first.tables.map(\.table)) == Set(TableName.allCases))

            let paris = TimeZone(identifier: "Europe/Paris")!
            let today = LocalDay.containing(h.clock.now, in: paris)
            let past = "_date < '\(today)'"
            // visit_actions holds each stored visit's actionDetails, in order.
            let visits = try await h.int("SELECT COUNT(*) FROM visits")
            let expectedActions = h.fake.visits(siteId: 1).filter { v in
                Set(h.expectedVisitIDs(since: Date(timeIntervalSince1970: TimeInterval(today.adding(days: -30).start(in: paris))))).contains(v.idVisit)
            }.reduce(0) { $0 + $1.actions.count }
            #expect(visits > 200)
            #expect(try await h.int("SELECT COUNT(*) FROM visit_actions") == Int64(expectedActions))
            #expect(try await h.int("SELECT COUNT(DISTINCT id_visit) FROM visit_actions") == visits)
            #expect(try await h.int("SELECT COUNT(*) FROM visit_actions WHERE position = 0 AND type <> 'action'") == 0)
            // Order: for a sample of visits, the types by position are the fake's actions in order.
            for id in try await h.query("SELECT id_visit FROM visits ORDER BY id_visit LIMIT 20").compactMap({ row -> Int64? in
                if case .int(let v) = row.first { return v }
                return nil
            }) {
                let stored = try await h.query("SELECT position, type FROM visit_actions WHERE id_visit = \(id) ORDER BY position")
                let fake = try #require(h.fake.visits(siteId: 1).first { Int64($0.idVisit) == id })
                #expect(stored == fake.actions.enumerated().map { [.int(Int64($0.offset)), .text($0.element.type)] })
            }
            // Reports that count actions agree with the actions of the stored visits, day by day.
            let pageviews = try await h.int("SELECT COUNT(*) FROM visit_actions WHERE type = 'action' AND \(past)")
            #expect(try await h.int("SELECT SUM(nb_hits) FROM pages WHERE \(past)") == pageviews)
            #expect(try await h.int("SELECT SUM(nb_pageviews) FROM actions_summary WHERE \(past)") == pageviews)
            let events = try await h.int("SELECT COUNT(*) FROM visit_actions WHERE type = 'event' AND \(past)")
            #expect(events > 0)
            for table in ["event_categories", "event_actions", "event_names"] {
                #expect(try await h.int("SELECT SUM(nb_events) FROM \(table) WHERE \(past)") == events, "\(table)")
            }
            let conversions = try await h.int("SELECT COUNT(*) FROM visit_actions WHERE type = 'goal' AND \(past)")
            #expect(conversions > 0)
            #expect(try await h.int("SELECT SUM(nb_conversions) FROM goals_summary WHERE \(past)") == conversions)
            #expect(try await h.int("SELECT COUNT(*) FROM goals_summary") == 31)
            #expect(try await h.query("SELECT idgoal, name FROM goals ORDER BY idgoal") == [[.int(1), .text("Newsletter signup")], [.int(2), .text("Contact form sent")]])
            #expect(try await h.columnType("pages", "nb_hits") == "integer")
            #expect(try await h.columnType("goals_summary", "conversion_rate") == "real")
            #expect(try await h.columnType("visit_actions", "position") == "integer")

            // Nothing new: every table in at most 15 requests.
            h.clock.advance(60)
            let (second, requests) = try await h.sync(h.options(backfillDays: 30))
            #expect(second.succeeded, "\(second.tables.compactMap(\.error))")
            #expect(requests.values.reduce(0, +) <= 15, "\(requests)")
            #expect(try await h.int("SELECT COUNT(*) FROM visit_actions") == Int64(expectedActions))
            #expect(try await h.int("SELECT COUNT(*) FROM goals") == 2)
            let status = try await h.status()
            #expect(Set(status.map(\.table)) == Set(TableName.allCases.map(\.rawValue)))
            #expect(status.allSatisfy { $0.state.lastSuccessAt != nil && $0.state.lastError == nil })
        }
    }

    @Test(arguments: WarehouseKind.allCases)
    func aVisitFetchedAgainReplacesItsActionsExactly(_ kind: WarehouseKind) async throws {
        try await withHarness(kind) { h in
            let t = Int(h.clock.now.timeIntervalSince1970) - 2 * 3600
            func visit(_ actions: Int, last: Int) -> FakeVisit {
                FakeVisit(idVisit: 7, siteId: 1, firstActionTimestamp: t, lastActionTimestamp: last,
                          actions: (0..<actions).map { i in
                              i % 2 == 0
                                  ? FakeAction(type: "action", url: "https://shop.example.com/p\(i)", title: "Page \(i)", timestamp: t + i)
                                  : FakeAction(type: "event", url: "https://shop.example.com/p\(i - 1)", title: "Name \(i)", timestamp: t + i,
                                               eventCategory: "Cat", eventAction: "Act \(i)")
                          })
            }
            // Visit 8 holds the cursor, so a later walk starts after it and meets visit 7 again once it moves.
            let other = FakeVisit(idVisit: 8, siteId: 1, firstActionTimestamp: t + 10, lastActionTimestamp: t + 10)
            h.fake.addVisits([visit(5, last: t + 4), other])
            try await h.sync(h.options([.visits, .visitActions], backfillDays: 2))
            #expect(try await h.query("SELECT position, type FROM visit_actions WHERE id_visit = 7 ORDER BY position")
                    == (0..<5).map { [.int(Int64($0)), .text($0 % 2 == 0 ? "action" : "event")] })
            // Visit 7 is rewritten with three actions and a later last action: fetched again, its actions
            // replace the old five exactly (positions 3 and 4 go).
            h.fake.removeAllVisits(siteId: 1)
            h.fake.addVisits([visit(3, last: t + 100), other])
            h.clock.advance(3600)
            let (report, _) = try await h.sync(h.options([.visits, .visitActions], backfillDays: 2))
            #expect(report.succeeded, "\(report.tables.compactMap(\.error))")
            #expect(report.tables.first { $0.table == .visitActions }?.rows == 3)
            #expect(try await h.query("SELECT position, event_action FROM visit_actions WHERE id_visit = 7 ORDER BY position")
                    == [[.int(0), .null], [.int(1), .text("Act 1")], [.int(2), .null]])
            #expect(try await h.int("SELECT COUNT(*) FROM visit_actions WHERE id_visit = 8") == 1)
            #expect(try await h.int("SELECT COUNT(*) FROM visits") == 2)
            // Turned off alone: visits sync, visit_actions is left as it was.
            h.fake.removeAllVisits(siteId: 1)
            h.fake.addVisits([visit(3, last: t + 100), other,
                              FakeVisit(idVisit: 9, siteId: 1, firstActionTimestamp: t + 300, lastActionTimestamp: t + 300)])
            h.clock.advance(3600)
            let (off, _) = try await h.sync(h.options([.visits], backfillDays: 2))
            #expect(off.tables.map(\.table) == [.visits])
            #expect(try await h.int("SELECT COUNT(*) FROM visits WHERE id_visit = 9") == 1)
            #expect(try await h.int("SELECT COUNT(*) FROM visit_actions WHERE id_visit = 9") == 0)
            #expect(try await h.int("SELECT COUNT(*) FROM visit_actions") == 4)
        }
    }

    @Test(arguments: WarehouseKind.allCases)
    func aRePulledDayReplacesItsRowsAndFullRefreshReloads(_ kind: WarehouseKind) async throws {
        try await withHarness(kind) { h in
            h.fake.generateTraffic(siteId: 1, days: 10, visitsPerDay: 10...20, seed: 5)
            let tables: [TableName] = [.pages, .eventNames, .goalsSummary, .goals]
            try await h.sync(h.options(tables, backfillDays: 10))
            let paris = TimeZone(identifier: "Europe/Paris")!
            let yesterday = LocalDay.containing(h.clock.now, in: paris).adding(days: -1)
            #expect(try await h.int("SELECT COUNT(*) FROM pages WHERE _date = '\(yesterday)'") > 1)
            // Yesterday's traffic vanishes (re-archived): within the trailing window, its rows go too.
            let keep = h.fake.visits(siteId: 1).filter { LocalDay.containing(epochSeconds: Int64($0.lastActionTimestamp), in: paris) != yesterday }
            h.fake.removeAllVisits(siteId: 1)
            h.fake.addVisits(keep)
            h.clock.advance(3600)
            let (report, _) = try await h.sync(h.options(tables, backfillDays: 10))
            #expect(report.succeeded, "\(report.tables.compactMap(\.error))")
            #expect(try await h.int("SELECT COUNT(*) FROM pages WHERE _date = '\(yesterday)'") == 0)
            #expect(try await h.int("SELECT COUNT(*) FROM event_names WHERE _date = '\(yesterday)'") == 0)
            #expect(try await h.int("SELECT nb_conversions FROM goals_summary WHERE _date = '\(yesterday)'") == 0)
            // A full refresh reloads the window; goal definitions follow Matomo's list.
            let before = try await h.int("SELECT COUNT(*) FROM pages")
            var options = h.options(tables, backfillDays: 10, fullRefresh: true)
            options.fullRefresh = true
            h.fake.removeAllVisits(siteId: 1)
            h.fake.addVisits(keep)
            let (refresh, _) = try await h.sync(options)
            #expect(refresh.succeeded, "\(refresh.tables.compactMap(\.error))")
            #expect(try await h.int("SELECT COUNT(*) FROM pages") == before)
            #expect(try await h.int("SELECT COUNT(*) FROM goals") == 2)
        }
    }

    @Test func aTruncatedReportKeepsItsOthersRow() async throws {
        try await withHarness(.sqlite, configure: { $0.reportRowLimit = 3 }) { h in
            h.fake.generateTraffic(siteId: 1, days: 5, visitsPerDay: 30...40, seed: 9)
            let (report, _) = try await h.sync(h.options([.pages, .eventActions], backfillDays: 5))
            #expect(report.succeeded, "\(report.tables.compactMap(\.error))")
            let paris = TimeZone(identifier: "Europe/Paris")!
            let yesterday = LocalDay.containing(h.clock.now, in: paris).adding(days: -1)
            #expect(try await h.int("SELECT COUNT(*) FROM pages WHERE _date = '\(yesterday)'") == 3)
            #expect(try await h.int("SELECT COUNT(*) FROM pages WHERE _date = '\(yesterday)' AND label = 'Others'") == 1)
            // The rows still add up to the day's pageviews.
            let day = LocalDay.containing(h.clock.now, in: paris).adding(days: -1)
            let hits = h.fake.visits(siteId: 1).filter { LocalDay.containing(epochSeconds: Int64($0.lastActionTimestamp), in: paris) == day }
                .reduce(0) { $0 + $1.actions.filter { $0.type == "action" }.count }
            #expect(try await h.int("SELECT SUM(nb_hits) FROM pages WHERE _date = '\(yesterday)'") == Int64(hits))
        }
    }

    /// A year of traffic: the ten dated report requests stay within budget.
    @Test func requestBudgetForAYearAndANoChangeRun() async throws {
        try await withHarness(.sqlite) { h in
            h.fake.generateTraffic(siteId: 1, days: 370, visitsPerDay: 1...4, seed: 12)
            let (backfill, requests) = try await h.sync(h.options(Self.dated, backfillDays: 365))
            #expect(backfill.succeeded, "\(backfill.tables.compactMap(\.error))")
            let total = requests.filter { $0.key != "SitesManager.getSiteFromId" }.values.reduce(0, +)
            #expect(total <= 60, "\(requests)")
            #expect(try await h.int("SELECT COUNT(*) FROM goals_summary") == 366)
            #expect(try await h.int("SELECT COUNT(DISTINCT _date) FROM pages") > 300)
            try await h.sync(h.options(backfillDays: 365))
            h.clock.advance(60)
            let (incremental, again) = try await h.sync(h.options(backfillDays: 365))
            #expect(incremental.succeeded)
            #expect(again.values.reduce(0, +) <= 15, "\(again)")
        }
    }
}

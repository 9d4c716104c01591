import Foundation
import MatomoAPI
import MatomoFake
import Testing
@testable import MatomoSync

/// Whole syncs against the fake Matomo on 127.0.0.1, each into SQLite, PostgreSQL and ClickHouse
/// (servers started by scripts/services.sh), with the same expectations.
@Suite(.serialized) struct SyncEndToEndTests {
    @Test(arguments: WarehouseKind.allCases)
    func backfillsAllFiveTablesThenSyncsIncrementally(_ kind: WarehouseKind) async throws {
        try await withHarness(kind) { h in
            h.fake.generateTraffic(siteId: 1, days: 40, visitsPerDay: 10...30, seed: 7)
            let (first, firstRequests) = try await h.sync(h.options(backfillDays: 30))
            #expect(first.succeeded, "\(first.tables.compactMap(\.error))")

            let paris = TimeZone(identifier: "Europe/Paris")!
            let today = LocalDay.containing(h.clock.now, in: paris)
            let since = Date(timeIntervalSince1970: TimeInterval(today.adding(days: -30).start(in: paris)))
            let expected = h.expectedVisitIDs(since: since)
            #expect(expected.count > 200)
            #expect(try await h.int("SELECT COUNT(*) FROM visits") == Int64(expected.count))
            #expect(try await h.int("SELECT COUNT(DISTINCT id_visit) FROM visits") == Int64(expected.count))
            #expect(try await h.int("SELECT COUNT(*) FROM visits_summary") == 31)
            #expect(try await h.int("SELECT COUNT(*) FROM actions_summary") == 31)
            #expect(try await h.int("SELECT COUNT(*) FROM referrers") > 31)
            #expect(try await h.int("SELECT COUNT(*) FROM countries") > 31)
            // Reports agree with the visit log over whole past days.
            let reported = try await h.int("SELECT SUM(nb_visits) FROM visits_summary WHERE _date < '\(today)'")
            let logged = try await h.int("SELECT COUNT(*) FROM visits WHERE _date < '\(today)'")
            #expect(reported == logged)
            #expect(try await h.columnType("visits_summary", "nb_visits") == "integer")
            // Four aggregate tables in a handful of requests.
            let aggregateRequests = (firstRequests["VisitsSummary.get"] ?? 0) + (firstRequests["Actions.get"] ?? 0)
                + (firstRequests["UserCountry.getCountry"] ?? 0) + (firstRequests["API.getBulkRequest"] ?? 0)
            #expect(aggregateRequests <= 8)

            // Nothing new: a second run stores nothing new and asks little.
            h.clock.advance(60)
            let (second, secondRequests) = try await h.sync(h.options(backfillDays: 30))
            #expect(second.succeeded)
            #expect(second.tables.first { $0.table == .visits }?.rows == 0)
            #expect((secondRequests["Live.getLastVisitsDetails"] ?? 0) <= 2)
            #expect(secondRequests.values.reduce(0, +) <= 15)
            #expect(try await h.int("SELECT COUNT(*) FROM visits") == Int64(expected.count))
            #expect(try await h.int("SELECT COUNT(*) FROM visits_summary") == 31)
            let status = try await h.status()
            #expect(status.count == TableName.allCases.count)
            #expect(status.allSatisfy { $0.state.lastSuccessAt != nil && $0.state.lastError == nil })
        }
    }

    @Test(arguments: WarehouseKind.allCases, ["America/Los_Angeles", "UTC+5.5"])
    func backfillWindowFollowsTheSiteTimezone(_ kind: WarehouseKind, zoneName: String) async throws {
        let site = FakeSite(id: 1, name: "Zoned", timezone: zoneName, createdAt: SyncHarness.defaultNow.addingTimeInterval(-900 * 86400))
        // 03:30 UTC: a different calendar day west and east of UTC.
        try await withHarness(kind, sites: [site], now: Date(timeIntervalSince1970: 1_795_750_200)) { h in
            h.fake.generateTraffic(siteId: 1, days: 370, visitsPerDay: 1...3, seed: 3)
            let (report, requests) = try await h.sync(h.options([.visitsSummary, .referrers], backfillDays: 365))
            #expect(report.succeeded, "\(report.tables.compactMap(\.error))")
            let zone = SiteTimeZone.parse(zoneName)!
            let today = LocalDay.containing(h.clock.now, in: zone)
            let rows = try await h.query("SELECT MIN(_date), MAX(_date), COUNT(*) FROM visits_summary")
            #expect(rows.first == [.text(today.adding(days: -365).description), .text(today.description), .int(366)])
            #expect((requests["VisitsSummary.get"] ?? 0) <= 4)
            #expect((requests["API.getBulkRequest"] ?? 0) <= 12)
        }
    }

    @Test(arguments: WarehouseKind.allCases)
    func moreVisitsInOneSecondThanAPageHolds(_ kind: WarehouseKind) async throws {
        try await withHarness(kind) { h in
            let t = Int(h.clock.now.timeIntervalSince1970) - 3 * 86400
            var visits: [FakeVisit] = []
            visits.append(FakeVisit(idVisit: 1, siteId: 1, firstActionTimestamp: t - 100, lastActionTimestamp: t - 1))
            for i in 0..<2500 {
                visits.append(FakeVisit(idVisit: 2 + i, siteId: 1, firstActionTimestamp: t - 60, lastActionTimestamp: t))
            }
            visits.append(FakeVisit(idVisit: 9000, siteId: 1, firstActionTimestamp: t, lastActionTimestamp: t + 1))
            h.fake.addVisits(visits)
            let (report, requests) = try await h.sync(h.options([.visits], backfillDays: 7, pageSize: 1000))
            #expect(report.succeeded, "\(report.tables.compactMap(\.error))")
            #expect(try await h.int("SELECT COUNT(*) FROM visits") == 2502)
            #expect(try await h.int("SELECT COUNT(DISTINCT id_visit) FROM visits") == 2502)
            #expect((requests["Live.getLastVisitsDetails"] ?? 0) >= 3)
        }
    }

    @Test(arguments: WarehouseKind.allCases)
    func recentVisitsWaitForTheNextSync(_ kind: WarehouseKind) async throws {
        try await withHarness(kind) { h in
            let now = Int(h.clock.now.timeIntervalSince1970)
            h.fake.addVisits([
                FakeVisit(idVisit: 1, siteId: 1, firstActionTimestamp: now - 7300, lastActionTimestamp: now - 7200),
                FakeVisit(idVisit: 2, siteId: 1, firstActionTimestamp: now - 700, lastActionTimestamp: now - 600),
            ])
            let (first, _) = try await h.sync(h.options([.visits], backfillDays: 2))
            #expect(first.tables[0].deferredVisits == 1)
            #expect(try await h.query("SELECT id_visit FROM visits") == [[.int(1)]])
            h.clock.advance(3600)
            let (second, requests) = try await h.sync(h.options([.visits], backfillDays: 2))
            #expect(second.tables[0].rows == 1)
            #expect(try await h.query("SELECT id_visit FROM visits ORDER BY id_visit") == [[.int(1)], [.int(2)]])
            #expect((requests["Live.getLastVisitsDetails"] ?? 0) == 1)
        }
    }

    @Test(arguments: WarehouseKind.allCases)
    func incrementalRunFetchesOnlyNewVisits(_ kind: WarehouseKind) async throws {
        try await withHarness(kind) { h in
            h.fake.generateTraffic(siteId: 1, days: 10, visitsPerDay: 20...30, seed: 11)
            try await h.sync(h.options([.visits], backfillDays: 10))
            let before = try await h.int("SELECT COUNT(*) FROM visits")
            let now = Int(h.clock.now.timeIntervalSince1970)
            h.clock.advance(3 * 3600)
            h.fake.addVisits((0..<5).map { FakeVisit(idVisit: 100_000 + $0, siteId: 1, firstActionTimestamp: now + 60, lastActionTimestamp: now + 120 + $0) })
            let (report, requests) = try await h.sync(h.options([.visits], backfillDays: 10))
            // The five new visits, plus the generated ones that were under an hour old last time.
            let rows = report.tables[0].rows
            #expect(rows >= 5)
            #expect(try await h.int("SELECT COUNT(*) FROM visits") == before + Int64(rows))
            #expect(try await h.int("SELECT COUNT(*) FROM visits WHERE id_visit >= 100000") == 5)
            #expect((requests["Live.getLastVisitsDetails"] ?? 0) <= 2)
            // Every live request after the first asked only for visits newer than the stored cursor.
            let live = h.fake.requests().filter { $0.apiMethod == "Live.getLastVisitsDetails" }.suffix(requests["Live.getLastVisitsDetails"] ?? 0)
            #expect(live.allSatisfy { Int($0.query["minTimestamp"] ?? "") ?? 0 >= now - 3 * 86400 })
        }
    }

    @Test(arguments: WarehouseKind.allCases)
    func trailingWindowPicksUpAChangedDay(_ kind: WarehouseKind) async throws {
        try await withHarness(kind) { h in
            h.fake.generateTraffic(siteId: 1, days: 20, visitsPerDay: 10...20, seed: 5)
            try await h.sync(h.options([.visitsSummary, .referrers, .countries], backfillDays: 20))
            let paris = TimeZone(identifier: "Europe/Paris")!
            let yesterday = LocalDay.containing(h.clock.now, in: paris).adding(days: -1)
            let before = try await h.int("SELECT nb_visits FROM visits_summary WHERE _date = '\(yesterday)'")
            // Matomo archives late: yesterday gains visits after the first sync.
            let noon = Int(yesterday.start(in: paris)) + 12 * 3600
            h.fake.addVisits((0..<4).map {
                FakeVisit(idVisit: 500_000 + $0, siteId: 1, firstActionTimestamp: noon, lastActionTimestamp: noon + 30,
                          referrerType: "search", referrerName: "Google", referrerKeyword: "late keyword", countryCode: "jp")
            })
            h.clock.advance(600)
            let (report, requests) = try await h.sync(h.options([.visitsSummary, .referrers, .countries], backfillDays: 20))
            #expect(report.succeeded)
            #expect(try await h.int("SELECT nb_visits FROM visits_summary WHERE _date = '\(yesterday)'") == before + 4)
            #expect(try await h.int("SELECT nb_visits FROM referrers WHERE _date = '\(yesterday)' AND label = 'late keyword'") == 4)
            #expect(try await h.int("SELECT nb_visits FROM countries WHERE _date = '\(yesterday)' AND code = 'jp'") >= 4)
            #expect(try await h.int("SELECT COUNT(*) FROM visits_summary") == 21)
            #expect(try await h.int("SELECT COUNT(*) FROM (SELECT _date, referer_type, label FROM referrers GROUP BY _date, referer_type, label HAVING COUNT(*) > 1) AS dups") == 0)
            #expect(requests.values.reduce(0, +) <= 5)
        }
    }

    @Test(arguments: WarehouseKind.allCases)
    func fullRefreshReplacesWithoutDuplicates(_ kind: WarehouseKind) async throws {
        try await withHarness(kind) { h in
            h.fake.generateTraffic(siteId: 1, days: 10, visitsPerDay: 10...20, seed: 9)
            try await h.sync(h.options(backfillDays: 10))
            let visits = try await h.int("SELECT COUNT(*) FROM visits")
            let referrers = try await h.int("SELECT COUNT(*) FROM referrers")
            let actions = try await h.int("SELECT COUNT(*) FROM visit_actions")
            #expect(actions > visits)
            let (report, _) = try await h.sync(h.options(backfillDays: 10, fullRefresh: true))
            #expect(report.succeeded)
            #expect(report.tables.allSatisfy { $0.fullRefresh })
            #expect(try await h.int("SELECT COUNT(*) FROM visits") == visits)
            #expect(try await h.int("SELECT COUNT(DISTINCT id_visit) FROM visits") == visits)
            #expect(try await h.int("SELECT COUNT(*) FROM referrers") == referrers)
            // visit_actions is refreshed with visits, through its own staging table.
            #expect(try await h.int("SELECT COUNT(*) FROM visit_actions") == actions)
            #expect(try await h.int("SELECT COUNT(DISTINCT id_visit) FROM visit_actions") == visits)
            #expect(try await h.tableNames().filter { $0.contains("staging") } == [])
            #expect(try await h.tableNames().contains("visits"))
        }
    }

    @Test(arguments: WarehouseKind.allCases)
    func aNewFieldAddsAColumn(_ kind: WarehouseKind) async throws {
        try await withHarness(kind) { h in
            let t = Int(h.clock.now.timeIntervalSince1970) - 86400
            h.fake.addVisits([FakeVisit(idVisit: 1, siteId: 1, firstActionTimestamp: t - 10, lastActionTimestamp: t)])
            try await h.sync(h.options([.visits], backfillDays: 3))
            h.fake.addVisits([FakeVisit(idVisit: 2, siteId: 1, firstActionTimestamp: t + 5, lastActionTimestamp: t + 10,
                                        extraFields: [("brandNewDimension", "blue")])])
            try await h.sync(h.options([.visits], backfillDays: 3))
            #expect(try await h.query("SELECT id_visit, brand_new_dimension FROM visits ORDER BY id_visit") ==
                    [[.int(1), .null], [.int(2), .text("blue")]])
        }
    }

    @Test(arguments: WarehouseKind.allCases)
    func aRepulledDayLosesTheLabelsThatVanished(_ kind: WarehouseKind) async throws {
        try await withHarness(kind) { h in
            let paris = TimeZone(identifier: "Europe/Paris")!
            let yesterday = LocalDay.containing(h.clock.now, in: paris).adding(days: -1)
            let noon = Int(yesterday.start(in: paris)) + 12 * 3600
            func visit(_ id: Int, _ keyword: String) -> FakeVisit {
                FakeVisit(idVisit: id, siteId: 1, firstActionTimestamp: noon + id, lastActionTimestamp: noon + id + 30,
                          referrerType: "search", referrerName: "Google", referrerKeyword: keyword, countryCode: "fr")
            }
            h.fake.addVisits([visit(1, "soon gone"), visit(2, "stays")])
            try await h.sync(h.options([.referrers, .visitsSummary], backfillDays: 5))
            #expect(try await h.int("SELECT COUNT(*) FROM referrers WHERE label = 'soon gone'") == 1)
            // Matomo re-archived the day: one label is gone, another appeared.
            h.fake.removeAllVisits(siteId: 1)
            h.fake.addVisits([visit(2, "stays"), visit(3, "new")])
            h.clock.advance(600)
            let (report, _) = try await h.sync(h.options([.referrers, .visitsSummary], backfillDays: 5))
            #expect(report.succeeded, "\(report.tables.compactMap(\.error))")
            #expect(try await h.query("SELECT label, nb_visits FROM referrers WHERE _date = '\(yesterday)' ORDER BY label") ==
                    [[.text("new"), .int(1)], [.text("stays"), .int(1)]])
            #expect(try await h.int("SELECT nb_visits FROM visits_summary WHERE _date = '\(yesterday)'") == 2)
            #expect(try await h.int("SELECT COUNT(*) FROM visits_summary") == 6)
        }
    }

    @Test(arguments: WarehouseKind.allCases)
    func aValueThatDoesNotFitItsColumnIsKept(_ kind: WarehouseKind) async throws {
        try await withHarness(kind) { h in
            let t = Int(h.clock.now.timeIntervalSince1970) - 86400
            h.fake.addVisits([FakeVisit(idVisit: 1, siteId: 1, firstActionTimestamp: t - 10, lastActionTimestamp: t)])
            try await h.sync(h.options([.visits], backfillDays: 3))
            // Matomo sends "n/a" where a number is declared: the sync goes on and keeps the text.
            h.fake.addVisits([FakeVisit(idVisit: 2, siteId: 1, firstActionTimestamp: t + 5, lastActionTimestamp: t + 10,
                                        extraFields: [("visitDuration", "n/a")])])
            let (report, _) = try await h.sync(h.options([.visits], backfillDays: 3))
            #expect(report.succeeded, "\(report.tables.compactMap(\.error))")
            #expect(try await h.query("SELECT visit_duration FROM visits WHERE id_visit = 2") == [[.text("n/a")]])
            #expect(try await h.int("SELECT COUNT(*) FROM visits") == 2)
        }
    }

    /// A page whose merge keys are partly stored already (a re-fetched visit): stored rows are
    /// updated, new ones added, and nested JSON that JSONB would refuse is kept as a JSON string.
    @Test(arguments: WarehouseKind.allCases)
    func aPageWithKnownKeysUpdatesThemAndAddsTheRest(_ kind: WarehouseKind) async throws {
        try await withHarness(kind) { h in
            let w = try h.open()
            try await w.prepare()
            let key = StateKey(instance: "https://example.org/", siteId: 1, table: .visits)
            let columns = [Column("_site_id", .integer), Column("id_visit", .integer), Column("visit_duration", .integer),
                           Column("action_details", .json)]
            func page(_ rows: [[Cell]], cursor: String) -> TableWrite {
                TableWrite(table: "visits", mergeKey: ["_site_id", "id_visit"], declaredColumns: [],
                           batch: RowBatch(columns: columns, rows: rows), replace: .byKey, stateKey: key,
                           state: TableState(cursor: cursor))
            }
            try await w.commit(page([[.int(1), .int(1), .int(10), .text(#"[{"type":"action"}]"#)],
                                     [.int(1), .int(2), .int(20), .null]], cursor: "a"))
            let lone = #"[{"title":"half \ud800 a pair"}]"#
            try await w.commit(page([[.int(1), .int(2), .int(25), .text(lone)],
                                     [.int(1), .int(3), .int(30), .text("[]")]], cursor: "b"))
            #expect(try await h.int("SELECT COUNT(*) FROM visits") == 3)
            #expect(try await h.query("SELECT id_visit, visit_duration FROM visits ORDER BY id_visit")
                == [[.int(1), .int(10)], [.int(2), .int(25)], [.int(3), .int(30)]])
            #expect(try await h.int("SELECT COUNT(*) FROM visits WHERE action_details IS NOT NULL") == 3)
            // A page of several megabytes whose last row only is known: PostgreSQL finds the clash after
            // most of the COPY has streamed, and the page still lands whole.
            let filler = Cell.text("[" + Array(repeating: #"{"type":"action","url":"https://example.org/a/long/path"}"#, count: 40).joined(separator: ",") + "]")
            let big = (100..<2100).map { [Cell.int(1), .int(Int64($0)), .int(1), filler] } + [[.int(1), .int(3), .int(31), .text("[]")]]
            try await w.commit(page(big, cursor: "c"))
            try await w.close()
            #expect(try await h.int("SELECT COUNT(*) FROM visits") == 2003)
            #expect(try await h.query("SELECT visit_duration FROM visits WHERE id_visit = 3") == [[.int(31)]])
            #expect(try await h.status().first { $0.table == "visits" }?.state.cursor == "c")
        }
    }

    /// `query` is read-only on every warehouse, and an empty answer still names its columns.
    @Test(arguments: WarehouseKind.allCases)
    func queryReadsOnlyAndNamesTheColumnsOfAnEmptyAnswer(_ kind: WarehouseKind) async throws {
        try await withHarness(kind) { h in
            h.fake.generateTraffic(siteId: 1, days: 2, visitsPerDay: 3...5, seed: 5)
            try await h.sync(h.options([.visits], backfillDays: 2))
            let w = try h.open(readOnly: true)
            let empty = try await w.query("SELECT id_visit, server_timestamp AS ts FROM visits WHERE id_visit < 0;")
            #expect(empty.columns == ["id_visit", "ts"])
            #expect(empty.rows.isEmpty)
            for write in ["DROP TABLE visits", "DELETE FROM visits WHERE 1 = 1", "INSERT INTO visits (id_visit) VALUES (1)"] {
                do {
                    _ = try await w.query(write)
                    Issue.record("\(kind): `\(write)` should be refused")
                } catch {}
            }
            try await w.close()
            #expect(try await h.int("SELECT COUNT(*) FROM visits") > 0)
        }
    }

    @Test(arguments: WarehouseKind.allCases)
    func numbersAsStringsLandAsIntegers(_ kind: WarehouseKind) async throws {
        try await withHarness(kind, numbersAsStrings: true) { h in
            h.fake.generateTraffic(siteId: 1, days: 5, visitsPerDay: 5...10, seed: 1)
            let (report, _) = try await h.sync(h.options(backfillDays: 5))
            #expect(report.succeeded, "\(report.tables.compactMap(\.error))")
            for (table, column) in [("visits", "id_visit"), ("visits", "visit_duration"), ("visits", "server_timestamp"),
                                    ("visits_summary", "nb_visits"), ("actions_summary", "nb_pageviews"),
                                    ("countries", "nb_actions"), ("referrers", "nb_visits")] {
                #expect(try await h.columnType(table, column) == "integer", "\(table).\(column)")
                #expect(try await h.int("SELECT COUNT(*) FROM \(table)") > 0)
            }
            #expect(try await h.columnType("visits", "visitor_id") == "text")
        }
    }

    @Test(arguments: WarehouseKind.allCases)
    func hostileLabelsAreStoredVerbatim(_ kind: WarehouseKind) async throws {
        try await withHarness(kind) { h in
            let t = Int(h.clock.now.timeIntervalSince1970) - 86400
            let labels = ["'; DROP TABLE visits; --", "Robert\"); DELETE FROM referrers; --", "日本語 \u{1F600} naïve", "tab\there\nnewline"]
            h.fake.addVisits(labels.enumerated().map { i, label in
                FakeVisit(idVisit: 1 + i, siteId: 1, firstActionTimestamp: t + i, lastActionTimestamp: t + i + 5,
                          referrerType: "search", referrerName: "Google", referrerKeyword: label)
            })
            let (report, _) = try await h.sync(h.options([.visits, .referrers], backfillDays: 3))
            #expect(report.succeeded, "\(report.tables.compactMap(\.error))")
            let stored = try await h.query("SELECT label FROM referrers ORDER BY label").compactMap { row -> String? in
                if case .text(let s) = row[0] { return s }
                return nil
            }
            #expect(Set(stored) == Set(labels))
            #expect(try await h.int("SELECT COUNT(*) FROM visits") == 4)
            let keywords = try await h.query("SELECT referrer_keyword FROM visits ORDER BY id_visit").map { $0[0] }
            #expect(keywords == labels.map { .text($0) })
        }
    }

    @Test(arguments: WarehouseKind.allCases)
    func resumesAfterAnInterruptionWithTheSameRows(_ kind: WarehouseKind) async throws {
        try await withHarness(kind) { h in
            h.fake.generateTraffic(siteId: 1, days: 15, visitsPerDay: 30...60, seed: 21)
            // A clean run for reference.
            try await h.sync(h.options(backfillDays: 15, pageSize: 50), warehouse: "clean")
            // Interrupted runs: cancelled after a few commits, again and again, then finished.
            for cut in [3, 7, 2] {
                let box = CancelBox()
                let progress = RecordingProgress(cancelAfterCommits: cut) { box.cancel() }
                let task = Task { try await h.sync(h.options(backfillDays: 15, pageSize: 50), warehouse: "cut", progress: progress) }
                box.set(task)
                _ = try? await task.value
            }
            let (report, _) = try await h.sync(h.options(backfillDays: 15, pageSize: 50), warehouse: "cut")
            #expect(report.succeeded)
            for sql in ["SELECT id_visit, server_timestamp, action_details FROM visits ORDER BY id_visit",
                        "SELECT _date, nb_visits, nb_actions FROM visits_summary ORDER BY _date",
                        "SELECT _date, referer_type, label, nb_visits FROM referrers ORDER BY _date, referer_type, label",
                        "SELECT _date, code, nb_visits FROM countries ORDER BY _date, code"] {
                let clean = try await h.query(sql, warehouse: "clean")
                let cut = try await h.query(sql, warehouse: "cut")
                #expect(clean.count > 0)
                #expect(clean == cut, "\(sql)")
            }
        }
    }

    @Test func dayByDayBaselineStoresTheSameRows() async throws {
        try await withHarness { h in
            h.fake.generateTraffic(siteId: 1, days: 12, visitsPerDay: 0...90, seed: 17)
            var baseline = h.options(backfillDays: 12, pageSize: 40)
            baseline.strategy = .dayByDay
            baseline.rangeDays = 1
            baseline.bulkDays = 1
            let (slow, slowRequests) = try await h.sync(baseline, warehouse: "baseline")
            let (fast, fastRequests) = try await h.sync(h.options(backfillDays: 12, pageSize: 40), warehouse: "segmented")
            #expect(slow.succeeded && fast.succeeded)
            #expect(fastRequests.values.reduce(0, +) * 2 < slowRequests.values.reduce(0, +))
            for sql in ["SELECT id_visit, _date, server_timestamp, action_details FROM visits ORDER BY id_visit",
                        "SELECT _date, nb_visits FROM visits_summary ORDER BY _date",
                        "SELECT _date, referer_type, label, nb_visits FROM referrers ORDER BY 1, 2, 3"] {
                let a = try await h.query(sql, warehouse: "baseline")
                #expect(a.count > 12)
                #expect(try await h.query(sql, warehouse: "segmented") == a, "\(sql)")
            }
        }
    }

    @Test func visitsWithoutDayCountsAreWalkedPageAfterPage() async throws {
        try await withHarness(disabledMethods: ["VisitsSummary.get"]) { h in
            h.fake.generateTraffic(siteId: 1, days: 6, visitsPerDay: 20...50, seed: 19)
            let (report, _) = try await h.sync(h.options([.visits], backfillDays: 6, pageSize: 25))
            #expect(report.succeeded, "\(report.tables.compactMap(\.error))")
            let paris = TimeZone(identifier: "Europe/Paris")!
            let since = Date(timeIntervalSince1970: TimeInterval(LocalDay.containing(h.clock.now, in: paris).adding(days: -6).start(in: paris)))
            let expected = h.expectedVisitIDs(since: since)
            #expect(expected.count > 100)
            let stored = try await h.query("SELECT id_visit FROM visits").compactMap { row -> Int? in
                if case .int(let v) = row[0] { return Int(v) }
                return nil
            }
            #expect(stored.count == expected.count)
            #expect(Set(stored) == expected)
        }
    }

    @Test(arguments: WarehouseKind.allCases)
    func aFailingTableDoesNotStopTheOthers(_ kind: WarehouseKind) async throws {
        try await withHarness(kind, disabledMethods: ["Live.getLastVisitsDetails"]) { h in
            h.fake.generateTraffic(siteId: 1, days: 5, visitsPerDay: 5...10, seed: 2)
            let (report, _) = try await h.sync(h.options(backfillDays: 5))
            #expect(!report.succeeded)
            // visits fails, and visit_actions with it (same answers); every other table succeeds.
            #expect(report.tables.filter(\.succeeded).count == TableName.allCases.count - 2)
            #expect(Set(report.tables.filter { !$0.succeeded }.map(\.table)) == [.visits, .visitActions])
            let failed = try #require(report.tables.first { !$0.succeeded })
            #expect(failed.table == .visits)
            let status = try await h.status()
            #expect(status.first { $0.table == "visits" }?.state.lastError?.contains("plugin") == true)
        }
    }

    @Test(arguments: WarehouseKind.allCases)
    func wrongTokenFailsClearlyAndTheTokenStaysInPostBodies(_ kind: WarehouseKind) async throws {
        try await withHarness(kind) { h in
            await #expect(throws: MatomoError.self) {
                try await h.sync(h.options(), token: "wrong-token-value")
            }
            do {
                try await h.sync(h.options(), token: "wrong-token-value")
            } catch {
                let text = String(describing: error)
                #expect(text.contains("token"))
                #expect(!text.contains("wrong-token-value"))
                #expect((error as? MatomoError)?.apiErrorKind == .authentication)
            }
            h.fake.generateTraffic(siteId: 1, days: 3, visitsPerDay: 5...10, seed: 4)
            try await h.sync(h.options(backfillDays: 3))
            let requests = h.fake.requests()
            #expect(!requests.isEmpty)
            for r in requests {
                #expect(r.httpMethod == "POST")
                #expect(r.query["token_auth"] == nil)
                #expect(r.body["token_auth"] != nil)
            }
            // The token is nowhere in the warehouse.
            let dump = try await h.query("SELECT * FROM _matomo_sync_state")
            #expect(!"\(dump)".contains(SyncHarness.token))
        }
    }

    @Test(arguments: WarehouseKind.allCases)
    func unknownSiteIsReportedWithTheFix(_ kind: WarehouseKind) async throws {
        try await withHarness(kind) { h in
            do {
                try await h.sync(h.options(), siteId: 999)
                Issue.record("expected a failure")
            } catch let error as MatomoError {
                #expect(error.apiErrorKind == .siteNotFound)
                #expect(error.description.contains("--site-id"))
            }
        }
    }
}

/// Lets a progress callback cancel the task running the sync.
final class CancelBox: Sendable {
    private let task = Mutex<Task<(SyncReport, [String: Int]), any Error>?>(nil)
    func set(_ t: Task<(SyncReport, [String: Int]), any Error>) { task.withLock { $0 = t } }
    func cancel() { task.withLock { $0?.cancel() } }
}

import Synchronization

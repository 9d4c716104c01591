import Foundation
import MatomoAPI
import MatomoFake
import Testing
@testable import MatomoSync

extension SyncHarness {
    func verifyOptions(repair: Bool = false, days: Int = 365, tables: [TableName]? = nil) -> VerifyOptions {
        var o = VerifyOptions()
        o.repair = repair
        o.days = days
        o.tables = tables
        let clock = self.clock
        o.now = { clock.now }
        return o
    }

    /// One verify run, as the CLI does it.
    func verify(_ options: VerifyOptions, warehouse name: String = "w", siteId: Int = 1) async throws -> (VerifyReport, [String: Int]) {
        try await withClientAndWarehouse(name) { client, warehouse in
            try await Verifier(client: client, warehouse: warehouse, siteId: siteId, options: options).run()
        }
    }
}

/// `verify` finds exactly the days each data fault leaves, `verify --repair` fixes them through the
/// sync's commit path, a second `verify` is clean, and the warehouse then equals a fresh full sync.
@Suite(.serialized) struct VerifyRepairTests {
    /// Every table's rows without `_synced_at`, in key order.
    static func comparisons(from day: LocalDay) -> [String] {
        let since = "_date >= '\(day)'"
        return [
            "SELECT id_visit, _date, server_timestamp, visitor_id, actions, action_details FROM visits WHERE \(since) ORDER BY id_visit",
            "SELECT id_visit, position, _date, type, url, timestamp FROM visit_actions WHERE \(since) ORDER BY id_visit, position",
            "SELECT _date, nb_visits, nb_actions, bounce_count, sum_visit_length FROM visits_summary WHERE \(since) ORDER BY _date",
            "SELECT _date, nb_pageviews, nb_downloads, nb_outlinks FROM actions_summary WHERE \(since) ORDER BY _date",
            "SELECT _date, referer_type, label, nb_visits, nb_actions FROM referrers WHERE \(since) ORDER BY 1, 2, 3",
            "SELECT _date, code, nb_visits, nb_actions FROM countries WHERE \(since) ORDER BY 1, 2",
            "SELECT _date, label, nb_hits, nb_visits, sum_time_spent FROM pages WHERE \(since) ORDER BY 1, 2",
        ]
    }

    static func days(_ report: VerifyReport, _ table: TableName) -> [LocalDay] {
        report.differences.filter { $0.table == table }.map(\.day).sorted()
    }

    @Test(arguments: [WarehouseKind.sqlite, .postgres, .clickhouse], DataFault.allCases)
    func verifyFindsRepairsThenIsClean(_ kind: WarehouseKind, _ fault: DataFault) async throws {
        try await withHarness(kind) { h in
            let setup = try await fault.setUp(h)
            let affected = setup.days.sorted()

            // Found: exactly the affected days, nothing changed.
            let (found, _) = try await h.verify(h.verifyOptions())
            #expect(!found.clean)
            switch fault {
            case .lateImport, .pageOrderShift:
                #expect(Self.days(found, .visits) == affected)
                let missing = Set(found.differences.filter { $0.table == .visits }.flatMap(\.missing).compactMap { Int($0) })
                #expect(missing == setup.missedVisits)
                #expect(found.differences.filter { $0.table == .visits }.allSatisfy { !$0.staleArchive && $0.extra.isEmpty })
            case .reArchived:
                #expect(Self.days(found, .visits).isEmpty)
            case .staleArchive:
                let d = found.differences.filter { $0.table == .visits }
                #expect(d.map(\.day) == affected)
                #expect(d.allSatisfy { $0.staleArchive && $0.missing.isEmpty && $0.extra.isEmpty && $0.log == $0.matomo + 3 })
                #expect(VerifyRules.staleArchiveAdvice(d[0]).hasPrefix("Matomo's archive for \(affected[0]) counts \(d[0].matomo) visits, its log holds \(d[0].matomo + 3): re-run Matomo's archiving for that day"))
            }
            switch fault {
            case .lateImport, .reArchived:
                #expect(Self.days(found, .visitsSummary) == affected)
                #expect(found.differences.allSatisfy { affected.contains($0.day) })
            case .pageOrderShift, .staleArchive:
                // The reports agree with Matomo's answers (a stale archive's too).
                #expect(found.differences.allSatisfy { $0.table == .visits })
            }
            #expect(found.differences.allSatisfy { !$0.repaired })
            let verdict = try #require(found.tables.first { $0.table == .visits })
            #expect(verdict.daysChecked > 0)
            #expect(verdict.rowsMissing == (fault == .staleArchive ? 0 : setup.missedVisits.count))

            // Repaired, then clean.
            let (repaired, _) = try await h.verify(h.verifyOptions(repair: true))
            #expect(repaired.differences.map(\.day).sorted() == found.differences.map(\.day).sorted())
            if fault == .staleArchive {
                // Matomo's to fix: said, not pretended.
                #expect(!repaired.clean)
                #expect(repaired.differences.allSatisfy { !$0.repaired })
                h.fake.rebuildArchive(siteId: 1, day: affected[0].description)
                let (rebuilt, _) = try await h.verify(h.verifyOptions(repair: true))
                #expect(Self.days(rebuilt, .visits).isEmpty)
                #expect(Self.days(rebuilt, .visitsSummary) == affected)
                #expect(rebuilt.clean)
            } else {
                #expect(repaired.clean)
                #expect(repaired.differences.allSatisfy { $0.repaired })
            }
            let (again, _) = try await h.verify(h.verifyOptions())
            #expect(again.clean)
            #expect(again.differences.isEmpty, "\(again.differences)")

            // Row for row what a fresh full sync stores (Matomo's order stable again for that one).
            h.fake.shiftTiesBetweenPages(false)
            try await fault.sync(h, backfillDays: 40, warehouse: "fresh")
            for sql in Self.comparisons(from: setup.firstDay) {
                let a = try await h.query(sql)
                let b = try await h.query(sql, warehouse: "fresh")
                // The tie scenario's hand-made visits have no referrer or country.
                if sql.contains("FROM visits ") || sql.contains("FROM visits_summary") { #expect(!b.isEmpty, "\(sql)") }
                #expect(a == b, "\(fault) on \(kind): \(sql)")
            }
            // The repair moved no cursor.
            let status = try await h.status()
            #expect(status.allSatisfy { $0.state.lastError == nil })
        }
    }

    /// A clean year costs about what a backfill of the report tables does: tens of requests, no Live page.
    @Test func cleanYearCostsTensOfRequests() async throws {
        try await withHarness { h in
            h.fake.generateTraffic(siteId: 1, days: 380, visitsPerDay: 1...3, seed: 21)
            let (synced, _) = try await h.sync(h.options(backfillDays: 365))
            #expect(synced.succeeded, "\(synced.tables.compactMap(\.error))")
            let (report, requests) = try await h.verify(h.verifyOptions(days: 365))
            #expect(report.clean, "\(report.differences)")
            let visits = try #require(report.tables.first { $0.table == .visits })
            #expect(visits.daysChecked >= 360)
            #expect(report.tables.filter { $0.daysChecked > 0 }.count == report.tables.count)
            #expect((requests["Live.getLastVisitsDetails"] ?? 0) == 0)
            #expect((requests["VisitsSummary.get"] ?? 0) <= 6)
            let total = requests.values.reduce(0, +)
            // One VisitsSummary.get for the visit counts, 4 per multi-date report, 12 bulk requests for referrers, the site: 46.
            #expect(total <= 46, "\(requests) \(total)")
            #expect(report.requests == total)
        }
    }

    /// Reports declared in a config are verified and repaired like the built-in ones, asked as their
    /// sync learned to ask them (one date per request for Referrers.getAll).
    @Test func declaredReportsAreVerifiedToo() async throws {
        try await withHarness { h in
            h.fake.generateTraffic(siteId: 1, days: 30, visitsPerDay: 10...20, seed: 21)
            let newsletter = ReportDeclaration(name: TableName("newsletter_goal"), method: "Goals.get", params: [("idGoal", "1")],
                                               key: [], origin: "t.toml: source[0].report[0]")
            let channels = ReportDeclaration(name: TableName("channels"), method: "Referrers.getAll",
                                             key: ["referer_type", "label"], origin: "t.toml: source[0].report[1]")
            let catalog = try TableCatalog.builtIn.adding([newsletter.spec, channels.spec])
            var sync = h.options([.visitsSummary, newsletter.name, channels.name], backfillDays: 20)
            sync.catalog = catalog
            sync.reportDeclarations = [newsletter.name: newsletter, channels.name: channels]
            let (synced, _) = try await h.sync(sync)
            #expect(synced.succeeded, "\(synced.tables.compactMap(\.error))")
            let day = h.fake.localDate(siteId: 1, daysAgo: 12)
            h.fake.importLateVisits(siteId: 1, day: day, count: 6, seed: 77)
            var options = h.verifyOptions(days: 30, tables: [channels.name, .visitsSummary])
            options.catalog = catalog
            let (found, requests) = try await h.verify(options)
            #expect(Self.days(found, channels.name) == [LocalDay(day)!])
            #expect(Self.days(found, .visitsSummary) == [LocalDay(day)!])
            // Referrers.getAll is never asked several dates: through the bulk API, as its sync does.
            #expect((requests["Referrers.getAll"] ?? 0) == 0 && (requests["API.getBulkRequest"] ?? 0) >= 1)
            options.repair = true
            #expect(try await h.verify(options).0.clean)
            options.repair = false
            options.tables = nil
            let (again, _) = try await h.verify(options)
            #expect(again.clean, "\(again.differences)")
            #expect(again.tables.contains { $0.table == newsletter.name && $0.daysChecked > 0 })
        }
    }

    /// A visit Matomo no longer has is reported, never deleted.
    @Test func aVisitMatomoNoLongerHasIsReportedNotDeleted() async throws {
        try await withHarness { h in
            let t = Int(h.clock.now.timeIntervalSince1970) - 5 * 86400
            h.fake.addVisits((0..<5).map { FakeVisit(idVisit: 1 + $0, siteId: 1, firstActionTimestamp: t + $0 * 60, lastActionTimestamp: t + $0 * 60 + 30) })
            try await h.sync(h.options([.visits, .visitActions], backfillDays: 10))
            let kept = h.fake.visits(siteId: 1).filter { $0.idVisit != 3 }
            h.fake.removeAllVisits(siteId: 1)
            h.fake.addVisits(kept)
            let (report, _) = try await h.verify(h.verifyOptions(repair: true, tables: [.visits]))
            let d = try #require(report.differences.first)
            #expect(d.extra == ["3"])
            #expect(d.missing.isEmpty)
            #expect(!d.repaired)
            #expect(!report.clean)
            #expect(try await h.int("SELECT COUNT(*) FROM visits WHERE id_visit = 3") == 1)
        }
    }

    /// visit_actions is checked against its visits: a visit whose actions are gone is found and repaired.
    @Test func visitActionsAgainstTheirVisits() async throws {
        try await withHarness { h in
            h.fake.generateTraffic(siteId: 1, days: 10, visitsPerDay: 5...8, seed: 4)
            try await h.sync(h.options([.visits, .visitActions], backfillDays: 10))
            let before = try await h.int("SELECT COUNT(*) FROM visit_actions")
            let victim = try await h.int("SELECT MIN(id_visit) FROM visits WHERE _date = '\(LocalDay.containing(h.clock.now, in: DataFault.paris).adding(days: -4))'")
            // The visit's actions lost (what a crash between ClickHouse's parts, or a hand-made DELETE, leaves).
            let row = try #require(try await h.status().first { $0.table == "visit_actions" })
            let key = StateKey(instance: row.instance, siteId: 1, table: .visitActions, tablePrefix: "")
            let w = try h.open()
            try await w.commit(TableWrite(table: "visit_actions", mergeKey: ["_site_id", "id_visit", "position"], declaredColumns: [],
                                          batch: RowBatch(), replace: .keys(column: "id_visit", values: [victim]), stateKey: key, state: row.state))
            try await w.close()
            #expect(try await h.int("SELECT COUNT(*) FROM visit_actions") < before)
            let (found, _) = try await h.verify(h.verifyOptions(tables: [.visitActions]))
            #expect(found.differences.map(\.missing) == [[String(victim)]])
            let (repaired, _) = try await h.verify(h.verifyOptions(repair: true, tables: [.visitActions]))
            #expect(repaired.clean)
            #expect(try await h.int("SELECT COUNT(*) FROM visit_actions") == before)
            #expect(try await h.verify(h.verifyOptions()).0.clean)
        }
    }
}

import Foundation
import MatomoAPI
import MatomoFake
import Testing
@testable import MatomoSync

/// The report tables run while the visit log is walked, and a report's independent requests go out
/// several at a time; commits stay in order with their cursors, and one table's failure stays its own.
@Suite struct TableOverlapTests {
    private func requests(_ h: SyncHarness) -> [RecordedRequest] { h.fake.requests() }

    private func isReport(_ r: RecordedRequest) -> Bool {
        ["Actions.get", "UserCountry.getCountry", "API.getBulkRequest"].contains(r.apiMethod)
            || (r.apiMethod == "VisitsSummary.get" && r.query["showColumns"] == nil)
    }

    @Test(arguments: [true, false])
    func reportTablesRunWhileTheVisitsAreWalked(overlap: Bool) async throws {
        try await withHarness(.sqlite, configure: { $0.latency = .milliseconds(20) }) { h in
            h.fake.generateTraffic(siteId: 1, days: 40, visitsPerDay: 20...40, seed: 21)
            var options = h.options(backfillDays: 30, pageSize: 25)
            options.overlapTables = overlap
            let (report, _) = try await h.sync(options)
            #expect(report.succeeded, "\(report.tables.compactMap(\.error))")
            // The report comes back in the order the tables were asked for, whatever finished first.
            #expect(report.tables.map(\.table) == TableName.allCases)
            let all = requests(h)
            let lastLive = try #require(all.lastIndex { $0.apiMethod == "Live.getLastVisitsDetails" })
            let firstReport = try #require(all.firstIndex(where: isReport))
            #expect(all.filter { $0.apiMethod == "Live.getLastVisitsDetails" }.count > 20)
            if overlap {
                #expect(firstReport < lastLive, "reports began at request \(firstReport), the walk ended at \(lastLive)")
            } else {
                #expect(firstReport > lastLive)
            }
            let paris = TimeZone(identifier: "Europe/Paris")!
            let today = LocalDay.containing(h.clock.now, in: paris)
            let since = Date(timeIntervalSince1970: TimeInterval(today.adding(days: -30).start(in: paris)))
            #expect(try await h.int("SELECT COUNT(*) FROM visits") == Int64(h.expectedVisitIDs(since: since).count))
            #expect(try await h.int("SELECT COUNT(*) FROM visits_summary") == 31)
            let status = try await h.status()
            // A list fetched whole (goals) keeps no cursor.
            #expect(status.count == TableName.allCases.count && status.allSatisfy { $0.state.lastError == nil && ($0.state.cursor != nil || $0.table == "goals") })
        }
    }

    /// Three bulk requests for 90 days of referrers: with overlap all three are sent before the second
    /// one's failure comes back, yet only the first is committed, and the cursor stops at its last day.
    @Test(arguments: [true, false])
    func concurrentBulkRequestsCommitInOrder(overlap: Bool) async throws {
        let paris = TimeZone(identifier: "Europe/Paris")!
        let today = LocalDay.containing(SyncHarness.defaultNow, in: paris)
        let window = DayRange(today.adding(days: -89), today)
        let failing = window.first.adding(days: 30).description
        try await withHarness(.sqlite, configure: { config in
            config.latency = .milliseconds(200)
            config.answerOverride = { method, params in
                guard method == "API.getBulkRequest", let first = params["urls[0]"], first.contains("date=\(failing)") else { return nil }
                return .matomoError("the second bulk request fails")
            }
        }) { h in
            h.fake.generateTraffic(siteId: 1, days: 95, visitsPerDay: 5...10, seed: 22)
            var options = h.options([.referrers, .visitsSummary], backfillDays: 89)
            options.overlapTables = overlap
            options.bulkDays = 30
            let (report, _) = try await h.sync(options)
            let referrers = try #require(report.tables.first { $0.table == .referrers })
            #expect(referrers.error?.contains("the second bulk request fails") == true, "\(referrers.error ?? "no error")")
            // One table's failure is its own.
            #expect(report.tables.first { $0.table == .visitsSummary }?.error == nil)
            #expect(try await h.int("SELECT COUNT(*) FROM visits_summary") == 90)
            let bulks = requests(h).filter { $0.apiMethod == "API.getBulkRequest" }
            #expect(bulks.count == (overlap ? 3 : 2))
            let status = try await h.status()
            let state = try #require(status.first { $0.table == "referrers" }?.state)
            #expect(state.cursor == window.first.adding(days: 29).description)
            #expect(try await h.int("SELECT COUNT(DISTINCT _date) FROM referrers") == 30)
        }
    }
}

import Foundation
import MatomoAPI
import MatomoFake
import Testing
@testable import MatomoSync

/// The day counts that plan the visit walk (`VisitsSummary.get&showColumns=nb_visits`), in every
/// shape a real Matomo 5.0.2 answers them: bare numbers per date, `{"value":N}` for one date,
/// objects when more columns are asked, `[]` for a day without data.
@Suite struct VisitCountTests {
    @Test func readsRealMatomosCollapsedAnswers() throws {
        let keyed = try ReportParsing.column("nb_visits", Fixtures.bytes("VisitsSummary.get.day_range_showColumns_nb_visits"),
                                             method: "VisitsSummary.get", singleDay: nil)
        #expect(keyed.map { "\($0.0)=\($0.1?.intValue.map(String.init) ?? "empty")" }
                == ["2026-10-30=empty", "2026-10-31=empty", "2026-11-01=1", "2026-11-02=8", "2026-11-03=9"])
        let single = try ReportParsing.column("nb_visits", Fixtures.bytes("VisitsSummary.get.day_single_showColumns_nb_visits"),
                                              method: "VisitsSummary.get", singleDay: LocalDay("2026-11-30"))
        #expect(single.count == 1 && single[0].0 == LocalDay("2026-11-30") && single[0].1?.intValue == 14)
        let objects = try ReportParsing.column("nb_visits", Fixtures.bytes("VisitsSummary.get.day_range_showColumns_two"),
                                               method: "VisitsSummary.get", singleDay: nil)
        #expect(objects.compactMap { $0.1?.intValue } == [1, 8, 9])
        // The same metric as a numeric string, as some Matomo versions send it.
        let strings = try ReportParsing.column("nb_visits", Array(#"{"2026-11-25":"54","2026-11-26":[]}"#.utf8),
                                               method: "VisitsSummary.get", singleDay: nil)
        #expect(strings.map { $0.1?.intValue } == [54, nil])
        #expect(throws: MatomoError.self) {
            try ReportParsing.column("nb_visits", Array(#"{"2026-11-25":{"nb_actions":3,"bounce_count":1}}"#.utf8),
                                     method: "VisitsSummary.get", singleDay: nil)
        }
    }

    /// Against the fake, which now answers as real Matomo does: the segmented walk gets its counts,
    /// stores every visit, and groups days into segments by them (500 visits each here: pages of 100,
    /// five a segment). Without counts the whole window would be one segment.
    @Test(arguments: [30, 0])
    func segmentedWalkUsesTheCollapsedCounts(backfillDays: Int) async throws {
        try await withHarness(.sqlite) { h in
            h.fake.generateTraffic(siteId: 1, days: 40, visitsPerDay: 40...60, seed: 11)
            let (report, requests) = try await h.sync(h.options([.visits], backfillDays: backfillDays, pageSize: 100))
            let visits = try #require(report.tables.first { $0.table == .visits })
            #expect(visits.error == nil, "\(visits.error ?? "")")
            let paris = TimeZone(identifier: "Europe/Paris")!
            let today = LocalDay.containing(h.clock.now, in: paris)
            let since = Date(timeIntervalSince1970: TimeInterval(today.adding(days: -backfillDays).start(in: paris)))
            let expected = h.expectedVisitIDs(since: since)
            #expect(!expected.isEmpty)
            #expect(try await h.int("SELECT COUNT(*) FROM visits") == Int64(expected.count))
            #expect(requests["VisitsSummary.get"] == 1)
            let counted = h.fake.requests().filter { $0.apiMethod == "VisitsSummary.get" }
            #expect(counted.first?.query["showColumns"] == "nb_visits")
            let segments = Set(h.fake.requests().filter { $0.apiMethod == "Live.getLastVisitsDetails" }.compactMap { $0.query["date"] })
            if backfillDays == 0 {
                #expect(segments == [today.description])
            } else {
                #expect(segments.count >= expected.count / 500, "\(segments.sorted())")
            }
        }
    }
}

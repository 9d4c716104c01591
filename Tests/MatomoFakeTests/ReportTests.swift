import Foundation
import Testing
@testable import MatomoFake

@Suite struct ReportTests {
    /// Site 1: two visits on 2026-11-25, none on 11-26, one today (11-27).
    private func seed(_ fake: FakeMatomo) {
        fake.addVisits([
            visit(1, at: epoch(2026, 11, 25, 9), visitor: "aaaaaaaaaaaaaaaa", country: "fr",
                  referrer: ("search", "Google", "running shoes")),
            visit(2, at: epoch(2026, 11, 25, 23, 30), visitor: "aaaaaaaaaaaaaaaa", country: "de",
                  referrer: ("social", "Hacker News", "")),
            visit(3, at: epoch(2026, 11, 27, 8), visitor: "bbbbbbbbbbbbbbbb", country: "fr"),
        ])
    }

    @Test func multiDayAnswersAreKeyedWithEmptyDaysAsArrays() async throws {
        try await withFake { (h: Harness) async throws in
            seed(h.fake)
            let summary = try await h.api("VisitsSummary.get", [("idSite", "1"), ("period", "day"), ("date", "last3")])
            #expect(summary.text.hasPrefix(#"{"2026-11-25":{"nb_uniq_visitors":1,"nb_users":0,"nb_visits":2,"#))
            #expect(summary.text.contains(#""2026-11-26":[]"#))
            #expect((summary.object["2026-11-27"] as? [String: Any])?["nb_visits"] as? Int == 1)
            for method in ["Actions.get", "UserCountry.getCountry"] {
                let answer = try await h.api(method, [("idSite", "1"), ("period", "day"), ("date", "2026-11-25,2026-11-27")])
                #expect(answer.text.contains(#""2026-11-26":[]"#), "\(method)")
                #expect(Set(answer.object.keys) == ["2026-11-25", "2026-11-26", "2026-11-27"])
            }
            let empty = try await h.api("VisitsSummary.get", [("idSite", "2"), ("period", "day"), ("date", "last3")])
            #expect(empty.text == #"{"2026-11-25":[],"2026-11-26":[],"2026-11-27":[]}"#)
        }
    }

    @Test func singleEmptyDayAnswersZeros() async throws {
        try await withFake { (h: Harness) async throws in
            seed(h.fake)
            let params = [("idSite", "1"), ("period", "day"), ("date", "2026-11-26")]
            let summary = try await h.api("VisitsSummary.get", params)
            #expect(summary.text == #"{"nb_uniq_visitors":0,"nb_users":0,"nb_visits":0,"nb_actions":0,"nb_visits_converted":0,"bounce_count":0,"sum_visit_length":0,"max_actions":0,"bounce_rate":"0%","nb_actions_per_visit":0,"avg_time_on_site":0}"#)
            let actions = try await h.api("Actions.get", params)
            #expect(actions.text == #"{"nb_pageviews":0,"nb_uniq_pageviews":0,"nb_downloads":0,"nb_uniq_downloads":0,"nb_outlinks":0,"nb_uniq_outlinks":0,"nb_searches":0,"nb_keywords":0}"#)
            #expect(try await h.api("UserCountry.getCountry", params).text == "[]")
            #expect(try await h.api("Referrers.getAll", params).text == "[]")
        }
    }

    @Test func countryMetricsAreStringsForDays() async throws {
        try await withFake { (h: Harness) async throws in
            seed(h.fake)
            let day = try await h.api("UserCountry.getCountry", [("idSite", "1"), ("period", "day"), ("date", "2026-11-25")])
            // Sorted by nb_visits desc, then label: France and Germany have one visit each.
            #expect(day.text.hasPrefix(#"[{"label":"France","nb_uniq_visitors":1,"nb_visits":1,"nb_actions":"1","nb_users":0,"max_actions":1,"sum_visit_length":"0","bounce_count":"1","nb_visits_converted":"0","code":"fr","logo":"plugins\/Morpheus\/icons\/dist\/flags\/fr.png","segment":"countryCode==fr","logoHeight":16}"#))
            #expect(day.array.map { $0["label"] as? String } == ["France", "Germany"])
            let range = try await h.api("UserCountry.getCountry", [("idSite", "1"), ("period", "range"), ("date", "last3")])
            #expect(range.text.hasPrefix(#"[{"label":"France","nb_visits":2,"nb_actions":2,"max_actions":1,"sum_visit_length":0,"bounce_count":2,"nb_visits_converted":0,"sum_daily_nb_uniq_visitors":2,"sum_daily_nb_users":0,"code":"fr""#))
        }
    }

    @Test func referrersGetAllRowsAndMultiDateError() async throws {
        try await withFake { (h: Harness) async throws in
            seed(h.fake)
            let day = try await h.api("Referrers.getAll", [("idSite", "1"), ("period", "day"), ("date", "2026-11-25")])
            #expect(day.array.map { $0["label"] as? String } == ["Hacker News", "running shoes"])
            #expect(day.array.map { $0["referer_type"] as? Int } == [7, 2])
            #expect(day.array.last?["segment"] as? String == "referrerType==search;referrerKeyword==running+shoes")
            // Direct entries have no row in Referrers.getAll.
            let today = try await h.api("Referrers.getAll", [("idSite", "1"), ("period", "day"), ("date", "today")])
            #expect(today.text == "[]")
            let multi = try await h.api("Referrers.getAll", [("idSite", "1"), ("period", "day"), ("date", "last3")])
            #expect(multi.status == 200)
            #expect(multi.errorMessage == "Referrers.getAll with multiple sites or dates is not supported (yet).")
            let range = try await h.api("Referrers.getAll", [("idSite", "1"), ("period", "range"), ("date", "last3")])
            #expect(range.array.count == 2)
        }
    }

    @Test func formatMetricsZeroGivesRatesAsNumbers() async throws {
        try await withFake { (h: Harness) async throws in
            seed(h.fake)
            let params = [("idSite", "1"), ("period", "day"), ("date", "2026-11-25")]
            #expect((try await h.api("VisitsSummary.get", params)).object["bounce_rate"] as? String == "100%")
            #expect((try await h.api("VisitsSummary.get", params + [("format_metrics", "0")])).object["bounce_rate"] as? Double == 1)
        }
    }

    @Test func rangeHasNoUniqueVisitors() async throws {
        try await withFake { (h: Harness) async throws in
            seed(h.fake)
            let range = try await h.api("VisitsSummary.get", [("idSite", "1"), ("period", "range"), ("date", "last10")])
            #expect(range.text.hasPrefix(#"{"nb_visits":3,"nb_actions":3,"#))
        }
    }

    @Test func aggregatesAgreeWithTheVisitLog() async throws {
        try await withFake { (h: Harness) async throws in
            h.fake.generateTraffic(siteId: 1, days: 30, visitsPerDay: 5...25, seed: 42)
            let visits = h.fake.visits(siteId: 1)
            let days = try await h.api("VisitsSummary.get", [("idSite", "1"), ("period", "day"), ("date", "last30")])
            var total = 0, actions = 0
            for (_, value) in days.object {
                total += (value as? [String: Any])?["nb_visits"] as? Int ?? 0
                actions += (value as? [String: Any])?["nb_actions"] as? Int ?? 0
            }
            #expect(total == visits.count)
            #expect(actions == visits.reduce(0) { $0 + $1.actions.filter { $0.type != "goal" }.count })
            let range = try await h.api("VisitsSummary.get", [("idSite", "1"), ("period", "range"), ("date", "last30")])
            #expect(range.object["nb_visits"] as? Int == visits.count)
            let log = try await h.api("Live.getLastVisitsDetails",
                                      [("idSite", "1"), ("period", "range"), ("date", "last30"), ("filter_limit", "-1")])
            #expect(log.array.count == visits.count)
            let countries = try await h.api("UserCountry.getCountry",
                                            [("idSite", "1"), ("period", "range"), ("date", "last30"), ("filter_limit", "-1")])
            #expect(countries.array.reduce(0) { $0 + ($1["nb_visits"] as? Int ?? 0) } == visits.count)
            let referrers = try await h.api("Referrers.getAll",
                                            [("idSite", "1"), ("period", "range"), ("date", "last30"), ("filter_limit", "-1")])
            #expect(referrers.array.reduce(0) { $0 + ($1["nb_visits"] as? Int ?? 0) } == visits.filter { $0.referrerType != "direct" }.count)
            let pageviews = try await h.api("Actions.get", [("idSite", "1"), ("period", "range"), ("date", "last30")])
            #expect(pageviews.object["nb_pageviews"] as? Int == visits.reduce(0) { $0 + $1.actions.filter { $0.type == "action" }.count })
        }
    }

    @Test func filterLimitAppliesToRows() async throws {
        try await withFake { (h: Harness) async throws in
            h.fake.generateTraffic(siteId: 1, days: 10, visitsPerDay: 30...30, seed: 7)
            let rows = try await h.api("UserCountry.getCountry",
                                       [("idSite", "1"), ("period", "range"), ("date", "last10"), ("filter_limit", "3")])
            #expect(rows.array.count == 3)
            let counts = rows.array.compactMap { $0["nb_visits"] as? Int }
            #expect(counts == counts.sorted(by: >))
        }
    }

    @Test func weeksAreKeyedByTheirRange() async throws {
        try await withFake { (h: Harness) async throws in
            seed(h.fake)
            let weeks = try await h.api("VisitsSummary.get", [("idSite", "1"), ("period", "week"), ("date", "last2")])
            #expect(weeks.text.hasPrefix(#"{"2026-11-16,2026-11-22":[],"2026-11-23,2026-11-29":{"nb_uniq_visitors":2,"nb_users":0,"nb_visits":3,"#))
        }
    }

    @Test func multiSiteIsKeyedBySiteId() async throws {
        try await withFake { (h: Harness) async throws in
            seed(h.fake)
            let answer = try await h.api("VisitsSummary.get", [("idSite", "all"), ("period", "day"), ("date", "2026-11-25")])
            #expect(answer.text.hasPrefix(#"{"1":{"nb_uniq_visitors":1,"#))
            #expect(answer.text.hasSuffix(#","2":[]}"#))
        }
    }
}

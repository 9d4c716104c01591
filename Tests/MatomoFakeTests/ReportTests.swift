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

    /// Without `flat=1` Actions.getPageUrls answers Matomo's first level, as the real server does:
    /// pages under the root as rows (no Actions_PageUrl), deeper pages summed per first folder,
    /// labelled without its slash, with a subtable id and a `pageUrl=^` segment; the hits add up to
    /// the flat view's.
    @Test func pageUrlsWithoutFlatAnswerTheFolderView() async throws {
        try await withFake { (h: Harness) async throws in
            h.fake.addVisits([
                FakeVisit(idVisit: 1, siteId: 1, visitorId: "aaaaaaaaaaaaaaaa", firstActionTimestamp: epoch(2026, 11, 25, 9),
                          lastActionTimestamp: epoch(2026, 11, 25, 9, 5), actions: [
                    FakeAction(type: "action", url: "https://shop.example.com/shoes", title: "Shoes", timestamp: epoch(2026, 11, 25, 9)),
                    FakeAction(type: "action", url: "https://shop.example.com/shoes/red", title: "Red", timestamp: epoch(2026, 11, 25, 9, 2)),
                    FakeAction(type: "action", url: "https://shop.example.com/shoes/blue?size=9", title: "Blue", timestamp: epoch(2026, 11, 25, 9, 5)),
                ], countryCode: "fr"),
                FakeVisit(idVisit: 2, siteId: 1, visitorId: "bbbbbbbbbbbbbbbb", firstActionTimestamp: epoch(2026, 11, 25, 10),
                          lastActionTimestamp: epoch(2026, 11, 25, 10), actions: [
                    FakeAction(type: "action", url: "https://shop.example.com/shoes/red", title: "Red", timestamp: epoch(2026, 11, 25, 10)),
                ], countryCode: "fr"),
            ])
            let params = [("idSite", "1"), ("period", "day"), ("date", "2026-11-25")]
            let tree = try await h.api("Actions.getPageUrls", params).array
            let flat = try await h.api("Actions.getPageUrls", params + [("flat", "1")]).array
            #expect(Set(tree.compactMap { $0["label"] as? String }) == ["shoes", "/shoes"])
            let folder = try #require(tree.first { $0["label"] as? String == "shoes" })
            #expect(folder["idsubdatatable"] as? Int == 1)
            #expect(folder["url"] == nil && folder["nb_uniq_visitors"] == nil && folder["Actions_PageUrl"] == nil)
            #expect(folder["nb_hits"] as? Int == 3)
            #expect(folder["nb_visits"] as? Int == 3, "the pages' unique pageviews summed: red 2, blue 1")
            #expect(folder["segment"] as? String == "pageUrl=^https%253A%252F%252Fshop.example.com%252Fshoes")
            let leaf = try #require(tree.first { $0["label"] as? String == "/shoes" })
            #expect(leaf["url"] as? String == "https://shop.example.com/shoes" && leaf["Actions_PageUrl"] == nil && leaf["idsubdatatable"] == nil)
            func hits(_ rows: [[String: Any]]) -> Int { rows.reduce(0) { $0 + ($1["nb_hits"] as? Int ?? 0) } }
            #expect(hits(tree) == hits(flat) && hits(flat) == 4)
            #expect(flat.count == 3 && flat.allSatisfy { $0["Actions_PageUrl"] != nil })
        }
    }
}

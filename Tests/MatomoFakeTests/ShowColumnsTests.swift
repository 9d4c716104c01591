import Foundation
import Testing
@testable import MatomoFake

/// `showColumns` as Matomo 5.0.2 applies it (checked against a real server): the report keeps the
/// listed columns in its own order; one column left collapses each period to its bare value.
@Suite struct ShowColumnsTests {
    /// Site 1: two visits on 2026-11-25, none on 11-26, one today (11-27).
    private func seed(_ fake: FakeMatomo) {
        fake.addVisits([
            visit(1, at: epoch(2026, 11, 25, 9), visitor: "aaaaaaaaaaaaaaaa"),
            visit(2, at: epoch(2026, 11, 25, 23, 30), visitor: "bbbbbbbbbbbbbbbb"),
            visit(3, at: epoch(2026, 11, 27, 8), visitor: "cccccccccccccccc"),
        ])
    }

    @Test func oneColumnCollapsesToBareNumbersPerDate() async throws {
        try await withFake { (h: Harness) async throws in
            seed(h.fake)
            func summary(_ params: [(String, String)]) async throws -> String {
                try await h.api("VisitsSummary.get", params + [("format_metrics", "0"), ("showColumns", "nb_visits")]).text
            }
            #expect(try await summary([("idSite", "1"), ("period", "day"), ("date", "2026-11-25,2026-11-27")])
                    == #"{"2026-11-25":2,"2026-11-26":[],"2026-11-27":1}"#)
            // A one-day list stays keyed by its date.
            #expect(try await summary([("idSite", "1"), ("period", "day"), ("date", "2026-11-25,2026-11-25")]) == #"{"2026-11-25":2}"#)
            #expect(try await summary([("idSite", "1"), ("period", "day"), ("date", "2026-11-25")]) == #"{"value":2}"#)
            #expect(try await summary([("idSite", "1"), ("period", "day"), ("date", "2026-11-26")]) == #"{"value":0}"#)
            #expect(try await summary([("idSite", "1"), ("period", "range"), ("date", "2026-11-25,2026-11-27")]) == #"{"value":3}"#)
            #expect(try await summary([("idSite", "2"), ("period", "range"), ("date", "2026-11-25,2026-11-27")]) == #"{"value":0}"#)
            #expect(try await summary([("idSite", "2"), ("period", "day"), ("date", "last3")])
                    == #"{"2026-11-25":[],"2026-11-26":[],"2026-11-27":[]}"#)
            #expect(try await summary([("idSite", "1,2"), ("period", "day"), ("date", "2026-11-25")]) == #"{"1":2,"2":[]}"#)
            let pageviews = try await h.api("Actions.get", [("idSite", "1"), ("period", "day"), ("date", "2026-11-25"), ("showColumns", "nb_pageviews")])
            #expect(pageviews.text == #"{"value":2}"#)
        }
    }

    @Test func twoColumnsKeepObjectsInTheReportsOrder() async throws {
        try await withFake { (h: Harness) async throws in
            seed(h.fake)
            let columns = ("showColumns", "nb_actions,nb_visits")
            let keyed = try await h.api("VisitsSummary.get", [("idSite", "1"), ("period", "day"), ("date", "2026-11-25,2026-11-26"), columns])
            #expect(keyed.text == #"{"2026-11-25":{"nb_visits":2,"nb_actions":2},"2026-11-26":[]}"#)
            let single = try await h.api("VisitsSummary.get", [("idSite", "1"), ("period", "day"), ("date", "2026-11-26"), columns])
            #expect(single.text == #"{"nb_visits":0,"nb_actions":0}"#)
            let range = try await h.api("VisitsSummary.get", [("idSite", "1"), ("period", "range"), ("date", "2026-11-25,2026-11-27"), columns])
            #expect(range.text == #"{"nb_visits":3,"nb_actions":3}"#)
        }
    }

    @Test func unknownColumnsLeaveNothingAndRowsKeepLabelAndMetadata() async throws {
        try await withFake { (h: Harness) async throws in
            seed(h.fake)
            let none = try await h.api("VisitsSummary.get", [("idSite", "1"), ("period", "day"), ("date", "2026-11-25,2026-11-26"), ("showColumns", "nosuch")])
            #expect(none.text == #"{"2026-11-25":[],"2026-11-26":[]}"#)
            let noneSingle = try await h.api("VisitsSummary.get", [("idSite", "1"), ("period", "day"), ("date", "2026-11-25"), ("showColumns", "nosuch")])
            #expect(noneSingle.text == "[]")
            let oneLeft = try await h.api("VisitsSummary.get", [("idSite", "1"), ("period", "day"), ("date", "2026-11-25"), ("showColumns", "nb_visits,nosuch")])
            #expect(oneLeft.text == #"{"value":2}"#)
            let rows = try await h.api("UserCountry.getCountry", [("idSite", "1"), ("period", "day"), ("date", "2026-11-25"), ("showColumns", "nb_visits")])
            #expect(rows.text == #"[{"label":"France","nb_visits":2,"code":"fr","logo":"plugins\/Morpheus\/icons\/dist\/flags\/fr.png","segment":"countryCode==fr","logoHeight":16}]"#)
        }
    }
}

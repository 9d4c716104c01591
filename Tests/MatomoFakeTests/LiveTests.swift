import Foundation
import Testing
@testable import MatomoFake

@Suite struct LiveTests {
    private func ids(_ answer: HTTPAnswer) -> [Int] { answer.array.compactMap { $0["idVisit"] as? Int } }

    @Test func minTimestampIsStrict() async throws {
        try await withFake { (h: Harness) async throws in
            let t = epoch(2026, 11, 26, 12)
            h.fake.addVisits([visit(1, at: t - 60), visit(2, at: t), visit(3, at: t + 1), visit(4, at: t + 60)])
            let answer = try await h.api("Live.getLastVisitsDetails",
                                         [("idSite", "1"), ("period", "range"), ("date", "last30"), ("filter_sort_order", "asc"),
                                          ("minTimestamp", "\(t)")])
            #expect(ids(answer) == [3, 4])
        }
    }

    @Test func sortOrderOffsetAndLimit() async throws {
        try await withFake { (h: Harness) async throws in
            let t = epoch(2026, 11, 25, 9)
            // 2 and 3 share a timestamp: ties go by idVisit, in the requested direction.
            h.fake.addVisits([visit(3, at: t + 10), visit(1, at: t), visit(2, at: t + 10), visit(4, at: t + 20), visit(5, at: t + 30)])
            let base = [("idSite", "1"), ("period", "range"), ("date", "last30")]
            #expect(ids(try await h.api("Live.getLastVisitsDetails", base)) == [5, 4, 3, 2, 1])
            #expect(ids(try await h.api("Live.getLastVisitsDetails", base + [("filter_sort_order", "asc")])) == [1, 2, 3, 4, 5])
            #expect(ids(try await h.api("Live.getLastVisitsDetails",
                                        base + [("filter_sort_order", "asc"), ("filter_offset", "1"), ("filter_limit", "2")])) == [2, 3])
            #expect(ids(try await h.api("Live.getLastVisitsDetails",
                                        base + [("filter_offset", "3"), ("filter_limit", "-1")])) == [2, 1])
            #expect(ids(try await h.api("Live.getLastVisitsDetails", base + [("filter_offset", "9")])) == [])
        }
    }

    @Test func defaultLimitIs100AndMinusOneMeansAll() async throws {
        try await withFake { (h: Harness) async throws in
            let t = epoch(2026, 11, 20, 8)
            h.fake.addVisits((1...150).map { visit($0, at: t + $0 * 60) })
            let base = [("idSite", "1"), ("period", "range"), ("date", "last30")]
            #expect(try await h.api("Live.getLastVisitsDetails", base).array.count == 100)
            #expect(try await h.api("Live.getLastVisitsDetails", base + [("filter_limit", "-1")]).array.count == 150)
        }
    }

    @Test func todayStartsAtMidnightYesterday() async throws {
        try await withFake { (h: Harness) async throws in
            h.fake.addVisits([
                visit(1, at: epoch(2026, 11, 25, 23, 59, 59)), // day before yesterday
                visit(2, at: epoch(2026, 11, 26, 0, 0, 0)),    // yesterday 00:00 local
                visit(3, at: epoch(2026, 11, 26, 18)),
                visit(4, at: epoch(2026, 11, 27, 9)),          // today
            ])
            let today = try await h.api("Live.getLastVisitsDetails",
                                        [("idSite", "1"), ("period", "day"), ("date", "today"), ("filter_sort_order", "asc")])
            #expect(ids(today) == [2, 3, 4])
            let todayByDate = try await h.api("Live.getLastVisitsDetails",
                                              [("idSite", "1"), ("period", "day"), ("date", "2026-11-27"), ("filter_sort_order", "asc")])
            #expect(ids(todayByDate) == [2, 3, 4])
            let yesterday = try await h.api("Live.getLastVisitsDetails",
                                            [("idSite", "1"), ("period", "day"), ("date", "yesterday"), ("filter_sort_order", "asc")])
            #expect(ids(yesterday) == [2, 3])
        }
    }

    @Test func visitRendersLikeMatomo5() async throws {
        try await withFake { (h: Harness) async throws in
            var v = FakeVisit(
                idVisit: 7, siteId: 1, visitorId: "367685501193e40c",
                firstActionTimestamp: 1_794_896_096, lastActionTimestamp: 1_794_896_315,
                actions: [
                    FakeAction(type: "action", url: "https://shop.example.com/newsletter/", title: "Newsletter",
                               timestamp: 1_794_896_096, timeSpent: 84),
                    FakeAction(type: "event", url: "https://shop.example.com/newsletter/", title: "Product teaser",
                               timestamp: 1_794_896_315, eventCategory: "Video", eventAction: "Play", eventValue: 50),
                ],
                referrerType: "social", referrerName: "Hacker News", referrerUrl: "https://news.ycombinator.com/item?id=38123456",
                countryCode: "de", deviceType: "Desktop", browserName: "Chrome", operatingSystemName: "Windows")
            v.extraFields = [("newField", "x"), ("we\"ird/key", "line\nbreak")]
            h.fake.addVisits([v])
            let answer = try await h.api("Live.getLastVisitsDetails", [("idSite", "1"), ("period", "range"), ("date", "last30")])
            let keys = orderedKeys(ofFirstObjectIn: answer.text)
            #expect(keys == sampleVisitKeys + ["newField", #"we\"ird\/key"#])
            let row = try #require(answer.array.first)
            #expect(row["serverTimestamp"] as? Int == 1_794_896_315)
            #expect(row["visitServerHour"] as? String == "6")
            #expect(row["serverDate"] as? String == "2026-11-17")
            #expect(row["serverTimePretty"] as? String == "07:18:35")
            #expect(row["serverDatePretty"] as? String == "Tuesday, November 17, 2026")
            #expect(row["visitDuration"] as? Int == 220)
            #expect(row["visitDurationPretty"] as? String == "3 min 40s")
            #expect(row["actions"] as? Int == 2)
            #expect(row["interactions"] as? Int == 1)
            #expect(row["events"] as? Int == 1)
            #expect(row["referrerSocialNetworkUrl"] as? String == "news.ycombinator.com")
            #expect(row["country"] as? String == "Germany")
            #expect(row["newField"] as? String == "x")
            #expect(row[#"we"ird/key"#] as? String == "line\nbreak")
            let actions = try #require(row["actionDetails"] as? [[String: Any]])
            // Paris is UTC+1 in November: action timestamps are shifted by the offset.
            #expect(actions[0]["timestamp"] as? Int == 1_794_896_096 + 3600)
            #expect(actions[0]["serverTimePretty"] as? String == "Nov 17, 2026 07:14:56")
            #expect(actions[0]["timeSpentPretty"] as? String == "1 min 24s")
            #expect(actions[1]["subtitle"] as? String == #"Category: "Video', Action: "Play""#)
            #expect(answer.text.contains(#""siteCurrencySymbol":"\u20ac""#))
            #expect(answer.text.contains(#""url":"https:\/\/shop.example.com\/newsletter\/""#))
        }
    }

    @Test func numbersAsStringsMode() async throws {
        try await withFake(testConfiguration(numbersAsStrings: true)) { (h: Harness) async throws in
            h.fake.addVisits([visit(2_347_281, at: epoch(2026, 11, 26, 10))])
            let answer = try await h.api("Live.getLastVisitsDetails", [("idSite", "1"), ("period", "day"), ("date", "yesterday")])
            #expect(answer.text.contains(#""idVisit":"2347281""#))
            #expect(answer.text.contains(#""visitDuration":"0""#))
            let summary = try await h.api("VisitsSummary.get", [("idSite", "1"), ("period", "day"), ("date", "yesterday")])
            #expect(summary.text.contains(#""nb_visits":"1""#))
        }
    }

    @Test func siteTimezoneDecidesTheDay() async throws {
        var configuration = testConfiguration()
        configuration.sites.append(FakeSite(id: 3, name: "Mumbai", timezone: "UTC+5.5", createdAt: Date(timeIntervalSince1970: 0)))
        try await withFake(configuration) { (h: Harness) async throws in
            // 2026-11-26 19:00 UTC is 2026-11-27 00:30 at UTC+5:30.
            let t = epoch(2026, 11, 26, 19, 0, 0, in: TimeZone(identifier: "UTC")!)
            h.fake.addVisits([visit(1, at: t, site: 3)])
            let day = try await h.api("VisitsSummary.get", [("idSite", "3"), ("period", "day"), ("date", "2026-11-27")])
            #expect(day.object["nb_visits"] as? Int == 1)
            let log = try await h.api("Live.getLastVisitsDetails", [("idSite", "3"), ("period", "day"), ("date", "today")])
            let row = try #require(log.array.first)
            // Matomo formats serverDate in UTC and the "pretty" fields in the site's timezone.
            #expect(row["serverDate"] as? String == "2026-11-26")
            #expect(row["serverDatePretty"] as? String == "Friday, November 27, 2026")
            #expect(row["serverTimePretty"] as? String == "00:30:00")
            let site = try await h.api("SitesManager.getSiteFromId", [("idSite", "3")])
            #expect(site.object["timezone_name"] as? String == "UTC+5:30")
        }
    }

    @Test func largeAnswersStreamTheSameVisits() async throws {
        try await withFake { (h: Harness) async throws in
            let t = epoch(2026, 11, 10, 8)
            h.fake.addVisits((1...700).map { visit($0, at: t + $0 * 30) })
            let all = try await h.api("Live.getLastVisitsDetails",
                                      [("idSite", "1"), ("period", "range"), ("date", "last30"), ("filter_limit", "-1"),
                                       ("filter_sort_order", "asc")])
            #expect(ids(all) == Array(1...700))
            let noActions = try await h.api("Live.getLastVisitsDetails",
                                            [("idSite", "1"), ("period", "range"), ("date", "last30"), ("doNotFetchActions", "1")])
            #expect(noActions.array.allSatisfy { ($0["actionDetails"] as? [Any])?.isEmpty == true })
        }
    }

    @Test func emptySiteAnswersEmptyArray() async throws {
        try await withFake { (h: Harness) async throws in
            let answer = try await h.api("Live.getLastVisitsDetails", [("idSite", "2"), ("period", "range"), ("date", "last30")])
            #expect(answer.status == 200)
            #expect(answer.text == "[]")
        }
    }
}

/// Keys of a Matomo 5.0.2 visit, in order (Live.getLastVisitsDetails.range_last30_limit5_asc.json).
let sampleVisitKeys = [
    "idSite", "idVisit", "visitIp", "visitorId", "fingerprint", "actionDetails", "goalConversions", "siteCurrency",
    "siteCurrencySymbol", "serverDate", "visitServerHour", "lastActionTimestamp", "lastActionDateTime", "siteName",
    "serverTimestamp", "firstActionTimestamp", "serverTimePretty", "serverDatePretty", "serverDatePrettyFirstAction",
    "serverTimePrettyFirstAction", "userId", "visitorType", "visitorTypeIcon", "visitConverted", "visitConvertedIcon",
    "visitCount", "visitEcommerceStatus", "visitEcommerceStatusIcon", "daysSinceFirstVisit", "secondsSinceFirstVisit",
    "daysSinceLastEcommerceOrder", "secondsSinceLastEcommerceOrder", "visitDuration", "visitDurationPretty", "searches",
    "actions", "interactions", "referrerType", "referrerTypeName", "referrerName", "referrerKeyword",
    "referrerKeywordPosition", "referrerUrl", "referrerSearchEngineUrl", "referrerSearchEngineIcon",
    "referrerSocialNetworkUrl", "referrerSocialNetworkIcon", "languageCode", "language", "deviceType", "deviceTypeIcon",
    "deviceBrand", "deviceModel", "operatingSystem", "operatingSystemName", "operatingSystemIcon", "operatingSystemCode",
    "operatingSystemVersion", "browserFamily", "browserFamilyDescription", "browser", "browserName", "browserIcon",
    "browserCode", "browserVersion", "events", "continent", "continentCode", "country", "countryCode", "countryFlag",
    "region", "regionCode", "city", "location", "latitude", "longitude", "visitLocalTime", "visitLocalHour",
    "daysSinceLastVisit", "secondsSinceLastVisit", "resolution", "plugins", "pluginsIcons",
]

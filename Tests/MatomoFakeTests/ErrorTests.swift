import Foundation
import Testing
@testable import MatomoFake

@Suite struct ErrorTests {
    @Test func bulkRequestAnswersEachCallWithErrorsInline() async throws {
        try await withFake { (h: Harness) async throws in
            h.fake.addVisits([visit(1, at: epoch(2026, 11, 26, 10))])
            let answer = try await h.api("API.getBulkRequest", [
                ("urls[0]", "method=VisitsSummary.get&idSite=1&period=day&date=yesterday"),
                ("urls[1]", "method=API.getMatomoVersion"),
                ("urls[2]", "method=VisitsSummary.get&idSite=999&period=day&date=yesterday"),
            ])
            #expect(answer.status == 200)
            let items = try #require(answer.json as? [[String: Any]])
            #expect(items.count == 3)
            #expect(items[0]["nb_visits"] as? Int == 1)
            #expect(items[1]["value"] as? String == "5.0.2")
            #expect(answer.text.hasSuffix(#"{"result":"error","message":"An unexpected website was found in the request: website id was set to '999' ."}]"#))
        }
    }

    @Test func methodAndParameterErrors() async throws {
        try await withFake { (h: Harness) async throws in
            let day = [("idSite", "1"), ("period", "day"), ("date", "yesterday")]
            let cases: [(String, [(String, String)], String)] = [
                ("getMatomoVersion", [], "The method name is invalid. Expected 'module.methodName'"),
                ("VisitsSummary.doesNotExist", day,
                 #"The method 'doesNotExist' does not exist or is not available in the module '\Piwik\Plugins\VisitsSummary\API'."#),
                ("NoSuchModule.get", day,
                 "The plugin NoSuchModule is not enabled. You can activate the plugin on Settings &gt; Plugins page in Matomo."),
                ("VisitsSummary.get", [("idSite", "999"), ("period", "day"), ("date", "yesterday")],
                 "An unexpected website was found in the request: website id was set to '999' ."),
                ("VisitsSummary.get", [("idSite", "1"), ("period", "day"), ("date", "2026-13-45")],
                 "Date format must be: YYYY-MM-DD, or 'today' or 'yesterday' or any keyword supported by the strtotime function (see http://php.net/strtotime for more information): false"),
                ("VisitsSummary.get", [("idSite", "1"), ("period", "fortnight"), ("date", "yesterday")],
                 "The period 'fortnight' is not supported. Try any of the following instead: day, week, month, year, range"),
                ("VisitsSummary.get", [("idSite", "1"), ("period", "range"), ("date", "yesterday")],
                 "The date 'yesterday' is not a correct date range. It should have the following format:  'lastN', 'previousN', 'YYYY-MM-DD,YYYY-MM-DD'."),
                ("VisitsSummary.get", [("period", "day"), ("date", "yesterday")], "Please specify a value for 'idSite'."),
            ]
            for (method, params, message) in cases {
                let answer = try await h.api(method, params)
                #expect(answer.status == 200, "\(method)")
                #expect(answer.errorMessage == message, "\(method) \(params)")
            }
            // The escaped form on the wire, as PHP's json_encode writes it.
            let raw = try await h.api("VisitsSummary.doesNotExist", day)
            #expect(raw.text.contains(#"'\\Piwik\\Plugins\\VisitsSummary\\API'"#))
        }
    }

    @Test func disabledMethodAnswersPluginNotEnabled() async throws {
        try await withFake(testConfiguration(disabledMethods: ["Live.getLastVisitsDetails"])) { (h: Harness) async throws in
            let answer = try await h.api("Live.getLastVisitsDetails", [("idSite", "1"), ("period", "day"), ("date", "today")])
            #expect(answer.status == 200)
            #expect(answer.errorMessage == "The plugin Live is not enabled. You can activate the plugin on Settings &gt; Plugins page in Matomo.")
        }
    }

    @Test func servesUnderASubPathAndNothingElse() async throws {
        try await withFake { (h: Harness) async throws in
            #expect(try await h.api("API.getMatomoVersion", path: "matomo/index.php").status == 200)
            #expect(try await h.api("API.getMatomoVersion", path: "nope.php").status == 404)
            let html = try await h.send(query: [("module", "CoreHome")], body: [("token_auth", "fake-token")])
            #expect(html.contentType?.hasPrefix("text/html") == true)
        }
    }

    @Test func sitesManagerAnswers() async throws {
        try await withFake { (h: Harness) async throws in
            let site = try await h.api("SitesManager.getSiteFromId", [("idSite", "2")])
            #expect(site.text == #"{"idsite":2,"name":"Empty Site (no traffic)","main_url":"https:\/\/site2.example.com","ts_created":"2026-10-01 00:00:00","ecommerce":0,"sitesearch":1,"sitesearch_keyword_parameters":"","sitesearch_category_parameters":"","timezone":"UTC","currency":"EUR","exclude_unknown_urls":0,"excluded_ips":"","excluded_parameters":"","excluded_user_agents":"","excluded_referrers":"","group":"","type":"website","keep_url_fragment":0,"creator_login":"anonymous","timezone_name":"UTC","currency_name":"Euro"}"#)
            let all = try await h.api("SitesManager.getSitesWithAtLeastViewAccess")
            #expect(all.array.compactMap { $0["idsite"] as? Int } == [1, 2])
        }
    }

    @Test func latencyIsAddedBeforeAnswering() async throws {
        var configuration = testConfiguration()
        configuration.latency = .milliseconds(200)
        try await withFake(configuration) { (h: Harness) async throws in
            let clock = ContinuousClock()
            let start = clock.now
            _ = try await h.api("API.getMatomoVersion")
            #expect(clock.now - start >= .milliseconds(200))
        }
    }
}

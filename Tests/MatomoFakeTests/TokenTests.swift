import Foundation
import Testing
@testable import MatomoFake

@Suite struct TokenTests {
    @Test func tokenInPostBodyIsAccepted() async throws {
        try await withFake { (h: Harness) async throws in
            let answer = try await h.api("API.getMatomoVersion")
            #expect(answer.status == 200)
            #expect(answer.text == #"{"value":"5.0.2"}"#)
            #expect(answer.contentType == "application/json; charset=utf-8")
        }
    }

    @Test func tokenInQueryStringIsRefusedEvenWhenRight() async throws {
        try await withFake { (h: Harness) async throws in
            let message = "Unable to authenticate with the provided token. It is either invalid, expired or is required to be sent as a POST parameter."
            for method in ["GET", "POST"] {
                let answer = try await h.send(
                    httpMethod: method,
                    query: [("module", "API"), ("format", "json"), ("method", "VisitsSummary.get"), ("idSite", "1"),
                            ("period", "day"), ("date", "yesterday"), ("token_auth", "fake-token")],
                    body: [])
                #expect(answer.status == 401)
                #expect(answer.errorMessage == message)
            }
        }
    }

    @Test func wrongTokenIs401() async throws {
        try await withFake { (h: Harness) async throws in
            let answer = try await h.api("VisitsSummary.get", [("idSite", "1"), ("period", "day"), ("date", "yesterday")],
                                         token: "nope")
            #expect(answer.status == 401)
            #expect(answer.errorMessage == "Unable to authenticate with the provided token. It is either invalid or expired.")
        }
    }

    @Test func missingTokenNamesTheSite() async throws {
        try await withFake { (h: Harness) async throws in
            let answer = try await h.api("VisitsSummary.get", [("idSite", "1"), ("period", "day"), ("date", "yesterday")],
                                         token: nil)
            #expect(answer.status == 401)
            #expect(answer.errorMessage == "You can't access this resource as it requires 'view' access for the website id = 1.")
            let version = try await h.api("API.getMatomoVersion", token: nil)
            #expect(version.status == 401)
            #expect(version.errorMessage == "You can't access this resource as it requires view access for at least one website.")
        }
    }

    @Test func normalTokenModeAcceptsQueryString() async throws {
        var configuration = testConfiguration()
        configuration.tokenMustBePosted = false
        try await withFake(configuration) { (h: Harness) async throws in
            let answer = try await h.send(
                httpMethod: "GET", query: [("module", "API"), ("format", "json"), ("method", "API.getMatomoVersion"),
                                           ("token_auth", "fake-token")], body: [])
            #expect(answer.status == 200)
        }
    }

    @Test func requestsAreRecorded() async throws {
        try await withFake { (h: Harness) async throws in
            _ = try await h.api("API.getBulkRequest", [("urls[0]", "method=API.getMatomoVersion"),
                                                        ("urls[1]", "method=VisitsSummary.get&idSite=1&period=day&date=today")])
            let recorded = h.fake.requests()
            #expect(recorded.count == 1)
            #expect(recorded[0].httpMethod == "POST")
            #expect(recorded[0].path == "/index.php")
            #expect(recorded[0].apiMethod == "API.getBulkRequest")
            #expect(recorded[0].bulkMethods == ["API.getMatomoVersion", "VisitsSummary.get"])
            #expect(recorded[0].body["token_auth"] == "fake-token")
            #expect(recorded[0].query["token_auth"] == nil)
            h.fake.resetRequests()
            #expect(h.fake.requests().isEmpty)
        }
    }
}

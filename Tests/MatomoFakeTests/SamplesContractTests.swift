import Foundation
import Testing
@testable import MatomoFake

/// The contract between the fake and the real Matomo 5.0.2 answers captured in Samples/ (copied from
/// the shared matomo-samples; each `.meta.json` holds the request): for every sample of a method the
/// fake serves, the same request to the fake, in a world like the one captured (same sites, zones
/// and clock), answers the same HTTP status and the same shape (AnswerShape: keys, their order, kinds,
/// nesting, date- and site-keyed layouts); an error answers the same body, byte for byte.
@Suite struct SamplesContractTests {
    struct Sample: CustomTestStringConvertible, Sendable {
        var name: String
        var httpMethod: String
        var query: [(String, String)]
        var body: [(String, String)]?
        var status: Int
        var answer: [UInt8]
        var testDescription: String { name }
    }

    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Samples")

    static func load() -> [Sample] {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? [])
            .filter { $0.hasSuffix(".meta.json") }.map { String($0.dropLast(".meta.json".count)) }.sorted()
        return names.compactMap { name in
            guard let meta = try? Data(contentsOf: folder.appendingPathComponent(name + ".meta.json")),
                  let object = try? JSONSerialization.jsonObject(with: meta) as? [String: Any],
                  let answer = try? Data(contentsOf: folder.appendingPathComponent(name + ".json")) else { return nil }
            func pairs(_ any: Any?) -> [(String, String)]? {
                guard let dict = any as? [String: Any] else { return nil }
                return dict.map { ($0.key, "\($0.value)") }.sorted { $0.0 < $1.0 }
            }
            return Sample(name: name, httpMethod: object["http_method"] as? String ?? "POST", query: pairs(object["query"]) ?? [],
                          body: pairs(object["post_body"]), status: object["status"] as? Int ?? 200, answer: Array(answer))
        }
    }

    /// The samples of site 3 (America/New_York, ecommerce) were captured on 2026-12-01 at 16:55 New York
    /// time; the others on 2026-11-27 at 02:10 Paris time, with sites 1 (Europe/Paris) and 2 (UTC, empty).
    static func world(for sample: Sample) -> (FakeMatomoConfiguration, seed: (FakeMatomo) -> Void) {
        let october = Date(timeIntervalSince1970: 1_790_812_800)  // 2026-10-01
        let site3 = sample.query.contains { $0 == ("idSite", "3") }
        var config: FakeMatomoConfiguration
        if site3 {
            var shop = FakeSite(id: 3, name: "Big Shop", timezone: "America/New_York", createdAt: october, mainUrl: "https://bigshop.example", currency: "USD")
            shop.ecommerce = true
            config = FakeMatomoConfiguration(token: token, sites: [
                shop,
            ], now: { Date(timeIntervalSince1970: 1_796_162_150) })
        } else {
            config = FakeMatomoConfiguration(token: token, sites: [
                FakeSite(id: 1, name: "Example Shop", timezone: "Europe/Paris", createdAt: october, mainUrl: "https://shop.example.com"),
                FakeSite(id: 2, name: "Empty Site (no traffic)", timezone: "UTC", createdAt: october, mainUrl: "https://empty.example.com"),
            ], now: { Date(timeIntervalSince1970: 1_795_741_849) })
        }
        // "normal" tokens may come in the query string; Matomo 5's default (secure-only) may not.
        if sample.name.hasPrefix("TOKEN.normal_token") { config.tokenMustBePosted = false }
        return (config, { fake in fake.generateTraffic(siteId: site3 ? 3 : 1, days: 60, visitsPerDay: 40...80, seed: 5) })
    }

    static let token = "0123456789abcdef0123456789abcdef"

    /// The request of a sample with its token put back: the right one, a wrong one, or none.
    static func request(_ sample: Sample) -> (query: [(String, String)], body: [(String, String)]?) {
        let wrong = sample.name.contains("wrong_token")
        func fill(_ pairs: [(String, String)]) -> [(String, String)] {
            pairs.map { $0.0 == "token_auth" ? ($0.0, wrong ? "ffffffffffffffffffffffffffffffff" : token) : $0 }
        }
        return (fill(sample.query), sample.body.map(fill))
    }


    @Test func everyServedMethodHasSamples() {
        let samples = Self.load()
        #expect(samples.count >= 45)
        let methods = Set(samples.compactMap { s in s.query.first { $0.0 == "method" }?.1 })
        for method in APIDispatcher.implemented {
            // API.getReportMetadata: its sample is in MatomoSyncTests' Fixtures/contract, where
            // FakeContractTests checks each entry's keys, report by report.
            #expect(methods.contains(method) || method == "SitesManager.getSitesIdWithAtLeastViewAccess" || method == "API.getReportMetadata",
                    "no sample for \(method)")
        }
    }

    @Test(arguments: SamplesContractTests.load())
    func fakeAnswersLikeTheSample(_ sample: Sample) async throws {
        let (config, seed) = Self.world(for: sample)
        try await withFake(config) { (h: Harness) async throws in
            seed(h.fake)
            let (query, body) = Self.request(sample)
            let answer = try await h.send(httpMethod: sample.httpMethod, query: query, body: body ?? [])
            #expect(answer.status == sample.status)
            let real = String(decoding: sample.answer, as: UTF8.self)
            if real.hasPrefix(#"{"result":"error""#) || sample.name.hasPrefix("ERR.") {
                #expect(answer.text == real)
                return
            }
            let differences = shapeDifferences(real: try AnswerShape.of(json: sample.answer), fake: try AnswerShape.of(json: Array(answer.body)),
                                               optionalKeys: AnswerShape.dataDependentKeys)
            #expect(differences.isEmpty, "\(differences.count) differences:\n\(differences.joined(separator: "\n"))")
        }
    }
}

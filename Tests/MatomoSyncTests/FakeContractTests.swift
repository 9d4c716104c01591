import Foundation
import MatomoAPI
import MatomoFake
import Testing
@testable import MatomoSync

/// The fake Matomo against real Matomo 5.0.2 answers (Fixtures/contract, copied from the captured
/// samples): each sample's request is replayed against the fake, and the answers must have the same
/// shape: top-level kind, keyed-by-date layout, the keys of rows and the JSON types of their values.
@Suite struct FakeContractTests {
    /// Every sample of a method the fake serves. Methods the fake serves without a sample are listed
    /// in `unsampled`, so a new method cannot slip through without one.
    static let samples = [
        "API.getMatomoVersion", "SitesManager.getSiteFromId", "Live.getLastVisitsDetails.range_last30_limit5_asc",
        "VisitsSummary.get.day_last10", "VisitsSummary.get.day_yesterday", "Actions.get.day_last3", "Actions.get.day_yesterday",
        "Referrers.getAll.day_yesterday", "UserCountry.getCountry.day_date_range", "UserCountry.getCountry.day_yesterday",
        "Actions.getPageUrls.day_yesterday_flat", "Actions.getPageUrls.day_last3_flat", "Goals.get.day_yesterday", "Goals.get.day_last3",
        "Goals.getGoals.site3", "Events.getCategory.day_yesterday", "Events.getCategory.day_last3", "Events.getAction.day_yesterday",
        "Events.getAction.day_last3", "Events.getName.day_yesterday", "Events.getName.day_last3", "API.getReportMetadata.site3",
    ]
    static let errorSamples = ["ERR.unknown_method.Events.getNothing", "ERR.bad_method.unknown_method", "ERR.bad_method.unknown_module"]
    /// Served by the fake, shapes checked elsewhere (bulk: ReportTests; site lists: the Sites tests).
    static let unsampled: Set<String> = ["API.getBulkRequest", "SitesManager.getSitesWithAtLeastViewAccess", "SitesManager.getSitesIdWithAtLeastViewAccess"]

    static func load(_ name: String) throws -> (query: [String: Any], body: Any) {
        let meta = try JSONSerialization.jsonObject(with: Data(try Fixtures.bytes("contract/\(name).meta"))) as! [String: Any]
        let body = try JSONSerialization.jsonObject(with: Data(try Fixtures.bytes("contract/\(name)")), options: [.fragmentsAllowed])
        return (meta["query"] as! [String: Any], body)
    }

    static func replay(_ query: [String: Any], on h: SyncHarness) async throws -> Any {
        let method = query["method"] as! String
        var params: [(String, String)] = []
        for (k, v) in query.sorted(by: { $0.key < $1.key }) where !["module", "format", "method"].contains(k) {
            params.append((k, k == "idSite" ? "1" : "\(v)"))
        }
        let client = try h.client()
        return try await withStopping({ await client.shutdown() }) {
            let bytes = try await client.call(method, params)
            return try JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])
        }
    }

    @Test func everyServedMethodHasASample() {
        let sampled = Set(Self.samples.map { $0.split(separator: ".").prefix(2).joined(separator: ".") })
        for method in APIDispatcher.implemented where !Self.unsampled.contains(method) {
            #expect(sampled.contains(method), "\(method) is served by the fake but has no real sample to compare with")
        }
    }

    @Test(arguments: samples)
    func theFakeAnswersLikeRealMatomo(_ name: String) async throws {
        try await withHarness(.sqlite) { h in
            h.fake.generateTraffic(siteId: 1, days: 20, visitsPerDay: 30...40, seed: 4)
            let (query, real) = try Self.load(name)
            let fake = try await Self.replay(query, on: h)
            var problems: [String] = []
            Shape.compare(real: real, fake: fake, at: "$", into: &problems)
            #expect(problems.isEmpty, "\(name):\n\(problems.prefix(15).joined(separator: "\n"))")
        }
    }

    /// Report metadata, report by report: each fake entry has the keys, in the order, that real
    /// Matomo's entry of the same report has (by uniqueId; a goal's report by kind, as ids differ).
    @Test func reportMetadataEntriesHaveMatomosKeys() async throws {
        try await withHarness(.sqlite, sites: [{
            var site = FakeSite(id: 1, name: "Shop", timezone: "UTC", createdAt: SyncHarness.defaultNow.addingTimeInterval(-86400 * 30))
            site.ecommerce = true
            return site
        }()]) { h in
            func entries(_ bytes: [UInt8]) throws -> [(id: String, keys: [String])] {
                try #require(try OrderedJSON.parse(Data(bytes)) as? [Any]).compactMap { $0 as? OrderedObject }.map { o in
                    (o.fields.first { $0.0 == "uniqueId" }?.1 as? String ?? "?", o.fields.map(\.0))
                }
            }
            let real = try entries(try Fixtures.bytes("contract/API.getReportMetadata.site3"))
            let client = try h.client()
            let fakeBytes = try await client.call("API.getReportMetadata", [("idSite", "1")])
            await client.shutdown()
            let fake = try entries(fakeBytes)
            func kind(_ id: String) -> String { id.hasPrefix("Goals_get_idGoal--") && !id.contains("ecommerce") ? "Goals_get_idGoal--N" : id }
            var matched = 0
            for entry in fake {
                guard let twin = real.first(where: { kind($0.id) == kind(entry.id) }) else {
                    Issue.record("the fake's \(entry.id) is not a report of the real sample")
                    continue
                }
                matched += 1
                #expect(entry.keys == twin.keys, "\(entry.id): fake \(entry.keys), real \(twin.keys)")
            }
            #expect(matched >= 12)
        }
    }

    @Test(arguments: errorSamples)
    func errorsAreMatomosOwn(_ name: String) async throws {
        try await withHarness(.sqlite) { h in
            let (query, real) = try Self.load(name)
            let message = (real as! [String: Any])["message"] as! String
            await #expect {
                _ = try await Self.replay(query, on: h)
            } throws: { error in
                guard case .api(_, _, let got)? = error as? MatomoError else { return false }
                return got == message
            }
        }
    }
}

/// JSON shapes: kinds, keyed-by-date objects, row keys and value types.
enum Shape {
    static func kind(_ v: Any) -> String {
        switch v {
        case is NSNull: return "null"
        // Matomo sends the same metric as 15 or "15" (SQL sums stay strings): one kind.
        case is NSNumber: return "number"
        case let s as String: return Double(s) != nil && !s.isEmpty ? "number" : "string"
        case is [Any]: return "array"
        case is [String: Any]: return "object"
        default: return "?"
        }
    }

    static func isDate(_ s: String) -> Bool { s.count == 10 && LocalDay(s) != nil }

    static func compare(real: Any, fake: Any, at path: String, into problems: inout [String]) {
        let (rk, fk) = (kind(real), kind(fake))
        // An empty day is `[]` in both; a list of rows may be empty in one of them.
        if rk != fk {
            if (rk == "array" && (real as! [Any]).isEmpty) || (fk == "array" && (fake as! [Any]).isEmpty) { return }
            problems.append("\(path): real is \(rk), fake is \(fk)")
            return
        }
        switch rk {
        case "object":
            let r = real as! [String: Any], f = fake as! [String: Any]
            let rDates = !r.isEmpty && r.keys.allSatisfy(isDate), fDates = !f.isEmpty && f.keys.allSatisfy(isDate)
            if rDates || fDates {
                guard rDates == fDates else { problems.append("\(path): keyed by date in \(rDates ? "real" : "fake") only"); return }
                let rSample = r.values.first { !isEmptyArray($0) } ?? r.values.first!
                for (day, value) in f.sorted(by: { $0.key < $1.key }) where !isEmptyArray(value) {
                    compare(real: rSample, fake: value, at: "\(path).\(day)", into: &problems)
                }
                return
            }
            compareRows([r], [f], at: path, into: &problems)
        case "array":
            let r = (real as! [Any]).compactMap { $0 as? [String: Any] }, f = (fake as! [Any]).compactMap { $0 as? [String: Any] }
            guard !r.isEmpty, !f.isEmpty else { return }
            compareRows(r, f, at: path + "[]", into: &problems)
        default:
            break
        }
    }

    static func isEmptyArray(_ v: Any) -> Bool { (v as? [Any])?.isEmpty == true }

    /// The fake's keys must be keys real Matomo sends, with a type real Matomo sends for them (15 and
    /// "15" are both real); the keys every real row has must be in every fake row.
    static func compareRows(_ real: [[String: Any]], _ fake: [[String: Any]], at path: String, into problems: inout [String]) {
        var realTypes: [String: Set<String>] = [:]
        for row in real { for (k, v) in row { realTypes[k, default: []].insert(kind(v)) } }
        let always = real.dropFirst().reduce(Set(real[0].keys)) { $0.intersection($1.keys) }
        for (i, row) in fake.enumerated() {
            for (k, v) in row {
                // A row's goal columns come with its conversions (data, not layout): the sample's day may have none.
                if realTypes[k] == nil, ["goals", "nb_conversions", "revenue"].contains(k) { continue }
                guard let types = realTypes[k] else { problems.append("\(path): key '\(k)' is not in real answers"); continue }
                let t = kind(v)
                if !types.contains(t) && !(t == "null" || types.contains("null")) {
                    problems.append("\(path).\(k): fake sends \(t), real sends \(types.sorted())")
                }
                if t == "object" || t == "array", let rv = real.first(where: { $0[k] != nil })?[k] {
                    // Objects keyed by metric or dimension names (data, which differs per report) are not layout.
                    let keyedByData: Set<String> = ["goals", "metrics", "metricsDocumentation", "processedMetrics", "metricTypes", "parameters",
                                                    "metricsGoal", "processedMetricsGoal", "metricTypesGoal", "dimensions"]
                    if kind(rv) == t && t == "object" && !keyedByData.contains(k) {
                        compare(real: rv, fake: v, at: "\(path).\(k)", into: &problems)
                    }
                }
            }
            for k in always.subtracting(row.keys) where i == 0 {
                problems.append("\(path): every real row has '\(k)', the fake's first row does not")
            }
        }
    }
}


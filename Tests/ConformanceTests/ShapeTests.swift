import Foundation
import MatomoFake
import Testing

/// The differential check: the same requests go to the real Matomo (scripts/conformance.sh, or
/// MATOMO_CONFORMANCE_URL by hand) and to the fake, and the two answers must have one shape: keys and
/// their order, value kinds (a number and a numeric string count as one), nesting, date- and
/// site-keyed layouts, error bodies and HTTP statuses. Without MATOMO_CONFORMANCE_URL: nothing runs.
@Suite(.serialized) struct ShapeTests {

    /// Replays every distinct request shape matomo-sync sends (recorded from a real sync against the
    /// fake: `check`, backfill and incremental runs, both visit strategies, all sites) on both servers.
    @Test func everyRequestTheProjectSendsHasTheRealShape() async throws {
        guard let real = RealMatomo.fromEnvironment() else { try ConformanceEnv.notRun() }
        try await ShapeWorld.with(real) { world in
            let recorded = try await world.recordProjectRequests()
            var seen: [String: RecordedRequest] = [:]
            var order: [String] = []
            for r in recorded {
                let key = requestShapeKey(query: r.query, body: r.body)
                if seen[key] == nil { seen[key] = r; order.append(key) }
            }
            #expect(order.count >= 10, "\(order)")
            var differences: [String] = []
            for key in order {
                let r = seen[key]!
                let query = r.query.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
                let body = r.body.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
                let (a, b) = try await world.both(query, body: body)
                differences += compare(key, real: a, fake: b)
            }
            print("shape check: \(order.count) request shapes sent by matomo-sync, compared:\n  " + order.joined(separator: "\n  "))
            #expect(differences.isEmpty, "\(differences.count) differences:\n\(differences.joined(separator: "\n"))")
        }
    }

    /// Layouts the project relies on, asked directly: one and two `showColumns`, single and several
    /// dates, `period=range`, an empty site, several sites, the Live API's paging parameters.
    @Test func dateLayoutsAndShowColumns() async throws {
        guard let real = RealMatomo.fromEnvironment() else { try ConformanceEnv.notRun() }
        try await ShapeWorld.with(real) { world in
            let (west, empty) = (String(real.west), String(real.empty))
            let cases: [(String, [(String, String)])] = [
                ("VisitsSummary.get", [("idSite", west), ("period", "day"), ("date", "last10"), ("showColumns", "nb_visits"), ("format_metrics", "0")]),
                ("VisitsSummary.get", [("idSite", west), ("period", "day"), ("date", "yesterday"), ("showColumns", "nb_visits"), ("format_metrics", "0")]),
                ("VisitsSummary.get", [("idSite", west), ("period", "range"), ("date", "last10"), ("showColumns", "nb_visits")]),
                ("VisitsSummary.get", [("idSite", west), ("period", "day"), ("date", "last3"), ("showColumns", "nb_visits,nb_actions")]),
                ("VisitsSummary.get", [("idSite", west), ("period", "day"), ("date", "yesterday"), ("showColumns", "nb_visits,nb_actions")]),
                ("VisitsSummary.get", [("idSite", west), ("period", "range"), ("date", "last10"), ("showColumns", "nb_visits,nb_actions")]),
                ("VisitsSummary.get", [("idSite", empty), ("period", "day"), ("date", "last3"), ("showColumns", "nb_visits")]),
                ("VisitsSummary.get", [("idSite", empty), ("period", "day"), ("date", "yesterday"), ("showColumns", "nb_visits")]),
                ("VisitsSummary.get", [("idSite", "\(west),\(empty)"), ("period", "day"), ("date", "yesterday"), ("showColumns", "nb_visits")]),
                ("VisitsSummary.get", [("idSite", west), ("period", "day"), ("date", "last3"), ("format_metrics", "0")]),
                ("VisitsSummary.get", [("idSite", west), ("period", "day"), ("date", "yesterday"), ("format_metrics", "0")]),
                ("VisitsSummary.get", [("idSite", empty), ("period", "day"), ("date", "yesterday"), ("format_metrics", "0")]),
                ("VisitsSummary.get", [("idSite", west), ("period", "range"), ("date", "last10"), ("format_metrics", "0")]),
                ("Actions.get", [("idSite", west), ("period", "day"), ("date", "last3"), ("format_metrics", "0")]),
                ("Actions.get", [("idSite", west), ("period", "day"), ("date", "yesterday"), ("showColumns", "nb_pageviews")]),
                ("UserCountry.getCountry", [("idSite", west), ("period", "day"), ("date", "last3"), ("format_metrics", "0"), ("filter_limit", "-1")]),
                ("UserCountry.getCountry", [("idSite", west), ("period", "range"), ("date", "last10"), ("format_metrics", "0"), ("filter_limit", "3")]),
                ("UserCountry.getCountry", [("idSite", empty), ("period", "day"), ("date", "yesterday"), ("format_metrics", "0")]),
                ("Referrers.getAll", [("idSite", west), ("period", "day"), ("date", "yesterday"), ("format_metrics", "0"), ("filter_limit", "-1")]),
                ("Live.getLastVisitsDetails", [("idSite", west), ("period", "range"), ("date", "last10"), ("filter_sort_order", "asc"), ("filter_limit", "5"), ("filter_offset", "5")]),
                ("Live.getLastVisitsDetails", [("idSite", west), ("period", "day"), ("date", "yesterday"), ("filter_sort_order", "desc"), ("filter_limit", "3")]),
                ("Live.getLastVisitsDetails", [("idSite", west), ("period", "day"), ("date", "yesterday"), ("filter_limit", "2"),
                                               ("minTimestamp", String(Int(Date().timeIntervalSince1970) - 2 * 86400))]),
                ("Live.getLastVisitsDetails", [("idSite", empty), ("period", "day"), ("date", "yesterday"), ("filter_limit", "5")]),
                // The page report's folder view (no `flat`), as a declared report may ask for it.
                ("Actions.getPageUrls", [("idSite", west), ("period", "day"), ("date", "last3"), ("format_metrics", "0")]),
                ("Actions.getPageUrls", [("idSite", west), ("period", "day"), ("date", "yesterday"), ("flat", "0")]),
                // `verify` reads a day's log: ids only (doNotFetchActions), from a second, by offset within one.
                ("Live.getLastVisitsDetails", [("idSite", west), ("period", "day"), ("date", Self.pastDay(3)), ("filter_sort_order", "asc"),
                                               ("filter_limit", "5"), ("minTimestamp", String(Int(Date().timeIntervalSince1970) - 5 * 86400)), ("doNotFetchActions", "1")]),
                ("Live.getLastVisitsDetails", [("idSite", west), ("period", "day"), ("date", Self.pastDay(3)), ("filter_sort_order", "asc"),
                                               ("filter_limit", "5"), ("minTimestamp", String(Int(Date().timeIntervalSince1970) - 5 * 86400)),
                                               ("filter_offset", "5"), ("doNotFetchActions", "1")]),
            ]
            var differences: [String] = []
            for (method, params) in cases {
                let query = [("module", "API"), ("method", method), ("format", "JSON")] + params
                let (a, b) = try await world.both(query, body: [("token_auth", real.token)])
                differences += compare("\(method) \(params.map { "\($0.0)=\($0.1)" }.joined(separator: "&"))", real: a, fake: b)
            }
            let bulk = [("urls[0]", "method=VisitsSummary.get&idSite=\(west)&period=day&date=yesterday&showColumns=nb_visits"),
                        ("urls[1]", "method=VisitsSummary.get&idSite=\(west)&period=day&date=last2&showColumns=nb_visits"),
                        ("urls[2]", "method=Referrers.getAll&idSite=\(west)&period=day&date=yesterday&format_metrics=0&filter_limit=-1"),
                        ("urls[3]", "method=Referrers.getAll&idSite=\(west)&period=day&date=last2"),
                        ("urls[4]", "method=VisitsSummary.get&idSite=99999&period=day&date=yesterday")]
            let (a, b) = try await world.both([("module", "API"), ("method", "API.getBulkRequest"), ("format", "JSON")],
                                              body: bulk + [("token_auth", real.token)])
            differences += compare("API.getBulkRequest with inline errors", real: a, fake: b)
            #expect(differences.isEmpty, "\(differences.count) differences:\n\(differences.joined(separator: "\n"))")
        }
    }

    /// Error answers: the same status and the same body, byte for byte.
    @Test func errorsHaveTheRealBodyAndStatus() async throws {
        guard let real = RealMatomo.fromEnvironment() else { try ConformanceEnv.notRun() }
        try await ShapeWorld.with(real) { world in
            defer { real.clearBruteForceLog() }
            let west = String(real.west)
            let cases: [(String, [(String, String)], String?)] = [
                ("bad site", [("method", "VisitsSummary.get"), ("idSite", "99999"), ("period", "day"), ("date", "yesterday")], real.token),
                ("bad site, site info", [("method", "SitesManager.getSiteFromId"), ("idSite", "99999")], real.token),
                ("bad site, Live", [("method", "Live.getLastVisitsDetails"), ("idSite", "99999"), ("period", "day"), ("date", "today"), ("filter_limit", "1")], real.token),
                ("unknown method", [("method", "VisitsSummary.doesNotExist"), ("idSite", west), ("period", "day"), ("date", "yesterday")], real.token),
                ("unknown module", [("method", "NoSuchModule.get"), ("idSite", west), ("period", "day"), ("date", "yesterday")], real.token),
                ("no dot", [("method", "nodot"), ("idSite", west)], real.token),
                ("Referrers.getAll with several dates", [("method", "Referrers.getAll"), ("idSite", west), ("period", "day"), ("date", "last3")], real.token),
                ("bad period", [("method", "VisitsSummary.get"), ("idSite", west), ("period", "fortnight"), ("date", "yesterday")], real.token),
                ("range without a range", [("method", "VisitsSummary.get"), ("idSite", west), ("period", "range"), ("date", "yesterday")], real.token),
                ("no token", [("method", "VisitsSummary.get"), ("idSite", west), ("period", "day"), ("date", "yesterday")], nil),
                ("no token, version", [("method", "API.getMatomoVersion")], nil),
                // One wrong token (Matomo's lockout comes after 20 an hour; the log is cleared after).
                ("bad token", [("method", "API.getMatomoVersion")], String(repeating: "0", count: 32)),
            ]
            var differences: [String] = []
            for (name, params, token) in cases {
                let query = [("module", "API"), ("format", "JSON")] + params
                let (a, b) = try await world.both(query, body: token.map { [("token_auth", $0)] } ?? [])
                if a.status != b.status { differences.append("\(name): HTTP \(a.status) real, \(b.status) fake") }
                if a.text != b.text { differences.append("\(name): body\n    real: \(a.text.prefix(300))\n    fake: \(b.text.prefix(300))") }
            }
            #expect(differences.isEmpty, "\(differences.count) differences:\n\(differences.joined(separator: "\n"))")
        }
    }

    /// The UTC date `days` days ago, `YYYY-MM-DD`: a past day for every site's timezone.
    static func pastDay(_ days: Int) -> String {
        let f = DateFormatter()
        f.dateFormat = "yyyy-MM-dd"
        f.timeZone = TimeZone(identifier: "UTC")
        f.locale = Locale(identifier: "en_US_POSIX")
        return f.string(from: Date().addingTimeInterval(TimeInterval(-days * 86400)))
    }

    private func compare(_ name: String, real: RawAnswer, fake: RawAnswer) -> [String] {
        var out: [String] = []
        if real.status != fake.status { out.append("\(name): HTTP \(real.status) real, \(fake.status) fake") }
        let realError = real.text.hasPrefix(#"{"result":"error""#), fakeError = fake.text.hasPrefix(#"{"result":"error""#)
        if realError || fakeError {
            if real.text != fake.text { out.append("\(name): error body\n    real: \(real.text.prefix(300))\n    fake: \(fake.text.prefix(300))") }
            return out
        }
        do {
            let differences = shapeDifferences(real: try real.shape(), fake: try fake.shape(), optionalKeys: AnswerShape.dataDependentKeys)
            out += differences.map { "\(name): \($0)" }
        } catch {
            out.append("\(name): unreadable JSON (\(error)): real \(real.text.prefix(120)), fake \(fake.text.prefix(120))")
        }
        return out
    }
}

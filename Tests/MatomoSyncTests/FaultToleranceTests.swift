import Foundation
import MatomoAPI
import MatomoFake
import Testing
@testable import MatomoSync

/// Syncs through a fake Matomo that injects faults, compared row for row with a clean sync.
@Suite(.serialized) struct FaultToleranceTests {
    static let comparisons = [
        "SELECT id_visit, server_timestamp, visitor_id, action_details FROM visits ORDER BY id_visit",
        "SELECT _date, nb_visits, nb_actions, bounce_rate FROM visits_summary ORDER BY _date",
        "SELECT _date, nb_pageviews, nb_downloads FROM actions_summary ORDER BY _date",
        "SELECT _date, referer_type, label, nb_visits FROM referrers ORDER BY 1, 2, 3",
        "SELECT _date, code, label, nb_visits, nb_actions FROM countries ORDER BY 1, 2",
    ]

    /// Fast retries, a short timeout for the hang fault.
    static func patientClient(_ c: inout ClientConfiguration) {
        c.maxAttempts = 12
        c.retryBaseDelay = .milliseconds(1)
        c.maxRetryDelay = .milliseconds(20)
        c.requestTimeout = .seconds(1)
    }

    @Test(arguments: FakeFault.allCases)
    func ridesThroughEachFault(fault: FakeFault) async throws {
        let rate = fault == .timeout ? 0.15 : 0.35
        try await withHarness(configure: { $0.faults = FaultPlan(rates: [fault: rate], seed: 42, hang: .seconds(2)) }) { faulty in try await withHarness { clean in
            for h in [faulty, clean] { h.fake.generateTraffic(siteId: 1, days: 20, visitsPerDay: 20...40, seed: 8) }

            let (report, _) = try await faulty.sync(faulty.options(backfillDays: 20, pageSize: 100), client: Self.patientClient)
            try await clean.sync(clean.options(backfillDays: 20, pageSize: 100))
            #expect(report.succeeded, "\(report.tables.compactMap(\.error))")
            let injected = faulty.fake.faultsInjected()[fault] ?? 0
            #expect(injected > 0, "no \(fault) was injected")
            for sql in Self.comparisons {
                let a = try await faulty.query(sql)
                let b = try await clean.query(sql)
                #expect(!b.isEmpty)
                #expect(a == b, "\(fault): \(sql)")
            }
        } }
    }

    @Test func ridesThroughAllFaultsAtOnce() async throws {
        var rates: [FakeFault: Double] = [:]
        for f in FakeFault.allCases { rates[f] = f == .timeout ? 0.02 : 0.06 }
        try await withHarness(configure: { $0.faults = FaultPlan(rates: rates, seed: 1234, hang: .seconds(2)) }) { faulty in try await withHarness { clean in
            for h in [faulty, clean] { h.fake.generateTraffic(siteId: 1, days: 40, visitsPerDay: 30...60, seed: 99) }
            let (report, _) = try await faulty.sync(faulty.options(backfillDays: 40, pageSize: 50), client: Self.patientClient)
            try await clean.sync(clean.options(backfillDays: 40, pageSize: 50))
            #expect(report.succeeded, "\(report.tables.compactMap(\.error))")
            let injected = faulty.fake.faultsInjected()
            #expect(injected.values.reduce(0, +) >= 10)
            var rows = 0
            for sql in Self.comparisons {
                let a = try await faulty.query(sql)
                let b = try await clean.query(sql)
                rows += b.count
                #expect(a == b, "\(sql)")
            }
            print("fault run: injected \(injected.map { "\($0.key.rawValue)=\($0.value)" }.sorted().joined(separator: " ")); \(rows) rows compared, all equal")
        } }
    }

    @Test func givesUpCleanlyWhenTheFaultPersists() async throws {
        for (fault, expected) in [(FakeFault.htmlPage, "HTML"), (.tooManyRequests, "429"), (.serverError, "server failed"),
                                  (.truncatedJSON, "broken JSON")] {
            try await withHarness(configure: { $0.faults = FaultPlan(rates: [fault: 1.0], seed: 1, methods: ["VisitsSummary.get"]) }) { h in
                h.fake.generateTraffic(siteId: 1, days: 3, visitsPerDay: 5...10, seed: 1)
                let (report, _) = try await h.sync(h.options([.visitsSummary, .countries], backfillDays: 3), client: {
                    $0.maxAttempts = 3
                    $0.retryBaseDelay = .milliseconds(1)
                })
                let failed = report.tables.first { $0.table == .visitsSummary }
                #expect(failed?.error?.contains(expected) == true, "\(fault): \(failed?.error ?? "no error")")
                #expect(report.tables.first { $0.table == .countries }?.succeeded == true)
                #expect(h.fake.requests().filter { $0.apiMethod == "VisitsSummary.get" }.count == 3)
            }
        }
    }
}

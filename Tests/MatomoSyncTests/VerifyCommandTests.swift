import Foundation
import MatomoFake
import Testing
@testable import MatomoSync

/// `matomo-sync verify` as a user runs it: the lines, the JSON, the exit status, --repair.
@Suite(.serialized) struct VerifyCommandTests {
    static let env = ["MATOMO_TOKEN": SyncHarness.token]

    func args(_ h: SyncHarness, _ extra: [String]) -> [String] {
        ["verify", "--url", h.url.absoluteString, "--site-id", "1", "--warehouse", h.warehouseURL()] + extra
    }

    @Test func findsALateImportThenRepairsIt() async throws {
        // The fake's clock is the real one here: the binary reads the system clock.
        try await withHarness(now: Date()) { h in
            h.fake.generateTraffic(siteId: 1, days: 20, visitsPerDay: 5...9, seed: 2)
            try await h.sync(h.options([.visits, .visitActions, .visitsSummary, .countries], backfillDays: 15))
            let day = h.fake.localDate(siteId: 1, daysAgo: 9)
            let late = h.fake.importLateVisits(siteId: 1, day: day, count: 3, seed: 44)
            #expect(late.count == 3)

            let found = try await CLIProcess.run(args(h, ["--days", "30"]), environment: Self.env)
            #expect(found.status == 1, "\(found.stderr)")
            let lines = found.stdout.split(separator: "\n").map(String.init)
            let visits = try #require(lines.first { $0.hasPrefix("visits ") })
            #expect(visits.contains("differing 1") && visits.contains("rows missing 3"), "\(visits)")
            #expect(lines.contains { $0.hasPrefix("visits site 1 \(day): ") && $0.contains("3 missing") })
            #expect(lines.contains { $0.hasPrefix("countries site 1 \(day): ") })
            #expect(found.stderr.contains("verify --repair"))

            let json = try await CLIProcess.run(args(h, ["--days", "30", "--format", "json", "--tables", "visits"]), environment: Self.env)
            #expect(json.status == 1)
            let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
            #expect(object["clean"] as? Bool == false)
            let differences = try #require(object["differences"] as? [[String: Any]])
            #expect(differences.count == 1)
            #expect(differences.first?["date"] as? String == day)
            #expect(Set(differences.first?["missing"] as? [String] ?? []) == Set(late.map { String($0.idVisit) }))

            let repaired = try await CLIProcess.run(args(h, ["--days", "30", "--repair"]), environment: Self.env)
            #expect(repaired.status == 0, "\(repaired.stdout)\(repaired.stderr)")
            #expect(repaired.stdout.contains("[repaired]"))
            let clean = try await CLIProcess.run(args(h, ["--since", LocalDay(day)!.adding(days: -3).description]), environment: Self.env)
            #expect(clean.status == 0, "\(clean.stdout)\(clean.stderr)")
            #expect(clean.stderr.contains("all checked days agree"))
            #expect(try await h.int("SELECT COUNT(*) FROM visits WHERE id_visit IN (\(late.map { String($0.idVisit) }.joined(separator: ",")))") == 3)
        }
    }

    @Test func refusesWhatItCannotDo() async throws {
        let both = try await CLIProcess.run(["verify", "--days", "3", "--since", "2026-01-01"], environment: Self.env)
        #expect(both.status == 64)
        let goals = try await CLIProcess.run(["verify", "--url", "http://127.0.0.1:9", "--site-id", "1", "--tables", "goals"], environment: Self.env)
        #expect(goals.status == 1)
        #expect(goals.stderr.contains("goals has no days to check"))
    }
}

import Foundation
import Testing
@testable import MatomoSync

@Suite struct ConfigTests {
    static let example = """
        warehouse = "sqlite:matomo.sqlite"

        [[source]]
        url = "https://analytics.example.com"
        sites = [1, 3]
        token_env = "MATOMO_TOKEN"
        table_prefix = ""
        backfill_days = 365
        every = "6h"

        [source.tables]
        visits = { method = "incremental", every = "1h" }
        countries = { method = "full_refresh", every = "24h" }
        referrers = false
        """

    static let env = ["MATOMO_TOKEN": "t0ken-value"]

    func parse(_ text: String, env: [String: String] = ConfigTests.env) throws -> SyncConfig {
        try ConfigLoader.parse(text, path: "matomo-sync.toml", environment: env)
    }

    func failure(_ text: String, env: [String: String] = ConfigTests.env) -> String {
        do {
            _ = try parse(text, env: env)
            return "no error"
        } catch {
            return "\(error)"
        }
    }

    @Test func readsTheDocumentedExample() throws {
        let config = try parse(Self.example)
        #expect(config.warehouse == "sqlite:matomo.sqlite")
        let source = try #require(config.sources.first)
        #expect(source.sites == .ids([1, 3]))
        #expect(source.token == .env("MATOMO_TOKEN"))
        #expect(source.every == 6 * 3600)
        #expect(source.tables[.visits] == TablePlan(method: .incremental, every: 3600))
        #expect(source.tables[.countries] == TablePlan(method: .fullRefresh, every: 86400))
        #expect(source.tables[.referrers] == nil)
        #expect(source.tables[.visitsSummary] == TablePlan(method: .incremental, every: 6 * 3600))
        #expect(source.enabledTables.map(\.0) == TableName.allCases.filter { $0 != .referrers })
    }

    @Test func durations() {
        #expect(Every.parse("90s") == 90)
        #expect(Every.parse("1h30m") == 5400)
        #expect(Every.parse("1d") == 86400)
        for bad in ["", "6", "6x", "h", "-1h", "0s", "400d"] { #expect(Every.parse(bad) == nil, "\(bad)") }
        #expect(Every.format(5400) == "1h30m")
    }

    @Test func refusesMistakesNamingTheFileAndKey() {
        let cases: [(String, String)] = [
            (Self.example.replacingOccurrences(of: "every = \"6h\"", with: "every = \"6 hours\""), "source[0].every: not a duration"),
            (Self.example.replacingOccurrences(of: "backfill_days = 365", with: "backfil_days = 365"), "source[0].backfil_days: unknown key"),
            (Self.example.replacingOccurrences(of: "warehouse =", with: "warehous ="), "warehous: unknown key"),
            (Self.example.replacingOccurrences(of: "referrers = false", with: "pageviews = false"), "source[0].tables.pageviews: unknown table"),
            (Self.example.replacingOccurrences(of: "\"full_refresh\"", with: "\"replace\""), "source[0].tables.countries.method"),
            (Self.example.replacingOccurrences(of: "sites = [1, 3]", with: "sites = [0]"), "source[0].sites"),
            (Self.example.replacingOccurrences(of: "url = \"https://analytics.example.com\"", with: "url = \"ftp://x\""), "source[0].url"),
            (Self.example.replacingOccurrences(of: "token_env = \"MATOMO_TOKEN\"", with: ""), "no token"),
            (Self.example.replacingOccurrences(of: "token_env = \"MATOMO_TOKEN\"", with: "token_file = \"/nonexistent/token\""), "source[0].token_file: cannot read"),
            ("warehouse = \"sqlite:x\"", "no [[source]]"),
            ("warehouse = [", "not valid TOML"),
        ]
        for (text, expected) in cases {
            let message = failure(text)
            #expect(message.contains("matomo-sync.toml"), "\(message)")
            #expect(message.contains(expected), "expected '\(expected)' in: \(message)")
        }
        #expect(failure(Self.example, env: [:]).contains("source[0].token_env: the environment variable MATOMO_TOKEN is not set"))
    }

    /// One load reports every mistake, each with the file and its key, so one edit fixes them all.
    @Test func reportsEveryMistakeOfAFileAtOnce() {
        let text = Self.example
            .replacingOccurrences(of: "warehouse =", with: "warehous =")
            .replacingOccurrences(of: "every = \"6h\"", with: "every = \"6 hours\"\ncolour = \"red\"")
            .replacingOccurrences(of: "sites = [1, 3]", with: "sites = [0]")
            .replacingOccurrences(of: "backfill_days = 365", with: "backfill_days = -2")
            .replacingOccurrences(of: "referrers = false", with: "referrers = false\npageviews = false")
            .replacingOccurrences(of: "\"full_refresh\"", with: "\"replace\"")
            + "\n\n[[source]]\nsites = \"all\"\ntoken_env = \"NOT_SET_ANYWHERE\"\n"
        let message = failure(text, env: Self.env)
        let expected = [
            "warehous: unknown key", "source[0].colour: unknown key", "source[0].every: not a duration",
            "source[0].sites: site IDs are positive integers", "source[0].backfill_days", "source[0].tables.pageviews: unknown table",
            "source[0].tables.countries.method", "source[1].url: missing",
            "source[1].token_env: the environment variable NOT_SET_ANYWHERE is not set",
        ]
        #expect(message.hasPrefix("\(expected.count) mistakes in matomo-sync.toml:\n"), "\(message)")
        let lines = message.split(separator: "\n").dropFirst()
        #expect(lines.count == expected.count, "\(message)")
        for key in expected {
            #expect(lines.filter { $0.contains("matomo-sync.toml: \(key)") }.count == 1, "expected one line with '\(key)' in: \(message)")
        }
    }

    @Test func refusesSourcesThatWouldWriteTheSameRows() {
        let second = """

            [[source]]
            url = "https://other.example.com"
            sites = [3]
            token_env = "MATOMO_TOKEN"
            """
        #expect(failure(Self.example + second).contains("source[1]: writes the same tables as source[0]"))
        // A different prefix, or other sites, is fine.
        #expect(failure(Self.example + second.replacingOccurrences(of: "sites = [3]", with: "sites = [3]\ntable_prefix = \"other_\"")) == "no error")
        #expect(failure(Self.example + second.replacingOccurrences(of: "sites = [3]", with: "sites = [4]")) == "no error")
        #expect(failure(Self.example + second.replacingOccurrences(of: "sites = [3]", with: "sites = \"all\"")).contains("writes the same tables"))
    }
}

@Suite struct ScheduleTests {
    let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    @Test func dueNotDueAfterRestartAndAfterFailure() {
        #expect(Schedule.isDue(nil, every: 3600, now: t0))
        // Ran now: due again in an hour, not before, whatever process asks (the state is in the warehouse).
        var state = TableState(lastSuccessAt: Timestamps.iso(t0), nextRunAt: Timestamps.iso(Schedule.nextRun(after: t0, every: 3600, failures: 0)))
        #expect(!Schedule.isDue(state, every: 3600, now: t0.addingTimeInterval(3599)))
        #expect(Schedule.isDue(state, every: 3600, now: t0.addingTimeInterval(3600)))
        #expect(Schedule.earliest([(state, 3600)], now: t0) == t0.addingTimeInterval(3600))
        // Failures back off: 1 min, 2 min, 4 min ... never beyond the table's frequency.
        #expect(Schedule.nextRun(after: t0, every: 3600, failures: 1) == t0.addingTimeInterval(60))
        #expect(Schedule.nextRun(after: t0, every: 3600, failures: 3) == t0.addingTimeInterval(240))
        #expect(Schedule.nextRun(after: t0, every: 3600, failures: 30) == t0.addingTimeInterval(3600))
        // Synced by hand (no next run recorded): due once `every` has passed since the last run.
        state = TableState(lastSuccessAt: Timestamps.iso(t0))
        #expect(!Schedule.isDue(state, every: 600, now: t0.addingTimeInterval(599)))
        #expect(Schedule.isDue(state, every: 600, now: t0.addingTimeInterval(600)))
        #expect(Schedule.earliest([(state, 600), (nil, 60)], now: t0) == nil)
    }
}

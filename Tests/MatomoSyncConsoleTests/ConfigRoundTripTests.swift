import Foundation
import MatomoSync
@testable import MatomoSyncConsole
import Testing

/// The console's sources are the config file's: linked in the browser, read back, edited by hand.
@Suite(.serialized) struct ConfigRoundTripTests {
    @Test func aSourceLinkedInTheConsoleIsInTheFileWithItsTokenInAPrivateFile() async throws {
        try await ConsoleHarness.with { h in
            try await h.backend.importSource(url: h.fakeURL.absoluteString, siteIds: [1], token: "fake-token", tables: [
                .visitsSummary: TablePlan(method: .incremental, every: 3600),
                .countries: TablePlan(method: .fullRefresh, every: 7 * 86400),
            ])
            let text = try String(contentsOfFile: h.configPath, encoding: .utf8)
            #expect(!text.contains("fake-token"))
            let loaded = try ConfigLoader.load(path: h.configPath)
            let source = try #require(loaded.sources.first)
            #expect(loaded.warehouse == h.backend.warehouseURL)
            #expect(source.url == h.fakeURL.absoluteString)
            #expect(source.sites == .ids([1]))
            #expect(source.tokenValue == "fake-token")
            guard case .file(let tokenFile) = source.token else { Issue.record("no token_file"); return }
            let mode = try FileManager.default.attributesOfItem(atPath: tokenFile)[.posixPermissions] as? Int
            #expect(mode == 0o600)
            #expect(source.tables[.visitsSummary] == TablePlan(method: .incremental, every: 3600))
            #expect(source.tables[.countries] == TablePlan(method: .fullRefresh, every: 7 * 86400))
            #expect(source.tables[.visits] == nil && source.tables[.pages] == nil)
            // The first sync started at once.
            let rows = try await h.waitUntilSettled()
            #expect(Set(rows.map(\.table)) == ["visits_summary", "countries"])
            #expect(rows.allSatisfy { $0.rowCount > 0 })
        }
    }

    @Test func aSourceAddedByHandShowsAfterAReloadAndSurvivesAConsoleEdit() async throws {
        try await ConsoleHarness.with { h in
            try await h.backend.importSource(url: h.fakeURL.absoluteString, siteIds: [1], token: "fake-token",
                                             tables: [.visitsSummary: TablePlan(method: .incremental, every: 6 * 3600)])
            // By hand: a second source with a prefix, a declared report, a token from the environment.
            let tokenFile = h.folder.appendingPathComponent("hand.token").path
            try "fake-token\n".write(toFile: tokenFile, atomically: true, encoding: .utf8)
            var text = try String(contentsOfFile: h.configPath, encoding: .utf8)
            text += """

                # added by hand
                [[source]]
                url = "\(h.fakeURL.absoluteString)"
                sites = [1]
                token_file = "\(tokenFile)"
                table_prefix = "hand_"
                backfill_days = 30
                every = "12h"
                verify = { every = "2d", days = 14, repair = true }

                [[source.report]]
                name = "devices"
                method = "DevicesDetection.getType"

                [source.tables]
                visits = false
                visit_actions = false
                pages = { method = "full_refresh", every = "1d", truncate = true }

                """
            try text.write(toFile: h.configPath, atomically: true, encoding: .utf8)
            #expect(await h.backend.sources.count == 1)
            #expect(await h.backend.reload() == nil)
            let sources = await h.backend.sources
            #expect(sources.count == 2)
            #expect(sources[1].tablePrefix == "hand_" && sources[1].backfillDays == 30 && sources[1].every == 12 * 3600)
            // Edited in the console: pause one table and change another's plan.
            try await h.backend.setPlan(source: 1, table: .countries, method: nil, every: nil, paused: true)
            try await h.backend.setPlan(source: 0, table: .visitsSummary, method: .fullRefresh, every: 86400, paused: nil)
            let back = try ConfigLoader.load(path: h.configPath)
            #expect(back.sources.count == 2)
            let hand = back.sources[1]
            #expect(hand.tablePrefix == "hand_" && hand.backfillDays == 30 && hand.every == 12 * 3600)
            #expect(hand.reports.map(\.name) == [TableName("devices")] && hand.reports[0].method == "DevicesDetection.getType")
            #expect(hand.tables[.pages] == TablePlan(method: .fullRefresh, every: 86400, truncate: true))
            #expect(hand.verify == VerifyPlan(every: 2 * 86400, days: 14, repair: true), "a console edit keeps the scheduled verify")
            #expect(hand.tables[.visits] == nil)
            #expect(hand.tables[.countries]?.paused == true)
            #expect(!hand.enabledTables.contains { $0.0 == .countries }, "a paused table is not scheduled")
            #expect(back.sources[0].tables[.visitsSummary] == TablePlan(method: .fullRefresh, every: 86400))
            // A broken hand edit is refused on reload and the last good sources stay.
            try "[[source]]\nurl = 1\n".write(toFile: h.configPath, atomically: true, encoding: .utf8)
            let error = await h.backend.reload()
            #expect(error?.contains("url") == true)
            #expect(await h.backend.sources.count == 2)
        }
    }

    @Test func renderingAndLoadingAgreeOnEveryKey() throws {
        let source = SourceConfig(url: "https://analytics.example.com/matomo/", sites: .all, token: .env("MY_TOKEN"), tokenValue: "t0123456789",
                                  tablePrefix: "shop_", backfillDays: 90, every: 5400,
                                  tables: [.visits: TablePlan(method: .incremental, every: 3600),
                                           .visitActions: TablePlan(method: .incremental, every: 3600, paused: true),
                                           .referrers: TablePlan(method: .fullRefresh, every: 86400, truncate: true)],
                                  reports: [ReportDeclaration(name: TableName("devices"), method: "DevicesDetection.getType",
                                                              params: [("flat", "1"), ("segment", "deviceType==\"smart phone\"")], key: ["label"], origin: "x")])
        let text = ConfigFileWriter.render(warehouse: "postgres://u@h/db?schema=a\"b", sources: [source])
        let back = try ConfigLoader.parse(text, path: "t.toml", environment: ["MY_TOKEN": "t0123456789"])
        #expect(back.warehouse == "postgres://u@h/db?schema=a\"b")
        let s = try #require(back.sources.first)
        #expect(s.url == source.url && s.sites == .all && s.token == .env("MY_TOKEN") && s.tablePrefix == "shop_")
        #expect(s.backfillDays == 90 && s.every == 5400)
        #expect(s.tables == source.tables)
        #expect(s.reports.count == 1 && s.reports[0].params.map { $0.0 + "=" + $0.1 } == ["flat=1", "segment=deviceType==\"smart phone\""])
        #expect(s.reports[0].key == ["label"])
        #expect(s.verify == nil)
        var verifying = source
        verifying.verify = VerifyPlan(every: 3 * 3600, days: 400, repair: false)
        let again = try ConfigLoader.parse(ConfigFileWriter.render(warehouse: "sqlite:w.sqlite", sources: [verifying]), path: "t.toml",
                                           environment: ["MY_TOKEN": "t0123456789"])
        #expect(again.sources.first?.verify == VerifyPlan(every: 3 * 3600, days: 400, repair: false))
    }
}

import Foundation
import MatomoAPI
import MatomoFake
import Testing
@testable import MatomoSync

/// Reports a user declares as tables: checked against Matomo before any data request, then synced
/// with the rules of the built-in report tables.
@Suite(.serialized) struct DeclaredReportTests {
    func options(_ h: SyncHarness, _ reports: [ReportDeclaration], also: [TableName] = [], backfillDays: Int = 20) throws -> SyncOptions {
        var o = h.options(also + reports.map(\.name), backfillDays: backfillDays)
        o.catalog = try TableCatalog.builtIn.adding(reports.map(\.spec))
        o.reportDeclarations = Dictionary(uniqueKeysWithValues: reports.map { ($0.name, $0) })
        return o
    }

    @Test(arguments: WarehouseKind.allCases)
    func declaredReportsSyncEndToEnd(_ kind: WarehouseKind) async throws {
        try await withHarness(kind) { h in
            h.fake.generateTraffic(siteId: 1, days: 30, visitsPerDay: 10...20, seed: 21)
            let newsletter = ReportDeclaration(name: TableName("newsletter_goal"), method: "Goals.get", params: [("idGoal", "1")],
                                               key: [], origin: "sync.toml: source[0].report[0]")
            let channels = ReportDeclaration(name: TableName("channels"), method: "Referrers.getAll",
                                             key: ["referer_type", "label"], origin: "sync.toml: source[0].report[1]")
            let videos = ReportDeclaration(name: TableName("event_actions_by_name"), method: "Events.getAction",
                                           params: [("segment", "eventCategory==Video")], origin: "sync.toml: source[0].report[2]")
            let (report, _) = try await h.sync(try options(h, [newsletter, channels, videos]))
            #expect(report.succeeded, "\(report.tables.compactMap(\.error))")
            #expect(try await h.int("SELECT COUNT(*) FROM newsletter_goal") == 21)
            #expect(try await h.int("SELECT SUM(nb_conversions) FROM newsletter_goal") > 0)
            #expect(try await h.int("SELECT COUNT(*) FROM channels") > 21)
            #expect(try await h.int("SELECT COUNT(*) FROM event_actions_by_name") > 0)
            // The segment parameter went to Matomo with every request of that table.
            let videoRequests = h.fake.requests().flatMap { r in [r.query.merging(r.body) { a, _ in a }] }
                .filter { $0["method"] == "Events.getAction" }
            #expect(!videoRequests.isEmpty && videoRequests.allSatisfy { $0["segment"] == "eventCategory==Video" })
            // Referrers.getAll refused several dates: learned, and remembered with the cursor.
            let states = try await h.status()
            let cursor = try #require(states.first { $0.table == "channels" }?.state.cursor)
            #expect(cursor.hasSuffix(ReportCursor.singleDateMark))
            #expect(ReportCursor(cursor).day != nil)
            h.fake.resetRequests()
            h.clock.advance(3600)
            let (again, _) = try await h.sync(try options(h, [channels]))
            #expect(again.succeeded, "\(again.tables.compactMap(\.error))")
            // No multi-date attempt any more: the remembered answer is used.
            let asked = h.fake.requests().filter { $0.apiMethod == "Referrers.getAll" }
            #expect(asked.allSatisfy { !($0.query["date"] ?? $0.body["date"] ?? "").contains(",") })
        }
    }

    @Test func badDeclarationsAreRefusedBeforeAnyDataRequest() async throws {
        try await withHarness(.sqlite) { h in
            h.fake.generateTraffic(siteId: 1, days: 10, visitsPerDay: 10...20, seed: 2)
            func refusal(_ r: ReportDeclaration) async throws -> String {
                h.fake.resetRequests()
                do {
                    try await h.sync(try options(h, [r], also: [.visitsSummary, .visits]))
                    return "accepted"
                } catch {
                    // Nothing but the site and the report's own check was asked.
                    let methods = Set(h.fake.requests().map(\.apiMethod))
                    #expect(methods.isSubset(of: ["SitesManager.getSiteFromId", r.method]), "\(methods)")
                    return "\(error)"
                }
            }
            let missing = try await refusal(ReportDeclaration(name: TableName("devices"), method: "DevicesDetection.getType",
                                                              origin: "sync.toml: source[0].report[0]"))
            #expect(missing.contains("sync.toml: source[0].report[0].method") && missing.contains("getType"), "\(missing)")
            let plugin = try await refusal(ReportDeclaration(name: TableName("ab"), method: "AbTesting.getMetrics",
                                                             origin: "sync.toml: source[0].report[1]"))
            #expect(plugin.contains("source[0].report[1].method") && plugin.contains("not enabled"), "\(plugin)")
            let key = try await refusal(ReportDeclaration(name: TableName("cats"), method: "Events.getCategory", key: ["sku"],
                                                          origin: "sync.toml: source[0].report[2]"))
            #expect(key.contains("source[0].report[2].key") && key.contains("sku"), "\(key)")
            #expect(try await h.tableNames().filter { !$0.hasPrefix("_") && $0 != "grdb_migrations" }.isEmpty)
        }
    }

    @Test func reportMetadataNeverShowsTheToken() async throws {
        try await withHarness(.sqlite) { h in
            let client = try h.client()
            let reports = try await client.reportMetadata(siteId: 1)
            await client.shutdown()
            #expect(reports.contains { $0.method == "Actions.getPageUrls" && $0.dimension == "Page URL" && $0.metrics.contains("nb_hits") })
            #expect(reports.contains { $0.method == "Goals.get" && $0.parameters["idGoal"] == "1" })
            #expect(!"\(reports)".contains(SyncHarness.token))
            // The real answer: parsed, and nothing of its image URLs kept.
            let root = URL(fileURLWithPath: "/work/shared/matomo-samples/API.getReportMetadata.site3.json")
            if let body = try? Data(contentsOf: root) {
                let real = try ReportInfo.parse(Array(body))
                #expect(real.count == 82)
                #expect(real.contains { $0.method == "DevicesDetection.getType" && $0.dimension == "Device type" })
                #expect(!"\(real)".contains("token_auth") && !"\(real)".contains("ImageGraph"))
            }
        }
    }
}

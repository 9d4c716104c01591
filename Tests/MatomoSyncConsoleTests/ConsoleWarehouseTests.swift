import Foundation
import MatomoSync
@testable import MatomoSyncConsole
import Testing

/// The console's own writes and reads (run history, chart, queries, Delete its tables) on every
/// warehouse. The servers come from scripts/services.sh (as for MatomoSyncTests): without them these
/// cases fail, saying so.
@Suite(.serialized) struct ConsoleWarehouseTests {
    enum Kind: String, CaseIterable, Sendable {
        case sqlite, postgres, clickhouse
        case clickhouseRecent = "clickhouse-recent"
    }

    static func url(_ kind: Kind, folder: URL) throws -> String {
        let unique = "c" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(12).lowercased()
        let env = ProcessInfo.processInfo.environment
        let name: String
        switch kind {
        case .sqlite: return "sqlite:" + folder.appendingPathComponent("w-\(unique).sqlite").path
        case .postgres: name = "POSTGRES"
        case .clickhouse: name = "CLICKHOUSE"
        case .clickhouseRecent: name = "CLICKHOUSE_RECENT"
        }
        guard let base = env["MATOMO_SYNC_TEST_\(name)_URL"], !base.isEmpty else {
            throw ConsoleError("no \(kind.rawValue) server: MATOMO_SYNC_TEST_\(name)_URL is not set (\(env["MATOMO_SYNC_TEST_\(name)_ERROR"] ?? "run bash scripts/test.sh"))")
        }
        if kind == .postgres { return base + (base.contains("?") ? "&" : "?") + "schema=\(unique)" }
        let root = base.range(of: "/", options: .backwards).map { String(base[..<$0.lowerBound]) } ?? base
        return root + "/\(unique)"
    }

    @Test(arguments: Kind.allCases)
    func historyChartQueryAndDeletingTables(_ kind: Kind) async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("console-wh-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try await ConsoleHarness.with(warehouse: try Self.url(kind, folder: folder)) { h in
            try await h.backend.importSource(url: h.fakeURL.absoluteString, siteIds: [1], token: "fake-token", tables: [
                .visitsSummary: TablePlan(method: .incremental, every: 3600), .goals: TablePlan(method: .incremental, every: 3600),
            ])
            let rows = try await h.waitUntilSettled(timeout: .seconds(120))
            #expect(rows.count == 2 && rows.allSatisfy { $0.rowCount > 0 })
            try await waitFor { try await h.backend.runHistory(source: 0).count == 2 }
            let history = try await h.backend.runHistory(source: 0)
            #expect(Set(history.map(\.table)) == ["visits_summary", "goals"] && history.allSatisfy { $0.result == "synced" && $0.requests > 0 })
            let points = try await h.backend.visitsPerDay(source: 0, siteId: 1)
            #expect(points.count >= 5 && points.contains { $0.visits > 0 })
            let result = try await h.backend.query("SELECT COUNT(*) FROM goals")
            #expect(ConsoleBackend.number(result.rows[0][0]) == Double(rows.first { $0.table == "goals" }!.rowCount))
            try await h.backend.removeSource(0, deleteTables: true)
            let left = try await h.backend.warehouse.tableNames()
            #expect(!left.contains("visits_summary") && !left.contains("goals"), "\(left)")
        }
    }
}

import Foundation
import MatomoSync

/// One warehouse the suite syncs into, reached only through the built `matomo-sync` (sync and query),
/// as a user would. Each run gets a SQLite file, a PostgreSQL schema or a ClickHouse database of its own.
struct ConformanceWarehouse: Sendable, CustomStringConvertible {
    let kind: String
    let url: String
    var description: String { kind }

    /// nil with the reason when the server for `kind` is not available.
    static func make(_ kind: String, run: String) -> (ConformanceWarehouse?, String?) {
        let env = ProcessInfo.processInfo.environment
        let name = "conformance_\(run)_\(kind.replacingOccurrences(of: "-", with: "_"))"
        if kind == "sqlite" {
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("matomo-conformance-\(run)")
            try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            return (ConformanceWarehouse(kind: kind, url: "sqlite:" + folder.appendingPathComponent(name + ".sqlite").path), nil)
        }
        let variable = ["postgres": "POSTGRES", "clickhouse": "CLICKHOUSE", "clickhouse-recent": "CLICKHOUSE_RECENT"][kind]!
        guard let base = env["MATOMO_SYNC_TEST_\(variable)_URL"], !base.isEmpty else {
            return (nil, env["MATOMO_SYNC_TEST_\(variable)_ERROR"] ?? "MATOMO_SYNC_TEST_\(variable)_URL is not set (scripts/conformance.sh starts the servers)")
        }
        if kind == "postgres" {
            return (ConformanceWarehouse(kind: kind, url: base + (base.contains("?") ? "&" : "?") + "schema=" + name), nil)
        }
        let root = base.split(separator: "?", maxSplits: 1)[0]
        let server = root.range(of: "/", options: .backwards).map { String(root[..<$0.lowerBound]) } ?? String(root)
        return (ConformanceWarehouse(kind: kind, url: server + "/" + name), nil)
    }

    /// One table run of a sync, from `--log-format json`.
    struct TableRun: Sendable {
        var table: String
        var site: Int
        var status: String
        var rows: Int
        var requests: Int
        var days: String?
        var error: String?
    }

    struct SyncRun: Sendable {
        var started: Int64
        var ended: Int64
        var tables: [TableRun]

        func run(_ table: String, site: Int) -> TableRun? { tables.first { $0.table == table && $0.site == site } }
    }

    /// `matomo-sync sync` of every table of `sites`; fails the test unless every table succeeded.
    func sync(_ env: ConformanceEnv, fullRefresh: Bool = false) async throws -> SyncRun {
        var args = ["sync", "--url", env.url, "--site-id", env.sites.map(String.init).joined(separator: ","),
                    "--warehouse", url, "--log-format", "json"]
        if fullRefresh { args.append("--full-refresh") }
        let started = Int64(Date().timeIntervalSince1970)
        let result = try await runProcess(try ConformanceEnv.product("matomo-sync"), args, environment: ["MATOMO_TOKEN": env.token])
        let ended = Int64(Date().timeIntervalSince1970) + 1
        var tables: [TableRun] = []
        for line in (result.out + "\n" + result.err).split(separator: "\n") where line.hasPrefix("{") {
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  let table = object["table"] as? String, let site = object["site"] as? Int else { continue }
            tables.append(TableRun(table: table, site: site, status: object["status"] as? String ?? "", rows: object["rows"] as? Int ?? -1,
                                   requests: object["requests"] as? Int ?? -1, days: object["days"] as? String, error: object["error"] as? String))
        }
        guard result.status == 0, tables.count == TableName.allCases.count * env.sites.count, tables.allSatisfy({ $0.status == "ok" }) else {
            throw ConformanceFailure("\(kind): sync\(fullRefresh ? " --full-refresh" : "") exited \(result.status):\n\(result.out)\n\(result.err)")
        }
        return SyncRun(started: started, ended: ended, tables: tables)
    }

    /// `matomo-sync query --format json`: rows as JSON objects (nested values arrive as JSON text).
    func query(_ sql: String) async throws -> [[String: Any]] {
        let result = try await runProcess(try ConformanceEnv.product("matomo-sync"), ["query", "--warehouse", url, "--format", "json", sql])
        guard result.status == 0 else { throw ConformanceFailure("\(kind): query failed (\(result.status)): \(result.err)\n\(sql)") }
        guard let rows = try JSONSerialization.jsonObject(with: Data(result.out.utf8)) as? [[String: Any]] else {
            throw ConformanceFailure("\(kind): query answered something else than JSON rows: \(result.out.prefix(300))")
        }
        return rows
    }
}

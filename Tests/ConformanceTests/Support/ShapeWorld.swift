import Foundation
import MatomoAPI
import MatomoFake
@testable import MatomoSync

/// The real Matomo named by the environment (scripts/conformance.sh sets it), or nil: then every
/// shape test does nothing.
struct RealMatomo: Sendable {
    var url: String
    var token: String
    var west: Int
    var east: Int
    var empty: Int
    var mariadbSocket: String?

    static func fromEnvironment() -> RealMatomo? {
        let env = ProcessInfo.processInfo.environment
        guard let url = env["MATOMO_CONFORMANCE_URL"], !url.isEmpty else { return nil }
        func site(_ name: String, _ fallback: Int) -> Int { env["MATOMO_CONFORMANCE_SITE_\(name)"].flatMap { Int($0) } ?? fallback }
        return RealMatomo(url: url, token: env["MATOMO_CONFORMANCE_TOKEN"] ?? "", west: site("WEST", 1), east: site("EAST", 2),
                          empty: site("EMPTY", 3), mariadbSocket: env["MATOMO_CONFORMANCE_MARIADB_SOCKET"].flatMap { $0.isEmpty ? nil : $0 })
    }

    var sites: [Int] { [west, east, empty] }

    /// Matomo counts every wrong token as a failed login and blocks 127.0.0.1 after 20 in an hour:
    /// the log is cleared after the tests that send one, when the database is reachable.
    func clearBruteForceLog() {
        guard let socket = mariadbSocket else { return }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["mariadb", "--no-defaults", "-S", socket, "-uroot", "matomo", "-e", "DELETE FROM matomo_brute_force_log"]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try? p.run()
        p.waitUntilExit()
    }
}

/// A fake Matomo holding the real server's sites (same ids, timezones and creation dates, the same
/// token) with traffic of its own, so the same request means the same thing on both.
struct ShapeWorld {
    let real: RealMatomo
    let fake: FakeMatomo
    let fakeURL: String

    static func start(_ real: RealMatomo) async throws -> ShapeWorld {
        var sites: [FakeSite] = []
        for id in real.sites {
            let answer = try await post(real.url, query: [("module", "API"), ("method", "SitesManager.getSiteFromId"), ("format", "JSON"), ("idSite", String(id))],
                                        body: [("token_auth", real.token)])
            guard let object = try JSONSerialization.jsonObject(with: answer.body) as? [String: Any],
                  let zone = object["timezone"] as? String, let created = object["ts_created"] as? String else {
                throw ShapeError("site \(id) of the real Matomo: \(answer.text.prefix(200))")
            }
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "UTC")
            formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
            var site = FakeSite(id: id, name: object["name"] as? String ?? "Site \(id)", timezone: zone,
                                createdAt: formatter.date(from: created) ?? Date().addingTimeInterval(-400 * 86400),
                                mainUrl: object["main_url"] as? String ?? "https://example.org", currency: object["currency"] as? String ?? "USD")
            site.ecommerce = "\(object["ecommerce"] ?? 0)" == "1"
            sites.append(site)
        }
        let fake = FakeMatomo(configuration: FakeMatomoConfiguration(token: real.token, sites: sites))
        for id in [real.west, real.east] {
            fake.generateTraffic(siteId: id, days: 60, visitsPerDay: 10...40, seed: UInt64(id))
        }
        let url = try await fake.start()
        return ShapeWorld(real: real, fake: fake, fakeURL: url.absoluteString)
    }

    func stop() async { await fake.stop() }

    /// A world for the length of `body`, stopped however `body` ends.
    static func with<T>(_ real: RealMatomo, _ body: (ShapeWorld) async throws -> T) async throws -> T {
        let world = try await start(real)
        do {
            let value = try await body(world)
            await world.stop()
            return value
        } catch {
            await world.stop()
            throw error
        }
    }

    /// Sends the same request to both servers.
    func both(_ query: [(String, String)], body: [(String, String)]) async throws -> (real: RawAnswer, fake: RawAnswer) {
        let real = try await post(self.real.url, query: query, body: body)
        let fake = try await post(fakeURL, query: query, body: body)
        return (real, fake)
    }

    func client() throws -> MatomoClient {
        var config = ClientConfiguration()
        config.maxAttempts = 1
        config.maxConcurrentRequests = 2
        return try MatomoClient(instance: try InstanceURL(parsing: fakeURL), token: try APIToken(real.token), configuration: config)
    }

    /// Every request matomo-sync sends, as the fake received them: `check`'s calls, then a backfill
    /// and an incremental run of every table with both visit strategies, then of three declared
    /// reports (their probes included), into throwaway SQLite files.
    func recordProjectRequests() async throws -> [RecordedRequest] {
        fake.resetRequests()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("shape-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let client = try client()
        do {
            // `matomo-sync check` (CheckCommand): version, viewable sites, each site, one visit of today.
            _ = try await client.matomoVersion()
            _ = try await client.viewableSiteIds()
            for id in real.sites {
                _ = try await client.site(id: id)
                _ = try await client.call("Live.getLastVisitsDetails", [("idSite", String(id)), ("period", "day"), ("date", "today"), ("filter_limit", "1")])
            }
            for (name, strategy) in [("segmented", SyncOptions.Strategy.segmented), ("daybyday", .dayByDay)] {
                for id in real.sites {
                    let warehouse = try SQLiteWarehouse(path: folder.appendingPathComponent("\(name)-\(id).sqlite").path)
                    var options = SyncOptions()
                    options.backfillDays = 40
                    options.pageSize = 50
                    options.strategy = strategy
                    if strategy == .dayByDay { options.rangeDays = 1; options.bulkDays = 1; options.overlapTables = false }
                    for _ in 0..<2 {
                        _ = try await SyncEngine(client: client, warehouse: warehouse, siteId: id, options: options).run()
                    }
                    // `matomo-sync verify` of what was synced (its day counts and fresh report answers).
                    var verify = VerifyOptions()
                    verify.days = 40
                    verify.pageSize = 50
                    _ = try await Verifier(client: client, warehouse: warehouse, siteId: id, options: verify).run()
                    try await warehouse.close()
                }
            }
            // Declared reports ([[source.report]]): the probe each gets before any data request, a
            // method that takes one date per request (learned), a fixed goal, a segment.
            let reports = [
                ReportDeclaration(name: TableName("shape_goal"), method: "Goals.get", params: [("idGoal", "1")], key: [], origin: "ShapeWorld"),
                ReportDeclaration(name: TableName("shape_channels"), method: "Referrers.getAll", key: ["referer_type", "label"], origin: "ShapeWorld"),
                ReportDeclaration(name: TableName("shape_videos"), method: "Events.getAction", params: [("segment", "eventCategory==Video")],
                                  origin: "ShapeWorld"),
            ]
            let warehouse = try SQLiteWarehouse(path: folder.appendingPathComponent("declared.sqlite").path)
            var options = SyncOptions()
            options.backfillDays = 10
            options.catalog = try TableCatalog.builtIn.adding(reports.map(\.spec))
            options.reportDeclarations = Dictionary(uniqueKeysWithValues: reports.map { ($0.name, $0) })
            options.tables = reports.map(\.name)
            for _ in 0..<2 {
                _ = try await SyncEngine(client: client, warehouse: warehouse, siteId: real.west, options: options).run()
            }
            try await warehouse.close()
        } catch {
            await client.shutdown()
            throw error
        }
        await client.shutdown()
        return fake.requests()
    }
}

/// What makes two requests the same shape: method, parameter names, the form of `date`, `period`,
/// `showColumns`, and for a bulk request the shapes of its sub-requests.
func requestShapeKey(query: [String: String], body: [String: String]) -> String {
    func dateForm(_ d: String?) -> String {
        guard let d else { return "-" }
        if d.contains(",") { return d.split(separator: ",").count == 2 && d.split(separator: ",")[0] == d.split(separator: ",")[1] ? "A,A" : "A,B" }
        if AnswerShape.isDateKey(d) { return "A" }
        return d
    }
    func one(_ p: [String: String]) -> String {
        let names = p.keys.filter { $0 != "token_auth" && !$0.hasPrefix("urls[") }.sorted().joined(separator: "&")
        return "\(p["method"] ?? "?") period=\(p["period"] ?? "-") date=\(dateForm(p["date"])) showColumns=\(p["showColumns"] ?? "-") [\(names)]"
    }
    var key = one(query)
    let subs = body.filter { $0.key.hasPrefix("urls[") }.sorted { $0.key < $1.key }.map(\.value)
    if let first = subs.first {
        let parsed = Dictionary(first.split(separator: "&").map { part -> (String, String) in
            let kv = part.split(separator: "=", maxSplits: 1)
            return (String(kv[0]).removingPercentEncoding ?? String(kv[0]), kv.count > 1 ? (String(kv[1]).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? "") : "")
        }, uniquingKeysWith: { $1 })
        key += " bulk(\(subs.count > 1 ? "n" : "1")): " + one(parsed)
    }
    return key
}

struct ShapeError: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}

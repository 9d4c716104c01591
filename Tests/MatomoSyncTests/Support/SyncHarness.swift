import Foundation
import MatomoAPI
import MatomoFake
@testable import MatomoSync
import Synchronization
import Testing

/// A clock tests can move, shared by the fake server and the sync.
final class TestClock: Sendable {
    private let value: Mutex<Date>
    init(_ date: Date) { value = Mutex(date) }
    var now: Date { value.withLock { $0 } }
    func advance(_ seconds: TimeInterval) { value.withLock { $0 = $0.addingTimeInterval(seconds) } }
}

/// The warehouses every end-to-end case runs against. `clickhouseRecent` is the current ClickHouse
/// engine (chDB behind scripts/chdb-http.py), as Debian's server is 18.16.
enum WarehouseKind: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite, postgres, clickhouse
    case clickhouseRecent = "clickhouse-recent"

    var testDescription: String { rawValue }

    /// What scripts/services.sh exports for this kind: a server URL, or why there is none.
    static let environment = ProcessInfo.processInfo.environment

    /// Set by scripts/test.sh (and so CI): a server-backed case whose server is missing fails.
    static var serversRequired: Bool { environment["MATOMO_SYNC_REQUIRE_SERVERS"] == "1" }

    /// The server's URL. Without one the case says plainly which server is missing and why: under
    /// scripts/test.sh (MATOMO_SYNC_REQUIRE_SERVERS=1) as a failure, elsewhere (a targeted
    /// `swift test` without servers) as a cancelled case, never as a silent pass.
    func serverURL() throws -> String? {
        do {
            return try requiredServerURL()
        } catch let missing as HarnessError where !Self.serversRequired {
            // A warning in the run's output, then the case ends without running: not a pass.
            let why = "NOT RUN: \(missing.description) (a failure under scripts/test.sh, which sets MATOMO_SYNC_REQUIRE_SERVERS=1)"
            Issue.record(Comment(rawValue: why), severity: .warning)
            try Test.cancel(Comment(rawValue: why))
        }
    }

    private func requiredServerURL() throws -> String? {
        let name: String
        switch self {
        case .sqlite: return nil
        case .postgres: name = "POSTGRES"
        case .clickhouse: name = "CLICKHOUSE"
        case .clickhouseRecent: name = "CLICKHOUSE_RECENT"
        }
        if let url = Self.environment["MATOMO_SYNC_TEST_\(name)_URL"], !url.isEmpty { return url }
        if let why = Self.environment["MATOMO_SYNC_TEST_\(name)_ERROR"], !why.isEmpty {
            throw HarnessError("no \(rawValue) server for the tests: \(why)")
        }
        throw HarnessError("no \(rawValue) server for the tests: MATOMO_SYNC_TEST_\(name)_URL is not set; run `bash scripts/test.sh`, which starts PostgreSQL, ClickHouse and the recent ClickHouse engine and sets it")
    }
}

struct HarnessError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// A fake Matomo on 127.0.0.1 and a fresh warehouse of one kind: a SQLite file in a temporary folder,
/// a PostgreSQL schema or a ClickHouse database of its own.
final class SyncHarness: Sendable {
    /// 2026-11-27 10:00:00 UTC, a Friday.
    static let defaultNow = Date(timeIntervalSince1970: 1_795_773_600)
    static let token = "test-token-0123456789abcdef"

    let clock: TestClock
    let fake: FakeMatomo
    let url: URL
    let folder: URL
    let kind: WarehouseKind
    let serverURL: String?
    /// Names this harness's schemas and databases apart from every other test's.
    let unique = "t" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(12).lowercased()

    private init(clock: TestClock, fake: FakeMatomo, url: URL, folder: URL, kind: WarehouseKind, serverURL: String?) {
        self.clock = clock
        self.fake = fake
        self.url = url
        self.folder = folder
        self.kind = kind
        self.serverURL = serverURL
    }

    static func start(_ kind: WarehouseKind = .sqlite, sites: [FakeSite]? = nil, numbersAsStrings: Bool = false,
                      disabledMethods: Set<String> = [], now: Date = defaultNow,
                      configure: (inout FakeMatomoConfiguration) -> Void = { _ in }) async throws -> SyncHarness {
        let serverURL = try kind.serverURL()
        let clock = TestClock(now)
        let created = now.addingTimeInterval(-800 * 86400)
        var config = FakeMatomoConfiguration(
            token: token,
            sites: sites ?? [FakeSite(id: 1, name: "Example Shop", timezone: "Europe/Paris", createdAt: created)],
            numbersAsStrings: numbersAsStrings, disabledMethods: disabledMethods,
            now: { clock.now })
        configure(&config)
        let fake = FakeMatomo(configuration: config)
        let url = try await fake.start()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("matomo-sync-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return SyncHarness(clock: clock, fake: fake, url: url, folder: folder, kind: kind, serverURL: serverURL)
    }

    /// Stops the fake and removes every warehouse this harness made: its folder, its PostgreSQL
    /// schemas or its ClickHouse databases (all named after `unique`).
    func stop() async {
        await fake.stop()
        try? FileManager.default.removeItem(at: folder)
        guard let serverURL, let server = try? ServerURL(parsing: serverURL) else { return }
        let prefix = unique + "_"
        switch kind {
        case .sqlite:
            return
        case .postgres:
            guard let w = try? PostgresWarehouse(url: server) else { return }
            let names = (try? await w.query("SELECT nspname::TEXT FROM pg_namespace WHERE left(nspname, \(prefix.count)) = '\(prefix)'"))?.rows ?? []
            for case .text(let name)? in names.map(\.first) { _ = try? await w.execute("DROP SCHEMA IF EXISTS \"\(name)\" CASCADE") }
            try? await w.close()
        case .clickhouse, .clickhouseRecent:
            let http = ClickHouseHTTP(url: server, displayName: server.redacted)
            let list = (try? await http.run("SELECT name FROM system.databases WHERE startsWith(name, '\(prefix)') FORMAT TSV", inDatabase: false)) ?? ""
            for name in list.split(separator: "\n") where name.hasPrefix(prefix) {
                _ = try? await http.run("DROP DATABASE IF EXISTS `\(name)`", inDatabase: false)
            }
            await http.shutdown()
        }
    }

    func warehousePath(_ name: String = "w") -> String { folder.appendingPathComponent(name + ".sqlite").path }

    /// The URL of the warehouse called `name`: its own file, PostgreSQL schema or ClickHouse database.
    func warehouseURL(_ name: String = "w") -> String {
        switch kind {
        case .sqlite:
            return "sqlite:" + warehousePath(name)
        case .postgres:
            let base = serverURL!
            return base + (base.contains("?") ? "&" : "?") + "schema=\(unique)_\(name)"
        case .clickhouse, .clickhouseRecent:
            let base = serverURL!
            let root = base.range(of: "/", options: .backwards).map { String(base[..<$0.lowerBound]) } ?? base
            return root + "/\(unique)_\(name)"
        }
    }

    func open(_ name: String = "w", readOnly: Bool = false) throws -> any Warehouse {
        try WarehouseURL.open(warehouseURL(name), readOnly: readOnly)
    }

    /// The type of a column as one word (integer, real, text, json, date), from the catalog of
    /// each warehouse; SQLite's columns are typed per value, so there it is the type all values share.
    func columnType(_ table: String, _ column: String, warehouse name: String = "w") async throws -> String {
        let sql: String
        switch kind {
        case .sqlite:
            sql = "SELECT DISTINCT typeof(\(column)) FROM \(table) WHERE \(column) IS NOT NULL"
        case .postgres:
            sql = "SELECT data_type::TEXT FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = '\(table)' AND column_name = '\(column)'"
        case .clickhouse, .clickhouseRecent:
            sql = "SELECT type FROM system.columns WHERE database = currentDatabase() AND table = '_raw_\(table)' AND name = '\(column)'"
        }
        let types = try await query(sql, warehouse: name).compactMap { row -> String? in
            if case .text(let t) = row.first { return t }
            return nil
        }
        guard types.count == 1 else { return types.isEmpty ? "none" : "mixed: \(types)" }
        switch types[0] {
        case "integer", "bigint", "Int64", "Nullable(Int64)": return "integer"
        case "real", "double precision", "Float64", "Nullable(Float64)": return "real"
        case "text", "String", "Nullable(String)": return "text"
        default: return types[0]
        }
    }

    /// Every table (and, on ClickHouse, view) of the warehouse.
    /// Runs a statement on this harness's ClickHouse database, bypassing matomo-sync.
    func clickHouseRun(_ sql: String, warehouse name: String = "w") async throws {
        let url = try ServerURL(parsing: warehouseURL(name))
        let http = ClickHouseHTTP(url: url, displayName: url.redacted)
        do {
            try await http.run(sql)
            await http.shutdown()
        } catch {
            await http.shutdown()
            throw error
        }
    }

    func tableNames(warehouse name: String = "w") async throws -> [String] {
        let sql: String
        switch kind {
        case .sqlite: sql = "SELECT name FROM sqlite_master WHERE type = 'table'"
        case .postgres: sql = "SELECT table_name::TEXT FROM information_schema.tables WHERE table_schema = current_schema()"
        case .clickhouse, .clickhouseRecent: sql = "SELECT name FROM system.tables WHERE database = currentDatabase()"
        }
        return try await query(sql, warehouse: name).compactMap { row in
            if case .text(let t) = row.first { return t }
            return nil
        }
    }

    func client(token: String = SyncHarness.token, maxAttempts: Int = 1,
                configure: (inout ClientConfiguration) -> Void = { _ in }) throws -> MatomoClient {
        var config = ClientConfiguration()
        config.maxAttempts = maxAttempts
        config.retryBaseDelay = .milliseconds(10)
        configure(&config)
        return try MatomoClient(instance: try InstanceURL(parsing: url.absoluteString), token: try APIToken(token), configuration: config)
    }

    func options(_ tables: [TableName] = TableName.allCases, backfillDays: Int = 30, pageSize: Int = 1000,
                 fullRefresh: Bool = false) -> SyncOptions {
        var o = SyncOptions()
        o.tables = tables
        o.backfillDays = backfillDays
        o.pageSize = pageSize
        o.fullRefresh = fullRefresh
        let clock = self.clock
        o.now = { clock.now }
        return o
    }

    /// One sync run, as the CLI does it.
    @discardableResult
    func sync(_ options: SyncOptions, warehouse name: String = "w", siteId: Int = 1, token: String = SyncHarness.token,
              progress: any SyncProgress = SilentProgress(),
              client configure: (inout ClientConfiguration) -> Void = { _ in }) async throws -> (SyncReport, [String: Int]) {
        try await withClientAndWarehouse(name, token: token, configure: configure) { client, warehouse in
            try await SyncEngine(client: client, warehouse: warehouse, siteId: siteId, options: options, progress: progress).run()
        }
    }

    /// Runs `body` with a fresh client and the warehouse opened, then closes both whether it returned
    /// or threw; returns its result and the requests the client sent, by method.
    func withClientAndWarehouse<T>(_ name: String = "w", token: String = SyncHarness.token,
                                   configure: (inout ClientConfiguration) -> Void = { _ in },
                                   _ body: (MatomoClient, any Warehouse) async throws -> T) async throws -> (T, [String: Int]) {
        let client = try client(token: token, configure: configure)
        let warehouse = try open(name)
        do {
            let value = try await body(client, warehouse)
            let counts = client.requestCounts
            await client.shutdown()
            try await warehouse.close()
            return (value, counts)
        } catch {
            await client.shutdown()
            try? await warehouse.close()
            throw error
        }
    }

    func query(_ sql: String, warehouse name: String = "w") async throws -> [[Cell]] {
        let w = try WarehouseURL.openReader(warehouseURL(name))
        do {
            let rows = try await w.query(sql).rows
            try await w.close()
            return rows
        } catch {
            try? await w.close()
            throw error
        }
    }

    func status(warehouse name: String = "w") async throws -> [TableStatus] {
        let w = try WarehouseURL.openReader(warehouseURL(name))
        do {
            let status = try await w.status()
            try await w.close()
            return status
        } catch {
            try? await w.close()
            throw error
        }
    }

    func int(_ sql: String, warehouse name: String = "w") async throws -> Int64 {
        let rows = try await query(sql, warehouse: name)
        guard case .int(let v) = rows.first?.first else { return -1 }
        return v
    }

    /// Visits the sync should have stored: older than an hour, within the window.
    func expectedVisitIDs(siteId: Int = 1, since: Date) -> Set<Int> {
        let cutoff = Int(clock.now.timeIntervalSince1970) - 3600
        return Set(fake.visits(siteId: siteId).filter { $0.lastActionTimestamp <= cutoff && $0.lastActionTimestamp >= Int(since.timeIntervalSince1970) }.map(\.idVisit))
    }
}

/// A fake Matomo and a fresh warehouse for the length of `body`: both are stopped when it ends,
/// however it ends (an expectation, a thrown error), before the test returns.
func withHarness<T>(_ kind: WarehouseKind = .sqlite, sites: [FakeSite]? = nil, numbersAsStrings: Bool = false,
                    disabledMethods: Set<String> = [], now: Date = SyncHarness.defaultNow,
                    configure: (inout FakeMatomoConfiguration) -> Void = { _ in },
                    _ body: (SyncHarness) async throws -> T) async throws -> T {
    let h = try await SyncHarness.start(kind, sites: sites, numbersAsStrings: numbersAsStrings, disabledMethods: disabledMethods,
                                        now: now, configure: configure)
    return try await withStopping(h.stop) { try await body(h) }
}

/// Runs `body`, then `stop`, whether `body` returned or threw.
func withStopping<T>(_ stop: () async -> Void, _ body: () async throws -> T) async throws -> T {
    do {
        let value = try await body()
        await stop()
        return value
    } catch {
        await stop()
        throw error
    }
}

/// Records events; can cancel the sync after a number of commits (an interruption).
final class RecordingProgress: SyncProgress {
    private let events = Mutex<[SyncEvent]>([])
    private let cancelAfter: Int?
    private let task = Mutex<Task<Void, Never>?>(nil)
    private let commits = Mutex(0)
    let onCancel: @Sendable () -> Void

    init(cancelAfterCommits: Int? = nil, onCancel: @escaping @Sendable () -> Void = {}) {
        cancelAfter = cancelAfterCommits
        self.onCancel = onCancel
    }

    func report(_ event: SyncEvent) {
        events.withLock { $0.append(event) }
        if case .progress = event, let cancelAfter {
            let n = commits.withLock { $0 += 1; return $0 }
            if n == cancelAfter { onCancel() }
        }
    }

    var finished: [TableReport] {
        events.withLock { $0.compactMap { if case .tableFinished(let r) = $0 { return r }; return nil } }
    }
}

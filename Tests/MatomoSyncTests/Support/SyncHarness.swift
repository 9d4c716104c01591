import Foundation
import MatomoAPI
import MatomoFake
@testable import MatomoSync
import Synchronization

/// A clock tests can move, shared by the fake server and the sync.
final class TestClock: Sendable {
    private let value: Mutex<Date>
    init(_ date: Date) { value = Mutex(date) }
    var now: Date { value.withLock { $0 } }
    func advance(_ seconds: TimeInterval) { value.withLock { $0 = $0.addingTimeInterval(seconds) } }
}

/// A fake Matomo on 127.0.0.1 and a SQLite warehouse in a temporary folder.
final class SyncHarness: Sendable {
    /// 2026-11-27 10:00:00 UTC, a Friday.
    static let defaultNow = Date(timeIntervalSince1970: 1_795_773_600)
    static let token = "test-token-0123456789abcdef"

    let clock: TestClock
    let fake: FakeMatomo
    let url: URL
    let folder: URL

    private init(clock: TestClock, fake: FakeMatomo, url: URL, folder: URL) {
        self.clock = clock
        self.fake = fake
        self.url = url
        self.folder = folder
    }

    static func start(sites: [FakeSite]? = nil, numbersAsStrings: Bool = false, disabledMethods: Set<String> = [],
                      now: Date = defaultNow,
                      configure: (inout FakeMatomoConfiguration) -> Void = { _ in }) async throws -> SyncHarness {
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
        return SyncHarness(clock: clock, fake: fake, url: url, folder: folder)
    }

    func stop() async {
        await fake.stop()
        try? FileManager.default.removeItem(at: folder)
    }

    func warehousePath(_ name: String = "w") -> String { folder.appendingPathComponent(name + ".sqlite").path }

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
        let client = try client(token: token, configure: configure)
        let warehouse = try SQLiteWarehouse(path: warehousePath(name))
        do {
            let report = try await SyncEngine(client: client, warehouse: warehouse, siteId: siteId, options: options, progress: progress).run()
            let counts = client.requestCounts
            await client.shutdown()
            try await warehouse.close()
            return (report, counts)
        } catch {
            await client.shutdown()
            try? await warehouse.close()
            throw error
        }
    }

    func query(_ sql: String, warehouse name: String = "w") async throws -> [[Cell]] {
        let w = try SQLiteWarehouse(path: warehousePath(name), readOnly: true)
        let rows = try await w.query(sql).rows
        try await w.close()
        return rows
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

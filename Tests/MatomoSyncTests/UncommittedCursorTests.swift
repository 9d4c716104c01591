import Foundation
import MatomoFake
@testable import MatomoSync
import Synchronization
import Testing

/// A table that fails mid-walk records its error on the state the warehouse holds, never on a cursor
/// the run had moved for a batch that was not committed. With the report tables running beside the
/// visit walk, an interruption reaches the walk at any point, inside a commit included; a cursor saved
/// from memory then skipped the batch for good (visits lost on PostgreSQL, 2 runs in 3).
@Suite struct UncommittedCursorTests {
    @Test(arguments: [WarehouseKind.sqlite, .postgres])
    func aFailedCommitLeavesTheStoredCursorWhereItWas(_ kind: WarehouseKind) async throws {
        try await withHarness(kind) { h in
            h.fake.generateTraffic(siteId: 1, days: 10, visitsPerDay: 30...60, seed: 33)
            let options = h.options([.visits], backfillDays: 10, pageSize: 40)
            try await h.sync(options, warehouse: "clean")

            // The third page's commit never reaches the warehouse, and the connection is gone after it:
            // reading the state back fails, as a cancelled PostgreSQL connection does.
            let client = try h.client()
            let flaky = FailingWarehouse(try h.open("cut"), failCommit: 3)
            let report = try await SyncEngine(client: client, warehouse: flaky, siteId: 1, options: options).run()
            await client.shutdown()
            try await flaky.close()
            #expect(!report.succeeded)
            #expect(flaky.commits == 2)

            let (again, _) = try await h.sync(options, warehouse: "cut")
            #expect(again.succeeded)
            let sql = "SELECT id_visit, server_timestamp FROM visits ORDER BY id_visit"
            let clean = try await h.query(sql, warehouse: "clean")
            #expect(clean.count > 200)
            #expect(try await h.query(sql, warehouse: "cut") == clean)
        }
    }
}

/// Passes everything to a real warehouse, but the `failCommit`-th commit throws without writing,
/// and every state read after it throws too.
final class FailingWarehouse: Warehouse {
    let inner: any Warehouse
    let failCommit: Int
    private let counts = Mutex((attempts: 0, done: 0, broken: false))

    init(_ inner: any Warehouse, failCommit: Int) {
        self.inner = inner
        self.failCommit = failCommit
    }

    var commits: Int { counts.withLock { $0.done } }
    var displayName: String { inner.displayName }
    func prepare() async throws { try await inner.prepare() }

    func loadState(_ key: StateKey) async throws -> TableState? {
        if counts.withLock({ $0.broken }) { throw SyncError.warehouse("connection closed") }
        return try await inner.loadState(key)
    }

    func commit(_ write: TableWrite) async throws {
        let attempt = counts.withLock { $0.attempts += 1; return $0.attempts }
        if attempt == failCommit {
            counts.withLock { $0.broken = true }
            throw CancellationError()
        }
        try await inner.commit(write)
        counts.withLock { $0.done += 1 }
    }

    func saveState(_ key: StateKey, _ state: TableState) async throws { try await inner.saveState(key, state) }
    func dropTable(_ table: String) async throws { try await inner.dropTable(table) }
    func promote(staging: String, into table: String, mergeKey: [String], declaredColumns: [Column],
                 siteId: Int, replacingFrom firstDay: String?, stateKey: StateKey, state: TableState) async throws {
        try await inner.promote(staging: staging, into: table, mergeKey: mergeKey, declaredColumns: declaredColumns,
                                siteId: siteId, replacingFrom: firstDay, stateKey: stateKey, state: state)
    }
    func status() async throws -> [TableStatus] { try await inner.status() }
    func tableNames() async throws -> [String] { try await inner.tableNames() }
    func createTable(_ table: String, columns: [Column], key: [String]) async throws {
        try await inner.createTable(table, columns: columns, key: key)
    }
    func query(_ sql: String) async throws -> QueryResult { try await inner.query(sql) }
    func close() async throws { try await inner.close() }
    func lockForSync() async throws { try await inner.lockForSync() }
    func unlockSync() async { await inner.unlockSync() }
}

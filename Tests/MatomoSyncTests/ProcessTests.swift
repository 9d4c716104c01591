import Foundation
import MatomoAPI
import MatomoFake
import Testing
@testable import MatomoSync

/// The real binary: killed, interrupted, run twice at once, given bad input.
@Suite(.serialized) struct ProcessTests {
    /// A fake on the real clock whose newest visit is two hours old, so runs minutes apart agree.
    static func withSettledHarness<T>(days: Int, perDay: ClosedRange<Int>, kind: WarehouseKind = .sqlite,
                                      _ body: (SyncHarness) async throws -> T) async throws -> T {
        try await withHarness(kind, now: Date()) { h in
            h.fake.generateTraffic(siteId: 1, days: days, visitsPerDay: perDay, seed: 77)
            let settled = h.fake.visits(siteId: 1).filter { $0.lastActionTimestamp < Int(Date().timeIntervalSince1970) - 7200 }
            h.fake.removeAllVisits(siteId: 1)
            h.fake.addVisits(settled)
            return try await body(h)
        }
    }

    static func syncArguments(_ h: SyncHarness, _ warehouse: String, pageSize: Int = 40, days: Int = 30) -> [String] {
        ["sync", "--url", h.url.absoluteString, "--site-id", "1", "--warehouse", h.warehouseURL(warehouse),
         "--backfill-days", String(days), "--page-size", String(pageSize), "--max-attempts", "2"]
    }

    static var env: [String: String] { ["MATOMO_TOKEN": SyncHarness.token] }

    /// On every warehouse: SQLite's file lock, PostgreSQL's session lock and ClickHouse's lock ticket
    /// of a killed process must all let the next run in, and the rows must come out as a clean run's.
    @Test(arguments: WarehouseKind.allCases)
    func killedAtRandomMomentsThenFinishedEqualsACleanRun(_ kind: WarehouseKind) async throws {
        try await Self.withSettledHarness(days: 60, perDay: 60...120, kind: kind) { h in
            let args = { (name: String) in Self.syncArguments(h, name, pageSize: 25, days: 60) + ["--concurrency", "2"] }
            let before = h.fake.requestCount
            let clean = try await CLIProcess.run(args("clean"), environment: Self.env)
            let cleanRequests = h.fake.requestCount - before
            #expect(clean.status == 0, "\(clean.stderr)")

            // Six runs killed at random moments, counted in requests rather than time so the machine's
            // load cannot move them: each run is killed once the fake has received a random number of
            // its requests, at most an eighth of a clean run's. A killed run does no more than that, so
            // the sixth still has a quarter of the work left and is always killed mid-way.
            var generator = SystemRandomNumberGenerator()
            var kills = 0
            for _ in 0..<6 {
                let p = try CLIProcess(args("killed"), environment: Self.env)
                let started = h.fake.requestCount
                // It has said it started work; from then on, a random count of its requests.
                let ready = try await p.waitUntilStarted()
                let target = started + Int.random(in: 1...max(1, cleanRequests / 8), using: &generator)
                if ready, try await p.waitForRequests(target, on: h.fake) {
                    // Held, the fake cannot let it finish between the check and the kill.
                    h.fake.holdAnswers()
                    if p.process.isRunning {
                        p.signal(SIGKILL)
                        kills += 1
                    }
                }
                _ = try await p.wait()
                h.fake.releaseAnswers()
            }
            let last = try await CLIProcess.run(args("killed"), environment: Self.env)
            #expect(last.status == 0, "\(last.stderr)")
            #expect(kills == 6, "a run finished before its kill (\(cleanRequests) requests in a clean run)")
            var compared = 0
            for sql in FaultToleranceTests.comparisons {
                let a = try await h.query(sql, warehouse: "killed")
                let b = try await h.query(sql, warehouse: "clean")
                compared += b.count
                #expect(a == b, "\(sql)")
            }
            let visits = try await h.int("SELECT COUNT(*) FROM visits", warehouse: "killed")
            let distinct = try await h.int("SELECT COUNT(DISTINCT id_visit) FROM visits", warehouse: "killed")
            #expect(visits == distinct)
            #expect(visits > 1000)
            print("kill test (\(kind)): \(kills) processes killed with SIGKILL, \(compared) rows compared, 0 lost, \(visits - distinct) duplicated")
        }
    }

    @Test func sigtermFinishesTheBatchAndExitsNonZero() async throws {
        try await Self.withSettledHarness(days: 30, perDay: 40...80) { h in
            let p = try CLIProcess(Self.syncArguments(h, "term", pageSize: 20), environment: Self.env)
            // After it has said it started, and a few of its requests: mid-way through the visits.
            let before = h.fake.requestCount
            #expect(try await p.waitUntilStarted(), "\(p.stderrSoFar)")
            #expect(try await p.waitForRequests(before + 5, on: h.fake))
            try await p.interrupt(SIGTERM, holding: h.fake)
            let r = try await p.wait()
            #expect(r.status != 0)
            #expect(!r.signalled)
            #expect(r.stderr.contains("SIGTERM"), "\(r.stderr)")
            #expect(r.stderr.contains("run the same command again"), "\(r.stderr)")
            // What was committed is consistent and the next run completes it.
            let again = try await CLIProcess.run(Self.syncArguments(h, "term", pageSize: 20), environment: Self.env)
            #expect(again.status == 0, "\(again.stderr)")
            let clean = try await CLIProcess.run(Self.syncArguments(h, "clean", pageSize: 20), environment: Self.env)
            #expect(clean.status == 0)
            for sql in FaultToleranceTests.comparisons {
                #expect(try await h.query(sql, warehouse: "term") == (try await h.query(sql, warehouse: "clean")), "\(sql)")
            }
        }
    }

    @Test func aSecondSyncOnTheSameWarehouseIsRefused() async throws {
        try await withHarness { h in
            h.fake.generateTraffic(siteId: 1, days: 3, visitsPerDay: 5...10, seed: 3)
            let holder = try SQLiteWarehouse(path: h.warehousePath())
            try await holder.lockForSync()
            await #expect(throws: SyncError.self) { try await h.sync(h.options(backfillDays: 3)) }
            let r = try await CLIProcess.run(Self.syncArguments(h, "w", days: 3), environment: Self.env)
            #expect(r.status == 1)
            #expect(r.stderr.contains("another matomo-sync is already syncing"), "\(r.stderr)")
            await holder.unlockSync()
            try await holder.close()
            let (report, _) = try await h.sync(h.options(backfillDays: 3))
            #expect(report.succeeded)
        }
    }

    @Test func badInputIsRefusedBeforeAnyRequest() async throws {
        try await withHarness { h in
            let url = h.url.absoluteString
            let unreadable = h.folder.appendingPathComponent("missing-token").path
            let cases: [([String], String)] = [
                (["sync", "--url", "ftp://\(h.url.host!)", "--site-id", "1"], "scheme 'ftp' is not supported"),
                (["sync", "--url", url, "--site-id", "0"], "positive integer"),
                (["sync", "--url", url, "--site-id", "abc"], "positive integer"),
                (["sync", "--url", url, "--site-id", "1", "--tables", "visits,pageviews"], "unknown table 'pageviews'"),
                (["sync", "--url", url, "--site-id", "1", "--backfill-days=-5"], "--backfill-days"),
                (["sync", "--url", url, "--site-id", "1", "--backfill-days", "999999"], "--backfill-days"),
                (["sync", "--url", url, "--site-id", "1", "--token-file", unreadable], "cannot read the token file"),
                (["sync", "--url", url, "--site-id", "1", "--warehouse", "mysql://x/y"], "unknown warehouse scheme 'mysql'"),
                (["sync", "--url", url, "--site-id", "1", "--page-size", "0"], "--page-size"),
            ]
            for (args, message) in cases {
                let r = try await CLIProcess.run(args, environment: Self.env)
                #expect(r.status != 0, "\(args)")
                #expect(r.stderr.contains(message), "\(args): \(r.stderr)")
                #expect(r.stderr.split(separator: "\n").count == 1, "one line: \(r.stderr)")
            }
            let noToken = try await CLIProcess.run(["sync", "--url", url, "--site-id", "1"])
            #expect(noToken.stderr.contains("MATOMO_TOKEN"))
            #expect(h.fake.requests().isEmpty, "bad input must not reach the server")
        }
    }

    @Test func theTokenNeverShowsInOutput() async throws {
        let secret = "s3cr3t-token-value-that-must-not-leak"
        try await withHarness(configure: { $0.token = secret }) { h in
            h.fake.generateTraffic(siteId: 1, days: 2, visitsPerDay: 5...10, seed: 5)
            let tokenFile = h.folder.appendingPathComponent("token")
            try (secret + "\n").write(to: tokenFile, atomically: true, encoding: .utf8)
            try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: tokenFile.path)
            let ok = try await CLIProcess.run(Self.syncArguments(h, "w", days: 2) + ["--token-file", tokenFile.path])
            #expect(ok.status == 0, "\(ok.stderr)")
            #expect(ok.stderr.contains("readable by other users"))
            let bad = try await CLIProcess.run(Self.syncArguments(h, "w", days: 2), environment: ["MATOMO_TOKEN": secret + "x"])
            #expect(bad.status == 1)
            #expect(bad.stderr.contains("token"))
            let status = try await CLIProcess.run(["status", "--warehouse", "sqlite:" + h.warehousePath()])
            let dump = try await CLIProcess.run(["query", "SELECT * FROM _matomo_sync_state", "--warehouse", "sqlite:" + h.warehousePath(), "--format", "json"])
            for text in [ok.stdout, ok.stderr, bad.stdout, bad.stderr, status.stdout, dump.stdout] {
                #expect(!text.contains(secret))
            }
            let file = try Data(contentsOf: URL(fileURLWithPath: h.warehousePath()))
            #expect(file.range(of: Data(secret.utf8)) == nil)
            for r in h.fake.requests() {
                #expect(r.query["token_auth"] == nil)
                #expect(!r.path.contains(secret))
            }
        }
    }
}

/// The sync lock on the server warehouses that have one.
@Suite(.serialized) struct ServerLockTests {
    @Test(arguments: [WarehouseKind.postgres, .clickhouse, .clickhouseRecent])
    func aSecondSyncIntoTheSameWarehouseIsRefused(_ kind: WarehouseKind) async throws {
        try await withHarness(kind) { h in
            h.fake.generateTraffic(siteId: 1, days: 2, visitsPerDay: 3...5, seed: 3)
            let holder = try h.open()
            try await holder.prepare()
            try await holder.lockForSync()
            do {
                try await h.sync(h.options(backfillDays: 2))
                Issue.record("the second sync should be refused")
            } catch {
                #expect("\(error)".contains("another matomo-sync is already syncing"), "\(error)")
                #expect(!"\(error)".contains("password"))
                #expect(!"\(error)".contains(h.serverURL?.split(separator: "@").first.map(String.init) ?? "-"))
            }
            await holder.unlockSync()
            try await holder.close()
            let (report, _) = try await h.sync(h.options(backfillDays: 2))
            #expect(report.succeeded)
        }
    }

    /// ClickHouse has no session locks: a ticket left by a killed sync must not block the next one.
    @Test(arguments: [WarehouseKind.clickhouse, .clickhouseRecent])
    func aClickHouseLockOfAGoneSyncIsTakenOver(_ kind: WarehouseKind) async throws {
        try await withHarness(kind) { h in
            h.fake.generateTraffic(siteId: 1, days: 2, visitsPerDay: 3...5, seed: 3)
            let w = try h.open()
            try await w.prepare()
            try await w.close()
            // A process of this host that has exited, and a holder elsewhere silent for an hour.
            let exited = Process()
            exited.executableURL = URL(fileURLWithPath: "/bin/true")
            try exited.run()
            exited.waitUntilExit()
            let dead = ProcessIdentity(host: ProcessInfo.processInfo.hostName, pid: exited.processIdentifier, start: "1")
            try await h.clickHouseRun("CREATE TABLE `_matomo_sync_lock_dead` ENGINE = Log AS SELECT \(chString(dead.text)) AS owner, now() AS beat")
            try await h.clickHouseRun("CREATE TABLE `_matomo_sync_lock_silent` ENGINE = Log AS SELECT 'host=elsewhere pid=7 start=9' AS owner, now() - 3600 AS beat")
            let (report, _) = try await h.sync(h.options(backfillDays: 2))
            #expect(report.succeeded)
            #expect(try await h.tableNames().filter { $0.hasPrefix("_matomo_sync_lock_") } == [])
            // A sync whose ticket another one dropped (judged dead) stops at its next commit.
            let holder = try #require(try h.open() as? ClickHouseWarehouse)
            try await holder.lockForSync()
            for name in try await h.tableNames() where name.hasPrefix("_matomo_sync_lock_") {
                try await h.clickHouseRun("DROP TABLE `\(name)`")
            }
            await holder.beat()
            do {
                try await holder.commit(TableWrite(table: "visits", mergeKey: ["_site_id", "id_visit"], declaredColumns: [],
                                                   batch: RowBatch(columns: [Column("_site_id", .integer), Column("id_visit", .integer)], rows: [[.int(1), .int(99)]]),
                                                   replace: .byKey, stateKey: StateKey(instance: "x", siteId: 1, table: .visits), state: TableState()))
                Issue.record("a sync that lost its lock should stop")
            } catch {
                #expect("\(error)".contains("lost its lock"), "\(error)")
            }
            await holder.unlockSync()
            try await holder.close()
            // A holder elsewhere that beat a minute ago is live.
            try await h.clickHouseRun("CREATE TABLE `_matomo_sync_lock_live` ENGINE = Log AS SELECT 'host=elsewhere pid=7 start=9' AS owner, now() - 60 AS beat")
            do {
                try await h.sync(h.options(backfillDays: 2))
                Issue.record("a live lock elsewhere should refuse the sync")
            } catch {
                #expect("\(error)".contains("another matomo-sync is already syncing"), "\(error)")
                #expect("\(error)".contains("host=elsewhere pid=7"), "\(error)")
            }
        }
    }
}

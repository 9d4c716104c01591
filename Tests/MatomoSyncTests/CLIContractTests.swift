import Foundation
import MatomoAPI
import MatomoFake
import Testing
@testable import MatomoSync

/// What a user and a scheduler rely on from the binary: failures that show in `status`, exit
/// statuses, flags that apply or are refused, read-only reading, and the small conveniences.
@Suite(.serialized) struct CLIContractTests {
    static var env: [String: String] { ["MATOMO_TOKEN": SyncHarness.token] }

    /// Three small days of traffic on the real clock, for `body`.
    static func withSmall<T>(_ body: (SyncHarness) async throws -> T) async throws -> T {
        try await withHarness(now: Date()) { h in
            h.fake.generateTraffic(siteId: 1, days: 3, visitsPerDay: 5...10, seed: 11)
            return try await body(h)
        }
    }

    static func syncArguments(_ h: SyncHarness, _ name: String = "w", site: String = "1", url: String? = nil) -> [String] {
        ["sync", "--url", url ?? h.url.absoluteString, "--site-id", site, "--warehouse", "sqlite:" + h.warehousePath(name),
         "--backfill-days", "3", "--max-attempts", "1"]
    }

    static func configFile(_ h: SyncHarness, extra: String = "") throws -> String {
        let path = h.folder.appendingPathComponent("matomo-sync.toml").path
        try """
            warehouse = "sqlite:\(h.warehousePath())"

            [[source]]
            url = "\(h.url.absoluteString)"
            sites = [1]
            token_env = "MATOMO_TOKEN"
            backfill_days = 3
            every = "1h"
            \(extra)
            [source.tables]
            referrers = false
            """.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static func files(_ h: SyncHarness) throws -> Set<String> {
        Set(try FileManager.default.contentsOfDirectory(atPath: h.folder.path))
    }

    // MARK: Errors and status

    /// A run that cannot start (token refused, no such site, Matomo unreachable) is recorded on every
    /// table it stopped, so `status` shows it and a cron job cannot fail silently.
    @Test func aRunLevelFailureShowsInStatusForEveryTable() async throws {
        try await Self.withSmall { h in
            let ok = try await CLIProcess.run(Self.syncArguments(h), environment: Self.env)
            #expect(ok.status == 0, "\(ok.stderr)")

            let badToken = try await CLIProcess.run(Self.syncArguments(h), environment: ["MATOMO_TOKEN": "wrong-token-0123456789"])
            #expect(badToken.status == 1)
            var statuses = try await h.status()
            #expect(statuses.count == TableName.allCases.count)
            #expect(statuses.allSatisfy { ($0.state.lastError ?? "").contains("token") && $0.state.failures == 1 }, "\(statuses.map(\.state))")
            // A list fetched whole (goals) keeps no cursor.
            #expect(statuses.filter { $0.table != "goals" }.allSatisfy { $0.state.lastSuccessAt != nil && $0.state.cursor != nil }, "the committed cursor stays")
            let shown = try await CLIProcess.run(["status", "--warehouse", "sqlite:" + h.warehousePath()])
            #expect(shown.status == 0)
            #expect(shown.stdout.contains("the last run of \(TableName.allCases.count) of \(TableName.allCases.count) tables failed"), "\(shown.stdout)")
            // With --site-id all the refusal comes when listing the sites: the tables synced before record it.
            let allSites = try await CLIProcess.run(Self.syncArguments(h, site: "all"), environment: ["MATOMO_TOKEN": "wrong-token-0123456789"])
            #expect(allSites.status == 1)
            statuses = try await h.status()
            #expect(statuses.allSatisfy { ($0.state.lastError ?? "").contains("token") && $0.state.failures == 2 }, "\(statuses.map(\.state))")

            // A site the token cannot see, and a Matomo that does not answer, on a fresh warehouse.
            let noSite = try await CLIProcess.run(Self.syncArguments(h, "nosite", site: "99"), environment: Self.env)
            #expect(noSite.status == 1)
            statuses = try await h.status(warehouse: "nosite")
            #expect(statuses.count == TableName.allCases.count && statuses.allSatisfy { $0.state.lastError != nil && $0.siteId == 99 }, "\(statuses.map(\.state))")
            let down = try await CLIProcess.run(Self.syncArguments(h, "down", url: "http://127.0.0.1:9") + ["--connect-timeout", "2"], environment: Self.env)
            #expect(down.status == 1)
            statuses = try await h.status(warehouse: "down")
            #expect(statuses.count == TableName.allCases.count && statuses.allSatisfy { $0.state.lastError != nil }, "\(statuses.map(\.state))")

            // The same through a config file, and a later success clears it.
            h.fake.generateTraffic(siteId: 1, days: 1, visitsPerDay: 1...2, seed: 12)
            let config = try Self.configFile(h)
            let failed = try await CLIProcess.run(["sync", "--config", config, "--all"], environment: ["MATOMO_TOKEN": "wrong-token-0123456789"])
            #expect(failed.status == 1)
            statuses = try await h.status()
            #expect(statuses.filter { $0.table != "referrers" }.allSatisfy { $0.state.failures == 3 }, "\(statuses.map(\.state))")
            let fixed = try await CLIProcess.run(["sync", "--config", config, "--all"], environment: Self.env)
            #expect(fixed.status == 0, "\(fixed.stderr)")
            statuses = try await h.status()
            #expect(statuses.filter { $0.table != "referrers" }.allSatisfy { $0.state.lastError == nil && $0.state.failures == 0 })
        }
    }

    static let refusedSQL = ["SELECT 1; DROP TABLE visits", "DROP TABLE visits", "DELETE FROM visits",
                             "INSERT INTO visits (_site_id, id_visit) VALUES (1, 424242)"]

    @Test(arguments: [WarehouseKind.sqlite, .postgres, .clickhouse, .clickhouseRecent])
    func queryRunsOneReadOnlyStatement(_ kind: WarehouseKind) async throws {
        try await withHarness(kind) { h in
            h.fake.generateTraffic(siteId: 1, days: 3, visitsPerDay: 5...10, seed: 11)
            try await h.sync(h.options([.visits], backfillDays: 3))
            let before = try await h.int("SELECT COUNT(*) FROM visits")
            #expect(before > 0)
            for sql in Self.refusedSQL {
                do {
                    _ = try await h.query(sql)
                    Issue.record("\(kind): \(sql) should be refused")
                } catch {
                    let text = "\(error)"
                    #expect(text.hasPrefix("query runs one read-only statement; this "), "\(kind): \(sql): \(text)")
                    #expect(!text.contains("Database.execute") && !text.contains("SQLSTATE") && !text.contains("Code:"), "\(text)")
                }
            }
            #expect(try await h.int("SELECT COUNT(*) FROM visits") == before)
            if kind == .sqlite {
                let r = try await CLIProcess.run(["query", "SELECT 1; DROP TABLE visits", "--warehouse", h.warehouseURL()])
                #expect(r.status == 1)
                #expect(r.stderr == "error: query runs one read-only statement; this SQL has several\n", "\(r.stderr)")
            }
        }
    }

    @Test func aRefusedPostgresConnectionNamesTheHostAndPort() async throws {
        let r = try await CLIProcess.run(["status", "--warehouse", "postgres://someone:secret@127.0.0.1:9/analytics"])
        #expect(r.status == 1)
        #expect(r.stderr.contains("cannot reach postgres://someone:***@127.0.0.1:9/analytics: connection refused; check the host and port of --warehouse"), "\(r.stderr)")
        #expect(!r.stderr.contains("NIO") && !r.stderr.contains("secret") && !r.stderr.contains("connectionError"), "\(r.stderr)")
        #expect(r.stderr.split(separator: "\n").count == 1)
    }

    // MARK: Exit statuses

    @Test func exitStatusesAreZeroOneAndSixtyFour() async throws {
        try await Self.withSmall { h in
            let usage: [[String]] = [["sync", "--no-such-flag"], ["status", "--format", "xml"], ["no-such-command"], ["query"]]
            for args in usage {
                let r = try await CLIProcess.run(args)
                #expect(r.status == 64, "\(args): \(r.status) \(r.stderr)")
            }
            let failures: [[String]] = [["sync", "--url", h.url.absoluteString, "--site-id", "0"],
                                        ["status", "--warehouse", "sqlite:" + h.warehousePath("missing")]]
            for args in failures {
                let r = try await CLIProcess.run(args, environment: Self.env)
                #expect(r.status == 1, "\(args): \(r.status) \(r.stderr)")
            }
            #expect(try await CLIProcess.run(Self.syncArguments(h), environment: Self.env).status == 0)
            #expect(try await CLIProcess.run(["status", "--warehouse", "sqlite:" + h.warehousePath()]).status == 0)
        }
    }

    // MARK: Flags with --config

    @Test func flagsWithAConfigAreAppliedOrRefused() async throws {
        try await Self.withSmall { h in
            let config = try Self.configFile(h)
            let first = try await CLIProcess.run(["sync", "--config", config], environment: Self.env)
            #expect(first.status == 0, "\(first.stderr)")
            #expect(first.stderr.contains("synced \(TableName.allCases.count - 1)/\(TableName.allCases.count - 1) tables"), "\(first.stderr)")

            // Nothing is due now: said plainly.
            let idle = try await CLIProcess.run(["sync", "--config", config], environment: Self.env)
            #expect(idle.status == 0)
            #expect(idle.stderr.contains("nothing was due in \(config)"), "\(idle.stderr)")
            #expect(!idle.stderr.contains("synced 0/0"))

            // A full refresh named on the command line runs now, due or not, and only the tables named.
            let refresh = try await CLIProcess.run(["sync", "--config", config, "--tables", "visits", "--full-refresh", "--log-format", "json"], environment: Self.env)
            #expect(refresh.status == 0, "\(refresh.stderr)")
            let runs = SchedulerProcessTests.jsonLines(refresh.stderr).filter { $0["table"] != nil }
            #expect(runs.map { $0["table"] as? String } == ["visits"], "\(refresh.stderr)")
            #expect(runs.first?["full_refresh"] as? Bool == true)
            #expect(refresh.stderr.contains("synced 1/1 table,"), "\(refresh.stderr)")

            // --page-size reaches the Live API requests.
            let before = h.fake.requests().count
            let paged = try await CLIProcess.run(["sync", "--config", config, "--all", "--tables", "visits", "--page-size", "7"], environment: Self.env)
            #expect(paged.status == 0, "\(paged.stderr)")
            let live = h.fake.requests().dropFirst(before).filter { $0.apiMethod == "Live.getLastVisitsDetails" }
            #expect(!live.isEmpty && live.allSatisfy { $0.query["filter_limit"] == "7" }, "\(live.map(\.query))")

            // Refused, with the reason, before any request. A page the last run fetched ahead and dropped
            // as it ended may still reach the fake after the run: counted once it has landed.
            var refusedBefore = h.fake.requests().count
            repeat {
                refusedBefore = h.fake.requests().count
                try await Task.sleep(for: .milliseconds(300))
            } while h.fake.requests().count != refusedBefore
            let refused: [([String], String)] = [
                (["--table-prefix", "shop_"], "--table-prefix does not apply with --config"),
                (["--tables", "referrers"], "none of these tables is enabled"),
                (["--page-size", "0"], "--page-size must be between"),
            ]
            for (flags, message) in refused {
                let r = try await CLIProcess.run(["sync", "--config", config] + flags, environment: Self.env)
                #expect(r.status == 1, "\(flags)")
                #expect(r.stderr.contains(message), "\(flags): \(r.stderr)")
            }
            #expect(h.fake.requests().count == refusedBefore, "\(h.fake.requests().dropFirst(refusedBefore).map { ($0.apiMethod, $0.query) })")
        }
    }

    @Test func tablePrefixesAreLowercaseLettersDigitsAndUnderscores() async throws {
        try await Self.withSmall { h in
            for prefix in ["Shop-", "shop-", "SHOP_", "a b", "ü_"] {
                let r = try await CLIProcess.run(Self.syncArguments(h) + ["--table-prefix", prefix], environment: Self.env)
                #expect(r.status == 1, "\(prefix)")
                #expect(r.stderr.contains("[a-z0-9_]"), "\(prefix): \(r.stderr)")
            }
            #expect(h.fake.requests().isEmpty)
            let help = try await CLIProcess.run(["sync", "--help"])
            #expect(help.stdout.contains("[a-z0-9_]"), "\(help.stdout)")
            let config = try Self.configFile(h, extra: "table_prefix = \"Shop-\"\n")
            let r = try await CLIProcess.run(["sync", "--config", config], environment: Self.env)
            #expect(r.status == 1)
            #expect(r.stderr.contains("table_prefix") && r.stderr.contains("[a-z0-9_]"), "\(r.stderr)")
            let fine = try await CLIProcess.run(Self.syncArguments(h) + ["--table-prefix", "shop_2026_"], environment: Self.env)
            #expect(fine.status == 0, "\(fine.stderr)")
            #expect(try await h.int("SELECT COUNT(*) FROM shop_2026_visits") > 0)
        }
    }

    // MARK: Read-only reading, the directory, the lock file

    /// After a sync the file rests in rollback-journal mode and the lock file is gone; `status` and
    /// `query` open it read-only and leave nothing beside it (a `-shm` made by root would lock the
    /// sync's user out).
    @Test func readingCommandsCreateNothingBesideTheWarehouse() async throws {
        try await Self.withSmall { h in
            let sync = try await CLIProcess.run(Self.syncArguments(h), environment: Self.env)
            #expect(sync.status == 0, "\(sync.stderr)")
            #expect(try Self.files(h) == ["w.sqlite"], "no -wal, -shm or .lock after a sync")
            let url = "sqlite:" + h.warehousePath()
            #expect(try await CLIProcess.run(["status", "--warehouse", url]).status == 0)
            let q = try await CLIProcess.run(["query", "SELECT COUNT(*) AS n FROM visits", "--warehouse", url, "--format", "csv"])
            #expect(q.status == 0, "\(q.stderr)")
            #expect(q.stdout.hasPrefix("n\n"))
            #expect(try Self.files(h) == ["w.sqlite"], "status and query left files beside the warehouse")
            // In process too, through the library's read-only open.
            _ = try await h.status()
            _ = try await h.query("SELECT COUNT(*) FROM visits")
            #expect(try Self.files(h) == ["w.sqlite"])
        }
    }

    /// As an unprivileged user (tests run as root, whom permission bits do not stop): reading a
    /// warehouse in a directory one cannot write works; syncing into it is refused naming the directory.
    @Test func anAnalystWhoCannotWriteTheDirectoryCanReadIt() async throws {
        guard getuid() == 0, FileManager.default.isExecutableFile(atPath: "/usr/sbin/runuser") || FileManager.default.isExecutableFile(atPath: "/sbin/runuser") else {
            Issue.record("needs root and runuser to run a command as nobody")
            return
        }
        let runuser = FileManager.default.isExecutableFile(atPath: "/usr/sbin/runuser") ? "/usr/sbin/runuser" : "/sbin/runuser"
        let binary = try #require(CLIProcess.binary)
        try await Self.withSmall { h in
            let sync = try await CLIProcess.run(Self.syncArguments(h), environment: Self.env)
            #expect(sync.status == 0, "\(sync.stderr)")
            // Root's directory and file: nobody may read, not write.
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: h.folder.path)
            try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: h.warehousePath())
            let url = "sqlite:" + h.warehousePath()
            func asNobody(_ args: [String]) async throws -> CLIProcess.Result {
                let p = Process()
                p.executableURL = URL(fileURLWithPath: runuser)
                p.arguments = ["-u", "nobody", "--", binary.path] + args
                p.currentDirectoryURL = URL(fileURLWithPath: "/")
                let out = h.folder.deletingLastPathComponent().appendingPathComponent("nobody-\(UUID().uuidString)")
                _ = FileManager.default.createFile(atPath: out.path, contents: nil)
                defer { try? FileManager.default.removeItem(at: out) }
                p.standardOutput = try FileHandle(forWritingTo: out)
                p.standardError = try FileHandle(forWritingTo: out)
                var env = ProcessInfo.processInfo.environment
                env["MATOMO_TOKEN"] = SyncHarness.token
                p.environment = env
                try p.run()
                while p.isRunning { try await Task.sleep(for: .milliseconds(10)) }
                let text = String(decoding: (try? Data(contentsOf: out)) ?? Data(), as: UTF8.self)
                return CLIProcess.Result(status: p.terminationStatus, stdout: text, stderr: text, signalled: false)
            }
            let status = try await asNobody(["status", "--warehouse", url])
            #expect(status.status == 0, "\(status.stdout)")
            #expect(status.stdout.contains("visits_summary"), "\(status.stdout)")
            let query = try await asNobody(["query", "SELECT COUNT(*) AS n FROM visits", "--warehouse", url, "--format", "csv"])
            #expect(query.status == 0, "\(query.stdout)")
            #expect(query.stdout.hasPrefix("n\n"), "\(query.stdout)")
            let write = try await asNobody(Self.syncArguments(h))
            #expect(write.status == 1)
            #expect(write.stdout.contains("cannot write in the directory \(h.folder.path)"), "\(write.stdout)")
            #expect(try Self.files(h) == ["w.sqlite"])
        }
    }

    /// The lock file goes with the sync that held it; a sync refused by a live holder leaves it be.
    @Test func theLockFileIsRemovedOnlyByItsHolder() async throws {
        try await Self.withSmall { h in
            let holder = try SQLiteWarehouse(path: h.warehousePath())
            try await holder.lockForSync()
            #expect(try Self.files(h).contains("w.sqlite.lock"))
            let refused = try await CLIProcess.run(Self.syncArguments(h), environment: Self.env)
            #expect(refused.status == 1)
            #expect(refused.stderr.contains("another matomo-sync is already syncing"), "\(refused.stderr)")
            #expect(try Self.files(h).contains("w.sqlite.lock"), "the refused sync must not remove the holder's lock")
            let again = try await CLIProcess.run(Self.syncArguments(h), environment: Self.env)
            #expect(again.status == 1, "the holder still holds it")
            await holder.unlockSync()
            try await holder.close()
            #expect(try !Self.files(h).contains("w.sqlite.lock"))
            let ok = try await CLIProcess.run(Self.syncArguments(h), environment: Self.env)
            #expect(ok.status == 0, "\(ok.stderr)")
            #expect(try !Self.files(h).contains("w.sqlite.lock"))
        }
    }

    // MARK: Conveniences

    @Test func versionStatusJSONStatusConfigAndCompletion() async throws {
        try await Self.withSmall { h in
            let version = try await CLIProcess.run(["--version"])
            #expect(version.status == 0)
            #expect(version.stdout == MatomoSyncVersion.current + "\n")
            #expect(ClientConfiguration().userAgent == "matomo-sync/" + MatomoSyncVersion.current)

            let config = try Self.configFile(h)
            #expect(try await CLIProcess.run(["sync", "--config", config], environment: Self.env).status == 0)
            // --config needs no token: only its warehouse line is read.
            let table = try await CLIProcess.run(["status", "--config", config])
            #expect(table.status == 0, "\(table.stderr)")
            #expect(table.stdout.contains("visits_summary"))
            let json = try await CLIProcess.run(["status", "--config", config, "--format", "json"])
            #expect(json.status == 0, "\(json.stderr)")
            let objects = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]])
            #expect(objects.count == TableName.allCases.count - 1)
            let visits = try #require(objects.first { $0["table"] as? String == "visits" })
            #expect(visits["site_id"] as? Int == 1)
            #expect(visits["kind"] as? String == "visit_log")
            #expect(objects.first { $0["table"] as? String == "goals" }?["kind"] as? String == "whole_list")
            #expect((visits["rows"] as? Int ?? 0) > 0)
            #expect(visits["last_error"] is NSNull)
            #expect(visits["last_success_at"] is String && visits["next_run_at"] is String)

            let bash = try await CLIProcess.run(["--generate-completion-script", "bash"])
            #expect(bash.status == 0)
            #expect(bash.stdout.hasPrefix("#!/bin/bash") && bash.stdout.contains("\ncomplete -"), "\(bash.stdout.prefix(300))")
            #expect(bash.stdout.contains("--warehouse"))
        }
    }

    /// `matomo-fake --days --visits-per-day`, as the README documents them.
    @Test func theStandaloneFakeTakesDaysAndTraffic() async throws {
        let binary = try #require(CLIProcess.binary).deletingLastPathComponent().appendingPathComponent("matomo-fake")
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("matomo-fake-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: out.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: out) }
        let p = Process()
        p.executableURL = binary
        p.arguments = ["--days", "4", "--visits-per-day", "10...10", "--seed", "3"]
        p.standardOutput = try FileHandle(forWritingTo: out)
        p.standardError = FileHandle.nullDevice
        try p.run()
        var text = ""
        for _ in 0..<200 where !text.contains("try: curl") {
            try await Task.sleep(for: .milliseconds(50))
            text = String(decoding: (try? Data(contentsOf: out)) ?? Data(), as: UTF8.self)
        }
        p.terminate()
        p.waitUntilExit()
        #expect(text.contains("listening on http://127.0.0.1:"), "\(text)")
        let line = try #require(text.split(separator: "\n").first { $0.hasPrefix("site 1: ") }, "\(text)")
        #expect(line.hasSuffix(" visits over 4 days"), "\(line)")
        let visits = Int(line.dropFirst("site 1: ".count).prefix { $0.isNumber }) ?? 0
        #expect((30...50).contains(visits), "\(line)")
    }

    /// The demo's closing hint is a command that works as printed, from another directory.
    @Test func theDemosClosingHintWorksAsPrinted() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("matomo-sync-demo-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let demo = try await CLIProcess.run(["demo", "--days", "3", "--visits-per-day", "4", "--warehouse", "sqlite:" + folder.appendingPathComponent("demo.sqlite").path])
        #expect(demo.status == 0, "\(demo.stderr)")
        let hint = try #require(demo.stdout.split(separator: "\n").last.map(String.init))
        let prefix = "Try it yourself: "
        #expect(hint.hasPrefix(prefix), "\(hint)")
        let command = String(hint.dropFirst(prefix.count))
        let shell = Process()
        shell.executableURL = URL(fileURLWithPath: "/bin/sh")
        shell.arguments = ["-c", command]
        shell.currentDirectoryURL = URL(fileURLWithPath: "/")
        let out = folder.appendingPathComponent("hint-out")
        _ = FileManager.default.createFile(atPath: out.path, contents: nil)
        shell.standardOutput = try FileHandle(forWritingTo: out)
        shell.standardError = try FileHandle(forWritingTo: out)
        try shell.run()
        while shell.isRunning { try await Task.sleep(for: .milliseconds(10)) }
        let text = String(decoding: try Data(contentsOf: out), as: UTF8.self)
        #expect(shell.terminationStatus == 0, "\(command): \(text)")
        #expect(text.contains("visits_summary"), "\(command): \(text)")
    }
}

/// The server warehouses' check before sending: statements are counted and the first word read past
/// strings, quoted names and comments.
@Suite struct ReadOnlyStatementTests {
    @Test func countsStatementsAndFindsWrites() {
        let allowed = ["SELECT 1", "SELECT 1;", "  SELECT ';' AS semi; -- trailing\n", "SELECT \"a;b\" FROM t /* ; */",
                       "(SELECT 1)", "WITH x AS (SELECT 1) SELECT * FROM x", "SELECT 'it''s; fine'", "SELECT $$;$$",
                       "SELECT 'a\\'; DROP' AS x", "EXPLAIN SELECT 1", "SHOW TABLES", "select `weird;name` from t"]
        for sql in allowed { #expect(ReadOnlyStatement.refusal(sql) == nil, "\(sql)") }
        let several = ["SELECT 1; DROP TABLE visits", "SELECT 1;SELECT 2", "SELECT 1; /* c */ SELECT 2"]
        for sql in several { #expect("\(ReadOnlyStatement.refusal(sql).map { "\($0)" } ?? "")".hasSuffix("this SQL has several"), "\(sql)") }
        let writes = ["DROP TABLE visits", "delete from visits", "  INSERT INTO t VALUES (1)", "-- c\nALTER TABLE t ADD x Int", "TRUNCATE visits"]
        for sql in writes { #expect("\(ReadOnlyStatement.refusal(sql).map { "\($0)" } ?? "")".hasSuffix("this one writes"), "\(sql)") }
        #expect("\(ReadOnlyStatement.refusal(" ; -- nothing").map { "\($0)" } ?? "")".hasSuffix("this SQL has none"))
    }
}

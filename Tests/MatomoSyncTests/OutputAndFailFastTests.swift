import Foundation
import Logging
import MatomoAPI
import MatomoFake
import Synchronization
import Testing
@testable import MatomoSync

/// A closed stdout or stderr never crashes a command; `--log-format json` makes every stderr line a
/// JSON object; failures come fast and say what they are. Through the real binary.
@Suite(.serialized) struct OutputAndFailFastTests {
    static var env: [String: String] { ["MATOMO_TOKEN": SyncHarness.token] }

    static func withSettled<T>(_ kind: WarehouseKind = .sqlite, days: Int = 5, perDay: ClosedRange<Int> = 10...20,
                               _ body: (SyncHarness) async throws -> T) async throws -> T {
        try await ProcessTests.withSettledHarness(days: days, perDay: perDay, kind: kind, body)
    }

    static func source(_ h: SyncHarness) -> [String] { ["--url", h.url.absoluteString, "--site-id", "1"] }

    /// A TCP port on 127.0.0.1 that nothing listens on.
    static func closedPort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) == 0 && getsockname(fd, $0, &len) == 0 }
        }
        guard bound else { throw HarnessError("cannot bind a probe socket") }
        return Int(UInt16(bigEndian: addr.sin_port))
    }

    static func config(_ h: SyncHarness, warehouse: String) throws -> String {
        let path = h.folder.appendingPathComponent("closed-\(warehouse).toml").path
        try """
            warehouse = "\(h.warehouseURL(warehouse))"
            [[source]]
            url = "\(h.url.absoluteString)"
            sites = [1]
            token_env = "MATOMO_TOKEN"
            backfill_days = 5
            every = "1h"
            """.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    // MARK: Closed outputs

    @Test func everyCommandCarriesOnWithItsOutputClosed() async throws {
        try await Self.withSettled() { h in
            let expected = h.fake.visits(siteId: 1).count
            func run(_ arguments: [String]) async throws -> CLIProcess.Result {
                let r = try await CLIProcess.run(arguments, environment: Self.env, closedOutput: true)
                #expect(!r.signalled, "\(arguments.first ?? "") died of a signal (status \(r.status))")
                return r
            }
            for format in ["text", "json"] {
                let name = "sync-\(format)"
                let sync = try await run(["sync"] + Self.source(h) + ["--warehouse", h.warehouseURL(name), "--backfill-days", "5",
                                                                     "--page-size", "20", "--log-format", format])
                #expect(sync.status == 0)
                #expect(try await h.int("SELECT COUNT(*) FROM visits", warehouse: name) == Int64(expected))
                #expect(try await h.int("SELECT COUNT(*) FROM visits_summary", warehouse: name) == 6)
            }
            #expect(try await run(["check"] + Self.source(h)).status == 0)
            #expect(try await run(["status", "--warehouse", h.warehouseURL("sync-text")]).status == 0)
            #expect(try await run(["query", "SELECT * FROM visits", "--warehouse", h.warehouseURL("sync-text")]).status == 0)
            #expect(try await run(["--help"]).status == 0)
            #expect(try await run(["sync", "--help"]).status == 0)
            // A failure still exits 1 with its message lost, not with a crash.
            #expect(try await run(["check", "--url", "http://127.0.0.1:\(try Self.closedPort())", "--site-id", "1"]).status == 1)

            let config = try Self.config(h, warehouse: "config")
            #expect(try await run(["sync", "--config", config, "--all"]).status == 0)
            #expect(try await h.int("SELECT COUNT(*) FROM visits", warehouse: "config") == Int64(expected))

            let demo = try await run(["demo", "--warehouse", h.warehouseURL("demo"), "--days", "2", "--visits-per-day", "4"])
            #expect(demo.status == 0)
            #expect(try await h.int("SELECT COUNT(*) FROM visits", warehouse: "demo") > 0)

            // The scheduler: its first pass lands, then SIGTERM's notice meets the closed stderr.
            let scheduled = try CLIProcess(["run", "--config", try Self.config(h, warehouse: "run")], environment: Self.env, closedOutput: true)
            let deadline = ContinuousClock.now + .seconds(300)
            while ContinuousClock.now < deadline, scheduled.process.isRunning,
                  (try? await h.status(warehouse: "run"))?.filter({ $0.state.lastSuccessAt != nil }).count ?? 0 < 5 {
                try await Task.sleep(for: .milliseconds(100))
            }
            scheduled.signal(SIGTERM)
            let ran = try await scheduled.wait()
            #expect(!ran.signalled && ran.status == 0, "run: status \(ran.status)")
            #expect(try await h.int("SELECT COUNT(*) FROM visits", warehouse: "run") == Int64(expected))
        }
    }

    // MARK: JSON logs

    /// Every line of stderr parses as one JSON object (and there is at least one).
    static func jsonLines(_ stderr: String, sourceLocation: SourceLocation = #_sourceLocation) -> [[String: Any]] {
        let lines = stderr.split(separator: "\n", omittingEmptySubsequences: true)
        #expect(!lines.isEmpty, "no stderr at all", sourceLocation: sourceLocation)
        return lines.compactMap { line in
            let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            #expect(object != nil, "not a JSON object: \(line)", sourceLocation: sourceLocation)
            return object
        }
    }

    @Test func underLogFormatJSONEveryStderrLineIsAJSONObject() async throws {
        // A failing run: nothing listens.
        let refused = try await CLIProcess.run(["sync", "--url", "http://127.0.0.1:\(try Self.closedPort())", "--site-id", "1",
                                                "--warehouse", "sqlite:" + FileManager.default.temporaryDirectory.appendingPathComponent("j-\(UUID()).sqlite").path,
                                                "--log-format", "json"], environment: Self.env)
        #expect(refused.status == 1)
        let failed = Self.jsonLines(refused.stderr)
        #expect(failed.contains { $0["level"] as? String == "error" && ($0["message"] as? String ?? "").contains("connection refused") })
        #expect(failed.contains { $0["level"] as? String == "warning" && ($0["message"] as? String ?? "").contains("retrying in 0.1 s") })

        // A usage error, and a refused flag.
        let usage = try await CLIProcess.run(["sync", "--log-format", "json", "--page-size", "many"], environment: Self.env)
        #expect(usage.status == 64)
        _ = Self.jsonLines(usage.stderr)

        // A retrying run that then succeeds.
        let served = Mutex(0)
        try await withHarness(now: Date(), configure: { config in
            config.answerOverride = { method, _ in
                guard method == "SitesManager.getSiteFromId" else { return nil }
                let n = served.withLock { $0 += 1; return $0 }
                return n == 1 ? FakeAnswer(status: 503, body: Array("<html><title>Busy</title></html>".utf8), contentType: "text/html") : nil
            }
        }) { h in
            h.fake.generateTraffic(siteId: 1, days: 40, visitsPerDay: 100...150, seed: 5)
            let retried = try await CLIProcess.run(["sync"] + Self.source(h) + ["--warehouse", h.warehouseURL("retry"), "--backfill-days", "3",
                                                                             "--log-format", "json"], environment: Self.env)
            #expect(retried.status == 0, "\(retried.stderr)")
            let lines = Self.jsonLines(retried.stderr)
            #expect(lines.contains { $0["level"] as? String == "warning" && ($0["message"] as? String ?? "").contains("retrying in") })
            #expect(lines.contains { $0["table"] as? String == "visits" && $0["status"] as? String == "ok" })
            #expect(lines.contains { ($0["message"] as? String ?? "").hasPrefix("synced \(TableName.allCases.count)/\(TableName.allCases.count) tables") })

            // An interrupted run: SIGINT's notice, the interrupted tables and the final error.
            let p = try CLIProcess(["sync"] + Self.source(h) + ["--warehouse", h.warehouseURL("interrupted"), "--backfill-days", "40",
                                                            "--page-size", "10", "--concurrency", "1", "--log-format", "json"], environment: Self.env)
            let before = h.fake.requestCount
            #expect(try await p.waitUntilStarted(), "\(p.stderrSoFar)")
            #expect(try await p.waitForRequests(before + 10, on: h.fake))
            try await p.interrupt(SIGINT, holding: h.fake)
            let interrupted = try await p.wait()
            #expect(interrupted.status == 1)
            let stopped = Self.jsonLines(interrupted.stderr)
            #expect(stopped.contains { ($0["message"] as? String ?? "").hasPrefix("SIGINT: finishing the batch in hand") })
            #expect(stopped.contains { $0["level"] as? String == "error" })
        }
    }

    // MARK: Failing fast

    /// Records what a client logs.
    final class Captured: Sendable {
        let lines = Mutex<[String]>([])
        var logger: Logger {
            Logger(label: "test") { _ in CapturingHandler(sink: self) }
        }
    }

    struct CapturingHandler: LogHandler {
        let sink: Captured
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .info
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(event: LogEvent) {
            sink.lines.withLock { $0.append("\(event.level): \(event.message)") }
        }
    }

    static func failure(_ url: String, log: Captured) async throws -> (String, Duration) {
        // The defaults a user gets: 5 attempts, a 10 s connect timeout.
        let client = try MatomoClient(instance: try InstanceURL(parsing: url), token: try APIToken("t0ken-value"), logger: log.logger)
        let started = ContinuousClock.now
        var message = ""
        do {
            _ = try await client.matomoVersion()
        } catch {
            message = "\(error)"
        }
        let elapsed = ContinuousClock.now - started
        await client.shutdown()
        return (message, elapsed)
    }

    @Test func aRefusedConnectionFailsWithinSeconds() async throws {
        let log = Captured()
        let (message, elapsed) = try await Self.failure("http://127.0.0.1:\(try Self.closedPort())", log: log)
        #expect(message.contains("connection refused"), "\(message)")
        #expect(elapsed < .seconds(5), "took \(elapsed)")
        let warnings = log.lines.withLock { $0 }
        #expect(warnings.count == 4, "\(warnings)")
        #expect(warnings.first?.contains("retrying in 0.1 s (attempt 2 of 5)") == true, "\(warnings)")
        #expect(warnings.last?.contains("retrying in 0.8 s (attempt 5 of 5)") == true, "\(warnings)")
    }

    @Test func aHostThatDoesNotResolveIsNotRetried() async throws {
        let log = Captured()
        let (message, elapsed) = try await Self.failure("http://matomo-sync-test.invalid", log: log)
        #expect(message.contains("does not resolve"), "\(message)")
        #expect(log.lines.withLock { $0 } == [])
        #expect(elapsed < .seconds(5), "took \(elapsed)")
    }

    /// The server dies after the visits have started landing: the run ends in seconds, with few
    /// warnings, and the report counts what was committed.
    @Test func aMatomoThatDiesMidSyncFailsFastAndCountsWhatWasCommitted() async throws {
        try await withHarness { h in
            h.fake.generateTraffic(siteId: 1, days: 10, visitsPerDay: 40...60, seed: 3)
            let log = Captured()
            let fake = h.fake
            let progress = RecordingProgress(cancelAfterCommits: 3, onCancel: { Task { await fake.stop() } })
            let client = try MatomoClient(instance: try InstanceURL(parsing: h.url.absoluteString), token: try APIToken(SyncHarness.token),
                                          logger: log.logger)
            let warehouse = try h.open()
            let started = ContinuousClock.now
            let report = try await SyncEngine(client: client, warehouse: warehouse, siteId: 1,
                                              options: h.options(backfillDays: 10, pageSize: 10), progress: progress).run()
            let elapsed = ContinuousClock.now - started
            await client.shutdown()
            try await warehouse.close()
            #expect(!report.succeeded)
            #expect(elapsed < .seconds(20), "took \(elapsed)")
            let warnings = log.lines.withLock { $0 }
            #expect(warnings.count <= 20, "\(warnings.count) warnings: \(warnings)")
            let visits = report.tables.first { $0.table == .visits }!
            #expect(visits.error != nil)
            #expect(visits.rows > 0)
            #expect(Int64(visits.rows) == (try await h.int("SELECT COUNT(*) FROM visits")))
        }
    }

    @Test func aServerThatIsNotMatomoIsCalledSo() async throws {
        // python3 -m http.server answers POST with 501 and an HTML page.
        let port = try Self.closedPort()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("not-matomo-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let server = Process()
        server.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        server.arguments = ["-m", "http.server", "--bind", "127.0.0.1", String(port)]
        server.currentDirectoryURL = folder
        server.standardOutput = FileHandle.nullDevice
        server.standardError = FileHandle.nullDevice
        try server.run()
        defer { server.terminate(); try? FileManager.default.removeItem(at: folder) }
        let url = "http://127.0.0.1:\(port)"
        for _ in 0..<100 {
            if (try? await CLIProcess.run(["check", "--url", url, "--site-id", "1", "--max-attempts", "1"], environment: Self.env))?
                .stderr.contains("connection refused") == false { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        for command in [["check"], ["sync", "--warehouse", "sqlite:" + folder.appendingPathComponent("w.sqlite").path]] {
            let r = try await CLIProcess.run(command + ["--url", url, "--site-id", "1"], environment: Self.env)
            #expect(r.status == 1)
            #expect(r.stderr.contains("this is not a Matomo API (index.php answered HTTP 501"), "\(command[0]): \(r.stderr)")
        }
        // The same from an in-process server answering 404 with a page.
        try await withHarness(configure: {
            $0.answerOverride = { _, _ in FakeAnswer(status: 404, body: Array("<html><title>Not Found</title></html>".utf8), contentType: "text/html") }
        }) { h in
            let r = try await CLIProcess.run(["check"] + Self.source(h), environment: Self.env)
            #expect(r.stderr.contains("this is not a Matomo API (index.php answered HTTP 404: \"Not Found\")"), "\(r.stderr)")
            #expect(!r.stderr.contains("retrying"))
        }
    }

    @Test func urlTyposAreNamed() async throws {
        try await withHarness { h in
            let port = h.url.port!
            let https = try await CLIProcess.run(["check", "--url", "127.0.0.1:\(port)", "--site-id", "1"], environment: Self.env)
            #expect(https.status == 1)
            #expect(https.stderr.contains("this server speaks plain HTTP: use http://"), "\(https.stderr)")
            #expect(!https.stderr.contains("--ca-file") && !https.stderr.contains("WRONG_VERSION_NUMBER"), "\(https.stderr)")
            let slashes = try await CLIProcess.run(["check", "--url", "http//127.0.0.1:\(port)", "--site-id", "1"], environment: Self.env)
            #expect(slashes.status == 1)
            #expect(slashes.stderr.contains("malformed") && slashes.stderr.contains("http://127.0.0.1:\(port)"), "\(slashes.stderr)")
            #expect(throws: MatomoError.self) { try InstanceURL(parsing: "https:/example.com") }
            #expect(try InstanceURL(parsing: "httpbin.example.com").host == "httpbin.example.com")
        }
    }

    @Test func countsAgreeWithTheirNouns() {
        #expect(counted(1, "day") == "1 day")
        #expect(counted(2, "request") == "2 requests")
        #expect(counted(1_234, "row") == "1,234 rows")
        #expect(counted(0, "table") == "0 tables")
        #expect(roundedSeconds(0.3024084373668252) == "0.3 s")
        #expect(roundedSeconds(2.0) == "2 s")
        #expect(roundedSeconds(1.46) == "1.5 s")
    }
}

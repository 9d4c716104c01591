import Foundation
import MatomoFake
import MatomoSync

// A full backfill of every built-in table, then an incremental run with nothing new, by the built
// `matomo-sync sync` as a child process against the fake Matomo (latency + rows × cost per answer);
// then the same backfill with the baseline strategy (one request per table and day, one at a time).
//
//   swift run -c release matomo-bench [--visits 100000] [--days 365] [--latency-ms 50] [--row-cost-ms 0.4]
//                                     [--concurrency 4] [--page-size 1000] [--no-baseline] [--keep]
//                                     [--warehouse postgres://user:pw@host:5432/db | clickhouse://user:pw@host:8123/db]

if CommandLine.arguments.dropFirst().first == "--measure-child" {
    ChildRun.measureMain(Array(CommandLine.arguments.dropFirst(2)))
}
let settings = BenchSettings.parse(Array(CommandLine.arguments.dropFirst()))
let binary = try SyncBinary.locate()
let folder = FileManager.default.temporaryDirectory.appendingPathComponent("matomo-bench-\(getpid())")
try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)

let token = "bench-" + UUID().uuidString
let created = Date().addingTimeInterval(-Double(settings.days + 30) * 86400)
let fake = FakeMatomo(configuration: FakeMatomoConfiguration(
    token: token, sites: [FakeSite(id: 1, name: "Busy Shop", timezone: "Europe/Paris", createdAt: created)],
    latency: .microseconds(Int64(settings.latencyMs * 1000)), rowCost: .nanoseconds(Int64(settings.rowCostMs * 1_000_000))))
let perDay = max(1, settings.visits / settings.days)
let clock = ContinuousClock()
let generation = clock.measure {
    fake.generateTraffic(siteId: 1, days: settings.days, visitsPerDay: max(1, perDay / 2)...max(1, perDay * 3 / 2), seed: 2024)
    _ = fake.visits(siteId: 1).count
}
let url = try await fake.start()
say(settings.header(visits: fake.visits(siteId: 1).count, generation: generation, url: url, binary: binary))

/// The warehouse URL of a run called `name`: a SQLite file, or a schema (PostgreSQL) or database
/// (ClickHouse) of its own on the given server.
func warehouseURL(_ name: String) -> String {
    guard let base = settings.warehouse else { return "sqlite:" + folder.appendingPathComponent(name + ".sqlite").path }
    let unique = "bench_\(getpid())_\(name)"
    if base.hasPrefix("clickhouse") {
        let root = base.split(separator: "?", maxSplits: 1)[0]
        let server = root.range(of: "/", options: .backwards).map { String(root[..<$0.lowerBound]) } ?? String(root)
        return server + "/" + unique
    }
    return base + (base.contains("?") ? "&" : "?") + "schema=" + unique
}

func run(_ name: String, warehouse: String, extra: [String]) async throws -> RunResult {
    fake.resetRequests()
    let args = ["sync", "--url", url.absoluteString, "--site-id", "1", "--warehouse", warehouse,
                "--backfill-days", String(settings.days), "--page-size", String(settings.pageSize), "--log-format", "json"] + extra
    let logFile = folder.appendingPathComponent("sync-\(fake.requests().count)-\(UUID().uuidString.prefix(8)).log")
    let cost = try await ChildRun.run(binary, args, environment: ["MATOMO_TOKEN": token], log: logFile.path)
    let log = (try? String(contentsOf: logFile, encoding: .utf8)) ?? ""
    guard cost.status == 0 else {
        throw BenchError("\(name): matomo-sync exited with \(cost.status)\n\(log.suffix(2000))")
    }
    let requests = Dictionary(grouping: fake.requests(), by: \.apiMethod).mapValues(\.count)
    let result = RunResult(name: name, cost: cost, requests: requests, visits: try await storedVisits(warehouse),
                           tables: TableLine.parse(log))
    say(result.describe())
    return result
}

func storedVisits(_ warehouse: String) async throws -> Int {
    let w = try WarehouseURL.openReader(warehouse)
    let rows = try await withCleanup { try await w.query("SELECT COUNT(*) FROM visits").rows } cleanup: { try? await w.close() }
    if case .int(let n)? = rows.first?.first { return Int(n) }
    return 0
}

let concurrency = ["--concurrency", String(settings.concurrency)]
let fast = warehouseURL("segmented")
let backfill = try await run("backfill (segmented, concurrency \(settings.concurrency))", warehouse: fast, extra: concurrency)
let incremental = try await run("incremental, nothing new", warehouse: fast, extra: concurrency)
var baseline: RunResult?
if settings.baseline {
    let slow = warehouseURL("baseline")
    baseline = try await run("backfill (baseline: day by day, sequential)", warehouse: slow, extra: ["--day-by-day", "--concurrency", "1"])
}
say(Summary.table(backfill: backfill, incremental: incremental, baseline: baseline))
await fake.stop()
if !settings.keep { try? FileManager.default.removeItem(at: folder) } else { say("kept \(folder.path)") }

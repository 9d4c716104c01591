import ArgumentParser
import Foundation
import MatomoAPI
import MatomoFake
import MatomoSync

struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Sync a year of traffic from a built-in fake Matomo into demo.sqlite, through the normal code path.")

    @Option(help: "Warehouse URL for the demo: a new (or empty) one, or one an earlier demo made; any other is refused.")
    var warehouse: String = "sqlite:demo.sqlite"

    @Option(help: "Days of fake traffic.")
    var days: Int = 365

    @Option(name: .customLong("visits-per-day"), help: "Average visits a day in the fake traffic.")
    var visitsPerDay: Int = 40

    func run() async throws {
        // First of all: a SIGINT or SIGTERM from now on finishes the batch in hand, never kills mid-way.
        let signals = StopSignals.install()
        try await runReportingErrors {
            guard (1...3650).contains(days), (1...100_000).contains(visitsPerDay) else {
                throw CLIError("--days must be 1...3650 and --visits-per-day 1...100000")
            }
            // Before the fake starts: a warehouse holding someone's data is refused untouched, looked at
            // read-only first (a warehouse that cannot be opened so does not exist yet).
            if let existing = try? WarehouseURL.openReader(warehouse) {
                try await withCleanup {
                    try await DemoMarker.refuseForeign(existing)
                } cleanup: {
                    try? await existing.close()
                }
            }
            let target = try WarehouseURL.open(warehouse)
            try await withCleanup {
                try await DemoMarker.claim(target)
            } cleanup: {
                try? await target.close()
            }
            let token = "demo-" + UUID().uuidString
            let created = Date().addingTimeInterval(-Double(days + 30) * 86400)
            let fake = FakeMatomo(configuration: FakeMatomoConfiguration(
                token: token,
                sites: [FakeSite(id: 1, name: "Demo Shop", timezone: "Europe/Paris", createdAt: created)]))
            fake.generateTraffic(siteId: 1, days: days, visitsPerDay: max(1, visitsPerDay / 2)...(visitsPerDay * 3 / 2), seed: 42)
            let url = try await fake.start()
            defer { Task { await fake.stop() } }
            say("Started a fake Matomo at \(url) with \(counted(fake.visits(siteId: 1).count, "visit")) over \(counted(days, "day")) (site 1, Europe/Paris).")

            var options = SyncOptions()
            options.backfillDays = days
            options.stopRequested = { signals.requested }

            say("\nFirst sync: a \(days)-day backfill of every built-in table (\(TableCatalog.builtIn.helpList)) into \(warehouse)")
            let first = try await sync(url: url, token: token, options: options)
            say("\nSecond sync: incremental, only what is new (and the 3-day trailing window for reports)")
            let second = try await sync(url: url, token: token, options: options)
            await fake.stop()
            guard first && second else { throw ExitCode.failure }

            let store = try WarehouseURL.openReader(warehouse)
            let queries = [
                ("Visits per day, last 7 days", "SELECT _date, nb_visits, nb_actions, bounce_rate FROM visits_summary ORDER BY _date DESC LIMIT 7"),
                // Plain SQL that SQLite, PostgreSQL and ClickHouse all run.
                ("Top referrers", "SELECT label, referer_type, SUM(nb_visits) AS visits FROM referrers GROUP BY label, referer_type ORDER BY visits DESC LIMIT 5"),
                ("Top pages", "SELECT label, SUM(nb_hits) AS pageviews, SUM(nb_visits) AS visits, ROUND(SUM(sum_time_spent) * 1.0 / SUM(nb_hits)) AS avg_seconds FROM pages GROUP BY label ORDER BY pageviews DESC LIMIT 5"),
                ("Events by category (visit_actions, from the visit log)", "SELECT event_category, event_action, COUNT(*) AS events FROM visit_actions WHERE type = 'event' GROUP BY event_category, event_action ORDER BY events DESC LIMIT 5"),
                ("Visits by country (visit log)", "SELECT country, COUNT(*) AS visits, ROUND(AVG(visit_duration)) AS avg_seconds FROM visits GROUP BY country ORDER BY visits DESC LIMIT 5"),
            ]
            for (title, sql) in queries {
                say("\n\(title):\n$ matomo-sync query \"\(sql)\" --warehouse \(warehouse)")
                say(TableFormatter.render(try await store.query(sql), as: .table))
            }
            try? await store.close()
            say("\nTry it yourself: \(shellWord(selfCommand())) status --warehouse \(shellWord(absoluteWarehouse(warehouse)))")
        }
    }

    private func sync(url: URL, token: String, options: SyncOptions) async throws -> Bool {
        var config = ClientConfiguration()
        config.maxAttempts = 2
        let plan = SyncPlan(sources: [SyncPlan.Source(
            instance: try InstanceURL(parsing: url.absoluteString), token: try APIToken(token), sites: .ids([1]),
            tables: options.tables.map { SyncPlan.PlannedTable($0) }, options: options, grouping: .perSite)])
        let store = try WarehouseURL.open(warehouse)
        let printer = ProgressPrinter(quiet: false)
        let service: SyncService
        do {
            service = try SyncService(plan: plan, warehouse: store, clientConfiguration: config, progress: printer,
                                      maxConcurrentRuns: 1, stopRequested: options.stopRequested)
        } catch {
            try? await store.close()
            throw error
        }
        let reports = try await withCleanup {
            try await service.runOnce(all: true)
        } cleanup: {
            await service.shutdown()
            try? await store.close()
        }
        let report = SyncReport(tables: reports)
        printer.finish(report, requests: service.requestTotal, warehouse: store.displayName)
        return report.succeeded
    }
}

/// Writes to stdout at once (not through stdio's buffer), so the demo's headings stay in order with
/// the progress lines on stderr even when both go to a pipe.
private func say(_ text: String) {
    Console.out(text + "\n")
}

/// How to run this very binary again from any directory: its name when the shell found it on PATH,
/// else its absolute path (`swift run` leaves it deep in .build).
func selfCommand() -> String {
    let invoked = CommandLine.arguments[0]
    guard invoked.contains("/") else { return invoked }
    return URL(fileURLWithPath: invoked).standardizedFileURL.path
}

/// A SQLite warehouse URL with an absolute path, so a printed command works after `cd`.
func absoluteWarehouse(_ url: String) -> String {
    guard url.hasPrefix("sqlite:") else { return url }
    var path = String(url.dropFirst("sqlite:".count))
    if path.hasPrefix("//") { path.removeFirst(2) }
    return "sqlite:" + URL(fileURLWithPath: path).standardizedFileURL.path
}

/// A word the shell reads back as is: quoted when it holds anything but plain path characters.
func shellWord(_ s: String) -> String {
    let plain = s.unicodeScalars.allSatisfy { CharacterSet.alphanumerics.contains($0) || "/._-:+=@%,".unicodeScalars.contains($0) }
    return plain && !s.isEmpty ? s : "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'"
}

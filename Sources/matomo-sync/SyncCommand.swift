import ArgumentParser
import Foundation
import MatomoAPI
import MatomoSync

struct SyncCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sync",
        abstract: "Sync tables from Matomo into the warehouse (a backfill first, then incremental runs).",
        discussion: """
            With --config, one pass over every table of the file that is due (--all: every table), for cron and CI jobs; flags given on the command line override the file's warehouse.
            """)

    @OptionGroup var source: SourceOptions
    @OptionGroup var store: WarehouseOptions
    @OptionGroup var output: OutputOptions

    @Option(help: "Config file (TOML); see the README's \"Run on a schedule\".")
    var config: String?

    @Flag(help: "With --config: every table, due or not.")
    var all = false

    @Option(help: ArgumentHelp("Comma-separated tables: \(TableCatalog.builtIn.helpList) (default: all; see `matomo-sync tables`)."))
    var tables: String?

    @Flag(name: .customLong("full-refresh"), help: "Reload the backfill window; the old rows stay until the new ones are complete.")
    var fullRefresh = false

    @Option(name: .customLong("backfill-days"), help: "How many days the first sync (or a full refresh) reaches back (default: 365).")
    var backfillDays: Int?

    @Option(name: .customLong("page-size"), help: "Visits per Live API request.")
    var pageSize: Int = 1000

    @Option(name: .customLong("table-prefix"), help: "Prepended to table names, e.g. shop_ for shop_visits.")
    var tablePrefix: String = ""

    @Flag(name: .customLong("day-by-day"),
          help: ArgumentHelp("One request per table and per day, one at a time (the benchmark's baseline).", visibility: .hidden))
    var dayByDay = false

    func run() async throws {
        try await runReportingErrors {
            if let config {
                try await syncConfig(path: config)
                return
            }
            var options = SyncOptions()
            options.tables = try tables.map(TableName.parseList) ?? TableName.allCases
            options.fullRefresh = fullRefresh
            options.backfillDays = backfillDays ?? 365
            options.pageSize = pageSize
            options.tablePrefix = tablePrefix
            if dayByDay {
                options.strategy = .dayByDay
                options.rangeDays = 1
                options.bulkDays = 1
            }
            try options.validate()
            let (client, sites) = try source.makeClient()
            let warehouse: any Warehouse
            do {
                warehouse = try WarehouseURL.open(store.url())
            } catch {
                await client.shutdown()
                throw error
            }
            let signals = StopSignals()
            options.stopRequested = { signals.requested }
            let printer = output.printer()
            let reports = try await withCleanup {
                let ids: [Int]
                switch sites {
                case .ids(let list): ids = list
                case .all: ids = try await client.viewableSiteIds()
                }
                var reports: [TableReport] = []
                for id in ids {
                    let engine = SyncEngine(client: client, warehouse: warehouse, siteId: id, options: options, progress: printer)
                    reports += try await engine.run().tables
                }
                return reports
            } cleanup: {
                await client.shutdown()
                try? await warehouse.close()
            }
            try finish(printer, reports, requests: client.requestTotal, warehouse: warehouse.displayName)
        }
    }

    private func syncConfig(path: String) async throws {
        guard source.url == nil, source.siteId == nil, source.tokenFile == nil else {
            throw CLIError("--config names the sources; leave out --url, --site-id and --token-file, or leave out --config")
        }
        var file = try ConfigLoader.load(path: path)
        // Flags override the file for this pass.
        let only = try tables.map(TableName.parseList)
        if let backfillDays {
            guard (0...SyncOptions.maxBackfillDays).contains(backfillDays) else {
                throw CLIError("--backfill-days must be between 0 and \(SyncOptions.maxBackfillDays), got \(backfillDays)")
            }
        }
        for i in file.sources.indices {
            if let only { file.sources[i].tables = file.sources[i].tables.filter { only.contains($0.key) } }
            if let backfillDays { file.sources[i].backfillDays = backfillDays }
            if fullRefresh {
                for key in file.sources[i].tables.keys { file.sources[i].tables[key]?.method = .fullRefresh }
            }
        }
        let warehouse = try WarehouseURL.open(store.url(config: file.warehouse))
        let signals = StopSignals()
        let printer = output.printer()
        let runner = try ScheduledRunner(config: file, warehouse: warehouse, clientConfiguration: try source.connection.clientConfiguration(),
                                         progress: printer, stopRequested: { signals.requested })
        let reports = try await withCleanup {
            try await runner.runOnce(all: all)
        } cleanup: {
            await runner.shutdown()
            try? await warehouse.close()
        }
        try finish(printer, reports, requests: nil, warehouse: warehouse.displayName)
    }

    private func finish(_ printer: ProgressPrinter, _ reports: [TableReport], requests: Int?, warehouse: String) throws {
        let report = SyncReport(tables: reports)
        printer.finish(report, requests: requests ?? reports.reduce(0) { $0 + $1.requests }, warehouse: warehouse)
        if !report.succeeded {
            let failed = report.tables.filter { !$0.succeeded }
            let names = failed.map { "\($0.physicalTable) (site \($0.siteId))" }.joined(separator: ", ")
            printError("error: \(failed.count) of \(report.tables.count) tables failed: \(names); the reasons are above, committed rows are kept and the next run resumes")
            throw ExitCode.failure
        }
    }
}

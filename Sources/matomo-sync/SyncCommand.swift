import ArgumentParser
import Foundation
import MatomoAPI
import MatomoSync

struct SyncCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sync",
        abstract: "Sync tables from Matomo into the warehouse (a backfill first, then incremental runs).",
        discussion: """
            With --config, one pass over every table of the file that is due (--all: every table), for cron and CI jobs. There --warehouse, --tables, --backfill-days, --page-size and the connection flags override the file; --full-refresh reloads the tables named (all by default) now, due or not; --url, --site-id, --token-file and --table-prefix belong in the file and are refused.
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

    @Flag(name: .customLong("full-refresh"),
          help: "Reload the backfill window; its new rows replace the window's days once complete, older rows stay.")
    var fullRefresh = false

    @Flag(help: "With --full-refresh: once the refresh is complete, also delete the site's rows older than the window.")
    var truncate = false

    @Option(name: .customLong("backfill-days"), help: "How many days the first sync (or a full refresh) reaches back (default: 365).")
    var backfillDays: Int?

    @Option(name: .customLong("page-size"), help: "Visits per Live API request (default: 1000).")
    var pageSize: Int?

    @Option(name: .customLong("table-prefix"), help: "Prepended to table names, e.g. shop_ for shop_visits: lowercase letters, digits and _ only ([a-z0-9_], at most 30).")
    var tablePrefix: String?

    @Flag(name: .customLong("day-by-day"),
          help: ArgumentHelp("One request per table and per day, one at a time (the benchmark's baseline).", visibility: .hidden))
    var dayByDay = false

    @Flag(name: .customLong("sequential-tables"),
          help: ArgumentHelp("One table after another, one report request at a time (the benchmark's before of the overlap).", visibility: .hidden))
    var sequentialTables = false

    func run() async throws {
        // First of all: a SIGINT or SIGTERM from now on finishes the batch in hand, never kills mid-way.
        let signals = StopSignals.install()
        try await runReportingErrors {
            if let config {
                try await syncConfig(path: config, signals: signals)
                return
            }
            var options = SyncOptions()
            options.tables = try tables.map(TableName.parseList) ?? TableName.allCases
            options.fullRefresh = fullRefresh
            options.truncate = truncate
            options.backfillDays = backfillDays ?? 365
            options.pageSize = pageSize ?? options.pageSize
            options.tablePrefix = tablePrefix ?? ""
            options.overlapTables = !sequentialTables && !dayByDay
            if dayByDay {
                options.strategy = .dayByDay
                options.rangeDays = 1
                options.bulkDays = 1
            }
            try options.validate()
            let (instance, token, sites) = try source.parsed()
            let connection = try source.connection.clientConfiguration()
            let method: TablePlan.Method = fullRefresh ? .fullRefresh : .incremental
            let plan = SyncPlan(sources: [SyncPlan.Source(
                instance: instance, token: token, sites: sites,
                tables: options.tables.map { SyncPlan.PlannedTable($0, method: method, truncate: truncate) },
                options: options, grouping: .perSite)])
            let warehouse = try WarehouseURL.open(store.url())
            let printer = output.printer()
            let service: SyncService
            do {
                service = try SyncService(plan: plan, warehouse: warehouse, clientConfiguration: connection, progress: printer,
                                          maxConcurrentRuns: 1, stopRequested: { signals.requested })
            } catch {
                try? await warehouse.close()
                throw error
            }
            printer.line("matomo-sync sync: \(counted(options.tables.count, "table")) of \(sites) from \(instance) into \(warehouse.displayName)")
            let reports = try await withCleanup {
                try await service.runOnce(all: true)
            } cleanup: {
                await service.shutdown()
                try? await warehouse.close()
            }
            try finish(printer, reports, requests: service.requestTotal, warehouse: warehouse.displayName)
        }
    }

    private func syncConfig(path: String, signals: StopSignals) async throws {
        guard source.url == nil, source.siteId == nil, source.tokenFile == nil else {
            throw CLIError("--config names the sources; leave out --url, --site-id and --token-file, or leave out --config")
        }
        // Each flag is applied or refused: none is dropped silently.
        if tablePrefix != nil {
            throw CLIError("--table-prefix does not apply with --config: set table_prefix in the file's [[source]] instead")
        }
        if dayByDay { throw CLIError("--day-by-day does not apply with --config") }
        var file = try ConfigLoader.load(path: path)
        guard !truncate || fullRefresh else {
            throw CLIError("--truncate deletes the rows older than the window and goes with --full-refresh only")
        }
        // Flags override the file for this pass.
        let only = try tables.map(TableName.parseList)
        var checked = SyncOptions()
        checked.backfillDays = backfillDays ?? checked.backfillDays
        checked.pageSize = pageSize ?? checked.pageSize
        try checked.validate()
        if let only, !file.sources.contains(where: { source in only.contains { source.tables[$0] != nil } }) {
            throw CLIError("--tables \(only.map(\.rawValue).joined(separator: ",")): none of these tables is enabled in \(path)")
        }
        for i in file.sources.indices {
            if let only { file.sources[i].tables = file.sources[i].tables.filter { only.contains($0.key) } }
            if let backfillDays { file.sources[i].backfillDays = backfillDays }
            if fullRefresh {
                for key in file.sources[i].tables.keys {
                    file.sources[i].tables[key]?.method = .fullRefresh
                    if truncate { file.sources[i].tables[key]?.truncate = true }
                }
            }
        }
        let warehouse = try WarehouseURL.open(store.url(config: file.warehouse))
        let printer = output.printer()
        let service: SyncService
        do {
            service = try SyncService(plan: try SyncPlan(config: file, pageSize: pageSize), warehouse: warehouse,
                                      clientConfiguration: try source.connection.clientConfiguration(),
                                      progress: printer, stopRequested: { signals.requested })
        } catch {
            try? await warehouse.close()
            throw error
        }
        // A refresh asked for on the command line is due now.
        let reports = try await withCleanup {
            try await service.runOnce(all: all || fullRefresh)
        } cleanup: {
            await service.shutdown()
            try? await warehouse.close()
        }
        guard !reports.isEmpty else {
            printer.line("nothing was due in \(path): every table ran within its interval; `matomo-sync status --config \(path)` shows when each runs next, --all runs them now")
            return
        }
        try finish(printer, reports, requests: nil, warehouse: warehouse.displayName)
    }

    private func finish(_ printer: ProgressPrinter, _ reports: [TableReport], requests: Int?, warehouse: String) throws {
        let report = SyncReport(tables: reports)
        printer.finish(report, requests: requests ?? reports.reduce(0) { $0 + $1.requests }, warehouse: warehouse)
        if !report.succeeded {
            let failed = report.tables.filter { !$0.succeeded }
            let names = failed.map { "\($0.physicalTable) (site \($0.siteId))" }.joined(separator: ", ")
            printError("error: \(failed.count) of \(counted(report.tables.count, "table")) failed: \(names); the reasons are above, committed rows are kept and the next run resumes")
            throw ExitCode.failure
        }
    }
}

import ArgumentParser
import Foundation
import MatomoAPI
import MatomoSync

struct SyncCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sync",
        abstract: "Sync tables from Matomo into the warehouse (a backfill first, then incremental runs).")

    @OptionGroup var source: SourceOptions
    @OptionGroup var store: WarehouseOptions

    @Option(help: "Comma-separated tables: visits, visits_summary, actions_summary, referrers, countries.")
    var tables: String = TableName.allCases.map(\.rawValue).joined(separator: ",")

    @Flag(name: .customLong("full-refresh"), help: "Reload the backfill window; the old rows stay until the new ones are complete.")
    var fullRefresh = false

    @Option(name: .customLong("backfill-days"), help: "How many days the first sync (or a full refresh) reaches back.")
    var backfillDays: Int = 365

    @Option(name: .customLong("page-size"), help: "Visits per Live API request.")
    var pageSize: Int = 1000

    @Flag(help: "Print only errors.")
    var quiet = false

    func run() async throws {
        try await runReportingErrors {
            var options = SyncOptions()
            options.tables = try TableName.parseList(tables)
            options.fullRefresh = fullRefresh
            options.backfillDays = backfillDays
            options.pageSize = pageSize
            try options.validate()
            let (client, siteId) = try source.makeClient()
            defer { Task { await client.shutdown() } }
            let warehouse = try WarehouseURL.open(store.url)
            let printer = ProgressPrinter(quiet: quiet)
            let engine = SyncEngine(client: client, warehouse: warehouse, siteId: siteId, options: options, progress: printer)
            let report: SyncReport
            do {
                report = try await engine.run()
            } catch {
                await client.shutdown()
                try? await warehouse.close()
                throw error
            }
            await client.shutdown()
            try? await warehouse.close()
            printer.finish(report, requests: client.requestTotal, warehouse: warehouse.displayName)
            if !report.succeeded {
                let failed = report.tables.filter { !$0.succeeded }
                for t in failed { printError("error: \(t.table.rawValue): \(t.error ?? "failed")") }
                throw ExitCode.failure
            }
        }
    }
}

import ArgumentParser
import Foundation
import MatomoAPI
import MatomoSync

struct VerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check the warehouse against Matomo day by day, and repair what differs.",
        discussion: """
            For each site and day (site timezone): the stored visits against Matomo's count (VisitsSummary.get) and, where they differ, against the raw log (Live ids only), so a stale Matomo archive is told from a gap in the warehouse; visit_actions against its visits; each report table against a fresh answer (rows, keys, metric sums). Days are checked from --since (or --days before today) to the last complete day, within what the table holds. Prints one line per table, then the differing days. Exit status 0 when everything agrees (or was repaired), 1 when something differs and was not repaired. --repair stores the differing days again through the sync's commit path; a visit Matomo no longer has is reported, never deleted; a stale Matomo archive is reported for Matomo's archiving to fix.
            """)

    @OptionGroup var source: SourceOptions
    @OptionGroup var store: WarehouseOptions

    @Option(help: "Config file (TOML): verify every source and site of the file.")
    var config: String?

    @Option(help: ArgumentHelp("Comma-separated tables (default: every table with days: visits, visit_actions and the daily reports)."))
    var tables: String?

    @Option(help: "Days back from today to check (default: 365).")
    var days: Int?

    @Option(help: "First day to check, YYYY-MM-DD (site timezone); instead of --days.")
    var since: String?

    @Flag(help: "Store the differing days again (visits fetched and upserted, report days replaced).")
    var repair = false

    @Option(help: "table (a line per table, then the differing days) or json.")
    var format: VerifyFormat = .table

    @Option(name: .customLong("page-size"), help: "Visits per Live API request when a day's log is read (default: 1000).")
    var pageSize: Int?

    @Option(name: .customLong("table-prefix"), help: "The prefix the tables were synced with.")
    var tablePrefix: String?

    func validate() throws {
        if days != nil && since != nil { throw ValidationError("--days and --since both given; keep one") }
    }

    func run() async throws {
        try await runReportingErrors {
            var options = VerifyOptions()
            options.days = days ?? options.days
            if let since {
                guard let day = LocalDay(since) else { throw CLIError("--since must be a date YYYY-MM-DD, got '\(since)'") }
                options.since = day
            }
            options.repair = repair
            options.pageSize = pageSize ?? options.pageSize
            let only = try tables.map(TableName.parseList)
            options.tables = only
            let report: VerifyReport
            if let config {
                report = try await verifyConfig(path: config, options: options, only: only)
            } else {
                options.tablePrefix = tablePrefix ?? ""
                guard SyncOptions.isValidTablePrefix(options.tablePrefix) else {
                    throw CLIError("--table-prefix takes lowercase letters, digits and _ only ([a-z0-9_], at most 30)")
                }
                try options.validate()
                let (client, sites) = try source.makeClient()
                let warehouse: any Warehouse
                do {
                    warehouse = try WarehouseURL.open(store.url(), readOnly: !repair)
                } catch {
                    await client.shutdown()
                    throw error
                }
                report = try await withCleanup {
                    try await Self.verify(client: client, sites: sites, warehouse: warehouse, options: options)
                } cleanup: {
                    await client.shutdown()
                    try? await warehouse.close()
                }
            }
            print(report)
            if !report.clean { throw ExitCode.failure }
        }
    }

    static func verify(client: MatomoClient, sites: SiteSelection, warehouse: any Warehouse, options: VerifyOptions) async throws -> VerifyReport {
        let ids: [Int]
        switch sites {
        case .ids(let list): ids = list
        case .all: ids = try await client.viewableSiteIds()
        }
        var report = VerifyReport()
        for id in ids {
            report.merge(try await Verifier(client: client, warehouse: warehouse, siteId: id, options: options).run())
        }
        return report
    }

    private func verifyConfig(path: String, options base: VerifyOptions, only: [TableName]?) async throws -> VerifyReport {
        guard source.url == nil, source.siteId == nil, source.tokenFile == nil else {
            throw CLIError("--config names the sources; leave out --url, --site-id and --token-file, or leave out --config")
        }
        if tablePrefix != nil {
            throw CLIError("--table-prefix does not apply with --config: the file's [[source]] sets table_prefix")
        }
        let file = try ConfigLoader.load(path: path)
        let warehouse = try WarehouseURL.open(store.url(config: file.warehouse), readOnly: !repair)
        let configuration = try source.connection.clientConfiguration()
        return try await withCleanup {
            var report = VerifyReport()
            for s in file.sources {
                var options = base
                options.catalog = s.catalog
                options.tablePrefix = s.tablePrefix
                let enabled = s.enabledTables.map(\.0).filter { s.catalog.spec($0).map(Verifier.checks) ?? false }
                options.tables = only.map { list in list.filter(enabled.contains) } ?? enabled
                guard !(options.tables ?? []).isEmpty else { continue }
                try options.validate()
                let client = try MatomoClient(instance: try InstanceURL(parsing: s.url), token: try APIToken(s.tokenValue), configuration: configuration)
                let part = try await withCleanup {
                    try await Self.verify(client: client, sites: s.sites, warehouse: warehouse, options: options)
                } cleanup: {
                    await client.shutdown()
                }
                report.merge(part)
            }
            return report
        } cleanup: {
            try? await warehouse.close()
        }
    }

    private func print(_ report: VerifyReport) {
        switch format {
        case .json:
            Console.out(report.json() + "\n")
        case .table:
            Console.out(report.lines().joined(separator: "\n") + "\n")
            Console.message(report.verdict, level: report.clean ? "info" : "error")
        }
    }
}

enum VerifyFormat: String, ExpressibleByArgument, CaseIterable {
    case table, json
}

import ArgumentParser
import Foundation
import MatomoSync

struct TablesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tables",
        abstract: "List the tables matomo-sync can sync: method, one row per, merge key, cursor, sync methods.",
        discussion: "With --config, the file's declared reports ([[source.report]]) are listed too.")

    @Option(help: "table, json (every known column, its type and meaning) or markdown (the README's table reference).")
    var format: CatalogFormat = .table

    @Option(help: "Config file whose [[source.report]] tables to list as well.")
    var config: String?

    enum CatalogFormat: String, ExpressibleByArgument, CaseIterable { case table, json, markdown }

    func run() async throws {
        try await runReportingErrors {
            var catalog = TableCatalog.builtIn
            if let config {
                let file = try ConfigLoader.load(path: config)
                for source in file.sources { catalog = try catalog.adding(source.reports.map(\.spec).filter { catalog.spec($0.name) == nil }) }
            }
            switch format {
            case .table: print(TableFormatter.aligned(columns: TableCatalog.summaryColumns, rows: catalog.summaryRows))
            case .json: print(catalog.json)
            case .markdown: print(catalog.markdown, terminator: "")
            }
        }
    }
}

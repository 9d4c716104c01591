import ArgumentParser
import Foundation
import MatomoAPI
import MatomoSync

struct ReportsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reports",
        abstract: "List the reports a Matomo instance offers (API.getReportMetadata), to declare one as a table with [[source.report]].")

    @OptionGroup var source: SourceOptions

    @Option(help: "table or json.")
    var format: ListFormat = .table

    enum ListFormat: String, ExpressibleByArgument, CaseIterable { case table, json }

    func run() async throws {
        try await runReportingErrors {
            let (client, sites) = try source.makeClient()
            let reports = try await withCleanup {
                guard case .ids(let ids) = sites, ids.count == 1 else {
                    throw CLIError("--site-id takes one site for reports")
                }
                return try await client.reportMetadata(siteId: ids[0])
            } cleanup: {
                await client.shutdown()
            }
            switch format {
            case .table:
                let rows = reports.map { r in
                    [r.category, r.method, r.parameters.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "),
                     r.name, r.dimension ?? "-", r.metrics.joined(separator: ", ")]
                }
                print(TableFormatter.aligned(columns: ["category", "method", "params", "name", "dimension", "metrics"], rows: rows))
            case .json:
                let objects = reports.map { r -> String in
                    let params = r.parameters.sorted { $0.key < $1.key }.map { "\(RowShaper.jsonStringLiteral($0.key)):\(RowShaper.jsonStringLiteral($0.value))" }
                    return "{\"category\":\(RowShaper.jsonStringLiteral(r.category)),\"module\":\(RowShaper.jsonStringLiteral(r.module)),"
                        + "\"action\":\(RowShaper.jsonStringLiteral(r.action)),\"method\":\(RowShaper.jsonStringLiteral(r.method)),"
                        + "\"parameters\":{\(params.joined(separator: ","))},\"name\":\(RowShaper.jsonStringLiteral(r.name)),"
                        + "\"dimension\":\(r.dimension.map(RowShaper.jsonStringLiteral) ?? "null"),"
                        + "\"metrics\":[\(r.metrics.map(RowShaper.jsonStringLiteral).joined(separator: ","))]}"
                }
                print("[" + objects.joined(separator: ",\n ") + "]")
            }
        }
    }
}

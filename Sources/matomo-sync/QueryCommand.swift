import ArgumentParser
import Foundation
import MatomoSync

enum QueryFormat: String, ExpressibleByArgument, CaseIterable {
    case table, csv, json
}

struct QueryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "query",
        abstract: "Run read-only SQL on the warehouse.")

    @Argument(help: "The SQL, e.g. \"SELECT _date, nb_visits FROM visits_summary ORDER BY _date DESC LIMIT 7\".")
    var sql: String

    @OptionGroup var store: WarehouseOptions

    @Option(help: "Output: table (aligned), csv or json.")
    var format: QueryFormat = .table

    func run() async throws {
        try await runReportingErrors {
            let warehouse = try WarehouseURL.openReader(store.url())
            let result = try await withCleanup {
                try await warehouse.query(sql)
            } cleanup: {
                try? await warehouse.close()
            }
            Console.out(TableFormatter.render(result, as: format) + "\n")
        }
    }
}

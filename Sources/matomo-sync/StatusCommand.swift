import ArgumentParser
import Foundation
import MatomoSync

struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Per table: rows, cursor, last successful sync, last error.",
        discussion: "Opens the warehouse read-only: a user who may read it, but not write it or its directory, can run it.")

    @OptionGroup var store: WarehouseOptions

    @Option(help: "Config file (TOML) whose warehouse to show; only its warehouse line is read, so no token is needed.")
    var config: String?

    @Option(help: "Output: table (aligned) or json.")
    var format: StatusFormat = .table

    func run() async throws {
        try await runReportingErrors {
            let fromConfig = try config.map(ConfigLoader.warehouse(path:))
            let warehouse = try WarehouseURL.openReader(store.url(config: fromConfig))
            let catalog = TableCatalog.builtIn
            let statuses = try await withCleanup {
                // In the catalog's order within each source and site: visits first, then its reports.
                try await warehouse.status().sorted {
                    ($0.instance, $0.siteId, catalog.order(stored: $0.table), $0.table)
                        < ($1.instance, $1.siteId, catalog.order(stored: $1.table), $1.table)
                }
            } cleanup: {
                try? await warehouse.close()
            }
            if format == .json {
                Console.out("[" + statuses.map(Self.json).joined(separator: ",\n ") + "]\n")
                return
            }
            guard !statuses.isEmpty else {
                Console.out("nothing synced yet into \(warehouse.displayName)\n")
                return
            }
            let rows: [[String]] = statuses.map { s in
                [s.instance, String(s.siteId), s.table, s.rows.formatted(), catalog.cursorText(stored: s.table, state: s.state),
                 [s.state.lastSuccessAt, s.state.lastErrorAt].compactMap { $0 }.max() ?? "never",
                 s.state.lastSuccessAt ?? "never", s.state.nextRunAt ?? "-",
                 s.state.lastError.map { "\($0) (\(s.state.lastErrorAt ?? ""))" } ?? ""]
            }
            Console.out(TableFormatter.aligned(columns: ["source", "site", "table", "rows", "cursor", "last run", "last success", "next run", "last error"], rows: rows) + "\n")
            // A failed last run stays visible until a run of that table succeeds.
            let failing = statuses.filter { $0.state.lastError != nil }
            if !failing.isEmpty {
                Console.out("\nthe last run of \(failing.count) of \(statuses.count) tables failed: \(failing.map { "\($0.table) (site \($0.siteId))" }.joined(separator: ", ")); see \"last error\"\n")
            }
        }
    }

    /// One object per table, with the state's own names (`null` for what never happened).
    static func json(_ s: TableStatus) -> String {
        func str(_ v: String?) -> String { v.map(RowShaper.jsonStringLiteral) ?? "null" }
        let fields: [(String, String)] = [
            ("source", str(s.instance)), ("site_id", String(s.siteId)), ("table", str(s.table)),
            ("kind", str(TableCatalog.builtIn.kindName(stored: s.table))), ("rows", String(s.rows)),
            ("cursor", str(s.state.cursor)), ("phase", str(s.state.phase.rawValue)),
            ("last_success_at", str(s.state.lastSuccessAt)), ("last_error", str(s.state.lastError)),
            ("last_error_at", str(s.state.lastErrorAt)), ("next_run_at", str(s.state.nextRunAt)),
            ("failures", String(s.state.failures)),
        ]
        return "{" + fields.map { "\"\($0.0)\":\($0.1)" }.joined(separator: ",") + "}"
    }
}

enum StatusFormat: String, ExpressibleByArgument, CaseIterable {
    case table, json
}

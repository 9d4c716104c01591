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
            let statuses = try await withCleanup {
                try await warehouse.status()
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
                [s.instance, String(s.siteId), s.table, s.rows.formatted(), Self.cursorText(s),
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

    /// The visits cursor in words; aggregates show their last day.
    static func cursorText(_ s: TableStatus) -> String {
        var text = s.state.cursor ?? "-"
        if let c = s.state.cursor.flatMap(VisitCursor.init) {
            text = Timestamps.iso(Date(timeIntervalSince1970: TimeInterval(c.timestamp)))
        }
        if s.state.phase == .fullRefresh { text += " (full refresh in progress)" }
        return text
    }

    /// One object per table, with the state's own names (`null` for what never happened).
    static func json(_ s: TableStatus) -> String {
        func str(_ v: String?) -> String { v.map(RowShaper.jsonStringLiteral) ?? "null" }
        let fields: [(String, String)] = [
            ("source", str(s.instance)), ("site_id", String(s.siteId)), ("table", str(s.table)), ("rows", String(s.rows)),
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

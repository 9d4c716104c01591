import ArgumentParser
import Foundation
import MatomoSync

struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Per table: rows, cursor, last successful sync, last error.")

    @OptionGroup var store: WarehouseOptions

    func run() async throws {
        try await runReportingErrors {
            let warehouse = try WarehouseURL.open(store.url(), readOnly: true)
            let statuses = try await withCleanup {
                try await warehouse.status()
            } cleanup: {
                try? await warehouse.close()
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
}

import Foundation
import MatomoAPI

/// How a failure is told and where it is kept: one sentence for people (stderr, `status`, a table's
/// report) and the table's state (its error, its count of failures in a row, and, when scheduled,
/// the backed-off next run). Every path that records a failure comes here, so all say the same.
public enum SyncFailure {
    /// The one description of an error, for every table, log line and command.
    public static func describe(_ error: any Error) -> String {
        if let e = error as? MatomoError { return e.description }
        if let e = error as? SyncError { return e.description }
        if error is CancellationError { return "interrupted before the table finished; committed rows are kept and the next run resumes" }
        return String(describing: error)
    }

    /// Keeps the committed cursor; records the failure on the table's latest state (or `fallback`,
    /// for a table that has none yet). With `every`, the next run backs off with the failures.
    static func record(_ message: String, key: StateKey, fallback: TableState, warehouse: any Warehouse,
                       now: Date, every: Int?) async {
        var latest = ((try? await warehouse.loadState(key)) ?? nil) ?? fallback
        latest.lastError = message
        latest.lastErrorAt = Timestamps.iso(now)
        latest.failures += 1
        if let every {
            latest.nextRunAt = Timestamps.iso(Schedule.nextRun(after: now, every: every, failures: latest.failures))
        }
        try? await warehouse.saveState(key, latest)
    }

    /// A failure before any site is known (listing the token's sites for `all` was refused or
    /// unanswered): recorded on every table already synced from that instance with that prefix among
    /// `tables`, the tables it stopped, so `status` shows it. A table never synced has no row to hold it.
    static func recordBeforeAnySite(_ error: any Error, warehouse: any Warehouse, instance: String, tablePrefix: String,
                                    tables: [TableName], now: Date) async {
        guard !(error is CancellationError), let known = try? await warehouse.status() else { return }
        let message = describe(error)
        for row in known where row.instance == instance {
            guard let table = tables.first(where: { tablePrefix + $0.rawValue == row.table }) else { continue }
            await record(message, key: StateKey(instance: instance, siteId: row.siteId, table: table, tablePrefix: tablePrefix),
                         fallback: row.state, warehouse: warehouse, now: now, every: nil)
        }
    }
}

extension SiteSelection {
    /// The site IDs: the list, or every site the token can view, asked of Matomo now.
    public func resolve(with client: MatomoClient) async throws -> [Int] {
        switch self {
        case .ids(let ids): return ids
        case .all: return try await client.viewableSiteIds()
        }
    }
}

import Foundation
import Logging
import MatomoAPI

/// Runs a sync: for each table, plans the requests from the stored state and the clock, fetches
/// pages, shapes rows and commits each batch together with the cursor that covers it.
/// A table that fails records its error and the others still run.
public final class SyncEngine: Sendable {
    public let client: MatomoClient
    public let warehouse: any Warehouse
    public let siteId: Int
    public let options: SyncOptions
    let progress: any SyncProgress
    let logger: Logger
    let writes = WriteGate()

    public init(client: MatomoClient, warehouse: any Warehouse, siteId: Int, options: SyncOptions,
                progress: any SyncProgress = SilentProgress(), logger: Logger = Logger(label: "matomo-sync")) {
        self.client = client
        self.warehouse = warehouse
        self.siteId = siteId
        self.options = options
        self.progress = progress
        self.logger = logger
    }

    /// Syncs the chosen tables. Throws only when nothing can run (bad options, site unreachable,
    /// warehouse unusable); per-table failures are in the report.
    public func run() async throws -> SyncReport {
        try options.validate()
        guard siteId > 0 else { throw SyncError.invalidInput("--site-id must be a positive integer, got \(siteId)") }
        try await warehouse.prepare()
        try await warehouse.lockForSync()
        return try await withCleanup {
            let site: SiteInfo
            do {
                site = try await client.site(id: siteId)
            } catch {
                // Nothing can run (token refused, Matomo unreachable, no such site): every table
                // records why, so `status` shows it and a cron job cannot fail silently.
                if !(error is CancellationError) {
                    let message = Self.describe(error)
                    for table in options.tables { await recordFailure(message, key: stateKey(table), fallback: TableState()) }
                }
                throw error
            }
            let reports = try await runLanes(site: site)
            try checkStop()
            return SyncReport(tables: reports)
        } cleanup: {
            await warehouse.unlockSync()
        }
    }

    /// Throws when the run must end: task cancelled, or a signal asked to stop. Called between commits,
    /// so what was fetched is committed before the run ends.
    func checkStop() throws {
        try Task.checkCancellation()
        if let reason = options.stopRequested() {
            throw SyncError.interrupted("stopped by \(reason) after committing the batch in hand; run the same command again to resume")
        }
    }

    /// The context of one table's run.
    struct TableRun {
        let spec: TableSpec
        let key: StateKey
        let site: SiteInfo
        /// Where rows go: the table, or its staging table during a full refresh.
        let target: String
        let staged: Bool
        var state: TableState
        var report: TableReport
        var shaper: RowShaper
        let syncedAt: String
    }

    func runTable(_ table: TableName, site: SiteInfo) async -> TableReport {
        let started = Date()
        let spec = TableSpec.spec(for: table)
        let key = stateKey(table)
        let physical = key.physicalTable
        var report = TableReport(table: table, siteId: siteId, instance: client.instance.endpoint, physicalTable: physical)
        var state = TableState()
        // Outside the `do`, so a table that fails still reports the rows it committed.
        var run: TableRun?
        do {
            let stored = try await writes.run { try await warehouse.loadState(key) }
            state = stored ?? TableState()
            // A full refresh fills a staging table and swaps it in only when complete; one left
            // unfinished by a killed run is resumed rather than restarted.
            var staged = stored?.phase == .fullRefresh
            if options.fullRefresh, stored != nil, !staged {
                try await writes.run { try await warehouse.dropTable(stagingTableName(physical)) }
                state.phase = .fullRefresh
                state.cursor = nil
                // Set by the table's walk to its window's first day, unless all rows are to go.
                state.refreshFrom = options.truncate ? TableState.replaceAll : nil
                staged = true
            } else if staged, options.truncate {
                // Resumed with --truncate: asked for explicitly, so the whole table is replaced.
                state.refreshFrom = TableState.replaceAll
            }
            report.fullRefresh = staged || options.fullRefresh
            run = TableRun(spec: spec, key: key, site: site,
                           target: staged ? stagingTableName(physical) : physical,
                           staged: staged, state: state, report: report, shaper: RowShaper(spec: spec),
                           syncedAt: Timestamps.iso(options.now()))
            switch spec.kind {
            case .visitLog: try await syncVisits(&run!)
            case .dailyMetrics, .dailyRows: try await syncAggregate(&run!)
            }
            run!.state.lastSuccessAt = Timestamps.iso(options.now())
            run!.state.lastError = nil
            run!.state.lastErrorAt = nil
            run!.state.failures = 0
            if let every = options.every {
                run!.state.nextRunAt = Timestamps.iso(Schedule.nextRun(after: options.now(), every: every, failures: 0))
            }
            if run!.staged {
                let from = run!.state.refreshFrom
                run!.state.phase = .incremental
                run!.state.refreshFrom = nil
                let finished = run!
                try await writes.run {
                    try await warehouse.promote(staging: finished.target, into: physical, mergeKey: spec.mergeKey,
                                                declaredColumns: spec.knownColumns, siteId: siteId,
                                                replacingFrom: from == TableState.replaceAll ? nil : from,
                                                stateKey: key, state: finished.state)
                }
                run!.report.replaced = from == TableState.replaceAll ? .all : from.map { .from($0) }
            } else {
                let finished = run!.state
                try await writes.run { try await warehouse.saveState(key, finished) }
            }
            report = run!.report
            state = run!.state
        } catch {
            let message = Self.describe(error)
            if let run { report = run.report }
            report.error = message
            await recordFailure(message, key: key, fallback: state)
        }
        report.seconds = Date().timeIntervalSince(started)
        progress.report(.tableFinished(report))
        return report
    }

    func stateKey(_ table: TableName) -> StateKey {
        StateKey(instance: client.instance.endpoint, siteId: siteId, table: table, tablePrefix: options.tablePrefix)
    }

    /// Keeps the committed cursor; records the failure for `status` and the scheduler's backoff.
    func recordFailure(_ message: String, key: StateKey, fallback: TableState) async {
        var latest = (try? await writes.run { try await warehouse.loadState(key) }) ?? nil ?? fallback
        latest.lastError = message
        latest.lastErrorAt = Timestamps.iso(options.now())
        latest.failures += 1
        if let every = options.every {
            latest.nextRunAt = Timestamps.iso(Schedule.nextRun(after: options.now(), every: every, failures: latest.failures))
        }
        let failed = latest
        try? await writes.run { try await warehouse.saveState(key, failed) }
    }

    /// A failure before any site is known (listing the token's sites for `sites = all` was refused or
    /// unanswered): recorded on every table already synced from that instance with that prefix, the
    /// tables it stopped, so `status` shows it.
    public static func recordRunFailure(_ error: any Error, warehouse: any Warehouse, instance: String, tablePrefix: String,
                                        tables: [TableName], now: Date = Date()) async {
        guard !(error is CancellationError), let known = try? await warehouse.status() else { return }
        let message = describe(error)
        for row in known where row.instance == instance {
            guard let table = tables.first(where: { tablePrefix + $0.rawValue == row.table }) else { continue }
            var state = row.state
            state.lastError = message
            state.lastErrorAt = Timestamps.iso(now)
            state.failures += 1
            try? await warehouse.saveState(StateKey(instance: instance, siteId: row.siteId, table: table, tablePrefix: tablePrefix), state)
        }
    }

    /// A full refresh replaces the window's days: the first walk of its staging table records where
    /// the window starts (a resumed walk keeps what was recorded).
    func noteRefreshWindow(_ run: inout TableRun, first: LocalDay) {
        if run.staged, run.state.refreshFrom == nil { run.state.refreshFrom = first.description }
    }

    /// One commit: rows and the state that covers them.
    func commit(_ run: inout TableRun, rows: [[Cell]], replace: ReplaceScope) async throws {
        let write = TableWrite(table: run.target, mergeKey: run.spec.mergeKey, declaredColumns: run.spec.knownColumns,
                               batch: run.shaper.batch(rows), replace: replace, stateKey: run.key, state: run.state)
        try await writes.run { try await warehouse.commit(write) }
        run.report.rows += rows.count
    }

    static func describe(_ error: any Error) -> String {
        if let e = error as? MatomoError { return e.description }
        if let e = error as? SyncError { return e.description }
        if error is CancellationError { return "interrupted before the table finished; committed rows are kept and the next run resumes" }
        return String(describing: error)
    }
}

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
            let site = try await client.site(id: siteId)
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
        let key = StateKey(instance: client.instance.endpoint, siteId: siteId, table: table, tablePrefix: options.tablePrefix)
        let physical = key.physicalTable
        var report = TableReport(table: table, siteId: siteId, instance: client.instance.endpoint, physicalTable: physical)
        var state = TableState()
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
                staged = true
            }
            report.fullRefresh = staged || options.fullRefresh
            var run = TableRun(spec: spec, key: key, site: site,
                               target: staged ? stagingTableName(physical) : physical,
                               staged: staged, state: state, report: report, shaper: RowShaper(spec: spec),
                               syncedAt: Timestamps.iso(options.now()))
            switch spec.kind {
            case .visitLog: try await syncVisits(&run)
            case .dailyMetrics, .dailyRows: try await syncAggregate(&run)
            }
            run.state.lastSuccessAt = Timestamps.iso(options.now())
            run.state.lastError = nil
            run.state.lastErrorAt = nil
            run.state.failures = 0
            if let every = options.every {
                run.state.nextRunAt = Timestamps.iso(Schedule.nextRun(after: options.now(), every: every, failures: 0))
            }
            if run.staged {
                run.state.phase = .incremental
                let finished = run
                try await writes.run {
                    try await warehouse.promote(staging: finished.target, into: physical, mergeKey: spec.mergeKey,
                                                declaredColumns: spec.knownColumns, siteId: siteId, stateKey: key, state: finished.state)
                }
            } else {
                let finished = run.state
                try await writes.run { try await warehouse.saveState(key, finished) }
            }
            report = run.report
            state = run.state
        } catch {
            let message = Self.describe(error)
            report.error = message
            // Keep the committed cursor; record the failure for `status` and the scheduler's backoff.
            var latest = (try? await writes.run { try await warehouse.loadState(key) }) ?? nil ?? state
            latest.lastError = message
            latest.lastErrorAt = Timestamps.iso(options.now())
            latest.failures += 1
            if let every = options.every {
                latest.nextRunAt = Timestamps.iso(Schedule.nextRun(after: options.now(), every: every, failures: latest.failures))
            }
            let failed = latest
            try? await writes.run { try await warehouse.saveState(key, failed) }
        }
        report.seconds = Date().timeIntervalSince(started)
        progress.report(.tableFinished(report))
        return report
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

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
                    let message = SyncFailure.describe(error)
                    for table in options.tables { await recordFailure(message, key: stateKey(table), fallback: TableState()) }
                }
                throw error
            }
            // Declared reports are checked before any data request; a bad one stops the run.
            let catalog = try await settleReports(site: site)
            let reports = try await runLanes(site: site, catalog: catalog)
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
        /// The state as the warehouse holds it: what the last successful commit wrote. `state` runs
        /// ahead of it while a batch is being committed, so a failure is recorded on this one: a
        /// cursor moved for a batch that never landed would skip that batch for good.
        var committed: TableState
        var report: TableReport
        var shaper: RowShaper
        let syncedAt: String
        /// Tables made from this one's answers (visit_actions), written in the same commits.
        var derived: [TableRun] = []
    }

    /// Runs one table and the tables derived from it; one report each.
    func runTable(_ table: TableName, site: SiteInfo, catalog: TableCatalog) async -> [TableReport] {
        let started = Date()
        let derivedNames = options.tables.filter { catalog.spec($0)?.derivedFrom == table }
        var runs: [TableRun] = []
        // Outside the `do`, so a table that fails still reports the rows it committed.
        var source: TableRun?
        do {
            var run = try await prepareRun(table, site: site, catalog: catalog)
            for name in derivedNames {
                var d = try await prepareRun(name, site: site, catalog: catalog, staged: run.staged)
                d.report.fullRefresh = run.report.fullRefresh
                run.derived.append(d)
            }
            if run.spec.kind == .visitLog, !run.staged {
                let from = VisitCursor.catchingUp(run.state.cursor, derived: run.derived.map(\.state.cursor))
                if from != run.state.cursor {
                    logger.notice("\(table) is walked again from \(from.flatMap(VisitCursor.init).map { "\($0.day)" } ?? "the start of the backfill window") so that \(run.derived.map(\.spec.name.rawValue).joined(separator: ", ")) catches up; the \(table) rows it takes again are merged by key")
                    run.state.cursor = from
                }
            }
            runs = [run] + run.derived
            source = run
            switch run.spec.kind {
            case .visitLog: try await syncVisits(&source!)
            case .dailyMetrics, .dailyRows: try await syncAggregate(&source!)
            case .wholeList: try await syncWholeList(&source!)
            case .derived: preconditionFailure("a derived table runs inside its source")
            }
            run = source!
            // A derived table's full refresh replaces what its source's window replaces.
            for i in run.derived.indices { run.derived[i].state.refreshFrom = run.state.refreshFrom }
            runs = [run] + run.derived
            // The source's state is saved last: a derived table is never behind its source's cursor.
            var finished: [TableRun] = []
            for var r in run.derived + [run] {
                try await finish(&r)
                finished.append(r)
            }
            runs = [finished.last!] + finished.dropLast()
        } catch {
            let message = SyncFailure.describe(error)
            if let source { runs = [source] + source.derived }
            if runs.isEmpty {
                runs = [await failedRun(table, site: site)]
                for name in derivedNames { runs.append(await failedRun(name, site: site)) }
            }
            for i in runs.indices {
                runs[i].report.error = message
                await recordFailure(message, key: runs[i].key, fallback: runs[i].committed)
            }
        }
        var reports: [TableReport] = []
        for r in runs {
            var report = r.report
            report.seconds = Date().timeIntervalSince(started)
            progress.report(.tableFinished(report))
            reports.append(report)
        }
        return reports
    }

    /// Loads a table's state and decides where its rows go. A full refresh fills a staging table and
    /// swaps it in only when complete; one left unfinished by a killed run is resumed, not restarted.
    private func prepareRun(_ table: TableName, site: SiteInfo, catalog: TableCatalog, staged forced: Bool? = nil) async throws -> TableRun {
        guard let spec = catalog.spec(table) else { throw SyncError.invalidInput("unknown table '\(table)'") }
        let key = stateKey(table)
        let physical = key.physicalTable
        var report = TableReport(table: table, siteId: siteId, instance: client.instance.endpoint, physicalTable: physical)
        let stored = try await writes.run { try await warehouse.loadState(key) }
        var state = stored ?? TableState()
        var staged = forced ?? (stored?.phase == .fullRefresh)
        // A list fetched whole replaces the site's rows in one commit: it needs no staging.
        if spec.kind == .wholeList {
            staged = false
        } else if forced == true || (forced == nil && options.fullRefresh && stored != nil && !staged) {
            if stored?.phase != .fullRefresh {
                try await writes.run { try await warehouse.dropTable(stagingTableName(physical, siteId: siteId)) }
                // Set by the table's walk to its window's first day, unless all rows are to go.
                state.refreshFrom = options.truncate ? TableState.replaceAll : nil
            }
            state.phase = .fullRefresh
            state.cursor = nil
            staged = true
        }
        if staged, forced == nil, stored?.phase == .fullRefresh, state.cursor != nil,
           !(try await writes.run { try await warehouse.tableNames() }).contains(stagingTableName(physical, siteId: siteId)) {
            // A refresh left unfinished whose staging table is gone (dropped by hand, or named as
            // before staging tables were per site): resuming would promote only the rows after its
            // cursor, so it starts again.
            logger.notice("\(table): the unfinished full refresh's staging table is missing; it starts again")
            state.cursor = nil
            state.refreshFrom = options.truncate ? TableState.replaceAll : nil
        }
        if staged, options.truncate {
            // --truncate asked for explicitly (a resumed refresh included): the whole table is replaced.
            state.refreshFrom = TableState.replaceAll
        }
        report.fullRefresh = staged || options.fullRefresh
        return TableRun(spec: spec, key: key, site: site, target: staged ? stagingTableName(physical, siteId: siteId) : physical,
                        staged: staged, state: state, committed: stored ?? TableState(), report: report, shaper: RowShaper(spec: spec),
                        syncedAt: Timestamps.iso(options.now()))
    }

    func stateKey(_ table: TableName) -> StateKey {
        StateKey(instance: client.instance.endpoint, siteId: siteId, table: table, tablePrefix: options.tablePrefix)
    }

    private func failedRun(_ table: TableName, site: SiteInfo) async -> TableRun {
        let spec = options.catalog.spec(table) ?? TableSpec(name: table, method: "", kind: .dailyRows, mergeKey: [],
                                                            knownColumns: [], acceptsDateRange: false, rowMeaning: "")
        let key = stateKey(table)
        let state = ((try? await writes.run { try await warehouse.loadState(key) }) ?? nil) ?? TableState()
        return TableRun(spec: spec, key: key, site: site, target: key.physicalTable, staged: false, state: state, committed: state,
                        report: TableReport(table: table, siteId: siteId, instance: client.instance.endpoint, physicalTable: key.physicalTable),
                        shaper: RowShaper(spec: spec), syncedAt: "")
    }

    /// A table finished: its success is recorded, and a full refresh's staging table swapped in
    /// (replacing the window's days, or every row with --truncate).
    private func finish(_ run: inout TableRun) async throws {
        run.state.lastSuccessAt = Timestamps.iso(options.now())
        run.state.lastError = nil
        run.state.lastErrorAt = nil
        run.state.failures = 0
        if let every = options.every {
            run.state.nextRunAt = Timestamps.iso(Schedule.nextRun(after: options.now(), every: every, failures: 0))
        }
        if run.staged {
            let from = run.state.refreshFrom
            run.state.phase = .incremental
            run.state.refreshFrom = nil
            let finished = run
            try await writes.run {
                try await warehouse.promote(staging: finished.target, into: finished.key.physicalTable, mergeKey: finished.spec.mergeKey,
                                            declaredColumns: finished.spec.knownColumns, siteId: siteId,
                                            replacingFrom: from == TableState.replaceAll ? nil : from,
                                            stateKey: finished.key, state: finished.state)
            }
            run.report.replaced = from == TableState.replaceAll ? .all : from.map { .from($0) }
        } else {
            let finished = run.state
            try await writes.run { try await warehouse.saveState(run.key, finished) }
        }
        run.committed = run.state
    }

    /// Keeps the committed cursor; records the failure for `status` and the scheduler's backoff.
    func recordFailure(_ message: String, key: StateKey, fallback: TableState) async {
        let (warehouse, now, every) = (self.warehouse, options.now(), options.every)
        try? await writes.run {
            await SyncFailure.record(message, key: key, fallback: fallback, warehouse: warehouse, now: now, every: every)
        }
    }

    /// A full refresh replaces the window's days: the first walk of its staging table records where
    /// the window starts (a resumed walk keeps what was recorded).
    func noteRefreshWindow(_ run: inout TableRun, first: LocalDay) {
        if run.staged, run.state.refreshFrom == nil { run.state.refreshFrom = first.description }
    }

    /// One commit: rows and the state that covers them, with the derived tables' rows of the same answers.
    func commit(_ run: inout TableRun, rows: [[Cell]], replace: ReplaceScope, derived: [([[Cell]], ReplaceScope)] = []) async throws {
        var parts: [TableWrite] = []
        for (i, (dRows, dReplace)) in derived.enumerated() where i < run.derived.count {
            run.derived[i].state.cursor = run.state.cursor
            let d = run.derived[i]
            parts.append(TableWrite(table: d.target, mergeKey: d.spec.mergeKey, declaredColumns: d.spec.knownColumns,
                                    batch: d.shaper.batch(dRows), replace: dReplace, stateKey: d.key, state: d.state))
            run.derived[i].report.rows += dRows.count
        }
        let write = TableWrite(table: run.target, mergeKey: run.spec.mergeKey, declaredColumns: run.spec.knownColumns,
                               batch: run.shaper.batch(rows), replace: replace, stateKey: run.key, state: run.state, derived: parts)
        try await writes.run { try await warehouse.commit(write) }
        run.committed = run.state
        for i in run.derived.indices { run.derived[i].committed = run.derived[i].state }
        run.report.rows += rows.count
    }
}

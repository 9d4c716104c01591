import Foundation
import Logging
import MatomoAPI

/// `matomo-sync verify` for one site: compares each table's stored days with what Matomo answers for
/// them now, and with `repair` commits the differing days again through the sync's own commit path
/// (rows and state in one transaction, visits upserted by key with their actions replaced, a report
/// day replaced exactly). It never deletes a visit Matomo no longer has, and never moves a cursor.
public final class Verifier: Sendable {
    public let client: MatomoClient
    public let warehouse: any Warehouse
    public let siteId: Int
    public let options: VerifyOptions
    let engine: SyncEngine
    let stored: StoredDays
    let logger: Logger

    public init(client: MatomoClient, warehouse: any Warehouse, siteId: Int, options: VerifyOptions,
                logger: Logger = Logger(label: "matomo-sync")) {
        self.client = client
        self.warehouse = warehouse
        self.siteId = siteId
        self.options = options
        var sync = SyncOptions()
        sync.catalog = options.catalog
        sync.tablePrefix = options.tablePrefix
        sync.pageSize = options.pageSize
        sync.now = options.now
        sync.tables = options.catalog.names
        engine = SyncEngine(client: client, warehouse: warehouse, siteId: siteId, options: sync, logger: logger)
        stored = StoredDays(warehouse: warehouse)
        self.logger = logger
    }

    /// Tables with days to check: the visit log, tables derived from it, daily reports.
    public static func checks(_ spec: TableSpec) -> Bool {
        spec.kind == .visitLog || spec.kind == .derived || spec.kind.isDaily
    }

    /// The tables checked when none are named, in catalog order.
    public var tables: [TableName] {
        options.tables ?? options.catalog.specs.filter(Self.checks).map(\.name)
    }

    struct Context {
        let site: SiteInfo
        let zone: TimeZone
        let today: LocalDay
        let lastComplete: LocalDay
        let created: LocalDay?
        let cutoff: Int64
        let syncedAt: String
        /// The first day any of the site's tables holds: where its syncs began. A table holding nothing
        /// before (an events table of a site without events until a late import) is checked from there.
        let firstStored: LocalDay?
    }

    public func run() async throws -> VerifyReport {
        try options.validate()
        guard siteId > 0 else { throw SyncError.invalidInput("--site-id must be a positive integer, got \(siteId)") }
        let before = client.requestTotal
        let site = try await client.site(id: siteId)
        let now = options.now()
        let zone = site.timeZone
        let ctx = Context(site: site, zone: zone, today: LocalDay.containing(now, in: zone),
                          lastComplete: VerifyPlanner.lastCompleteDay(now: now, zone: zone),
                          created: site.createdAt.map { LocalDay.containing($0, in: zone) },
                          cutoff: VisitPlanner.cutoff(now: Int64(now.timeIntervalSince1970.rounded(.down))),
                          syncedAt: Timestamps.iso(now), firstStored: try await firstStoredDay())
        if options.repair {
            try await warehouse.prepare()
            try await warehouse.lockForSync()
        }
        var report = VerifyReport()
        try await withCleanup {
            for table in tables {
                try Task.checkCancellation()
                report.merge(try await verify(table, ctx))
            }
        } cleanup: {
            if options.repair { await warehouse.unlockSync() }
        }
        report.requests = client.requestTotal - before
        return report
    }

    private func firstStoredDay() async throws -> LocalDay? {
        let names = Set(try await warehouse.tableNames())
        var first: LocalDay?
        for spec in options.catalog.specs where Self.checks(spec) {
            let physical = engine.stateKey(spec.name).physicalTable
            guard names.contains(physical), let day = try await stored.firstDay(physical, siteId: siteId) else { continue }
            first = min(first ?? day, day)
        }
        return first
    }

    // MARK: One table

    private func verify(_ table: TableName, _ ctx: Context) async throws -> VerifyReport {
        guard let spec = options.catalog.spec(table) else { throw SyncError.invalidInput("unknown table '\(table)'") }
        let key = engine.stateKey(table)
        var verdict = TableVerdict(table: table, siteId: siteId, physicalTable: key.physicalTable, days: nil,
                                   daysChecked: 0, daysDiffering: 0, rowsMissing: 0, rowsExtra: 0)
        // A derived table's days are those of its source's walk.
        let cursorKey = spec.derivedFrom.map(engine.stateKey) ?? key
        guard let state = try await warehouse.loadState(cursorKey), state.cursor != nil,
              try await stored.exists(key.physicalTable) else {
            verdict.note = "not synced yet: nothing to check"
            return VerifyReport(tables: [verdict])
        }
        let own = try await warehouse.loadState(key)
        if state.phase == .fullRefresh || own?.phase == .fullRefresh {
            verdict.note = "a full refresh is under way: run sync to finish it, then verify"
            return VerifyReport(tables: [verdict])
        }
        let lastSynced = spec.kind.isDaily ? VerifyPlanner.lastSyncedReportDay(cursor: state.cursor)
            : VerifyPlanner.lastSyncedVisitDay(cursor: state.cursor, zone: ctx.zone)
        guard let window = VerifyPlanner.window(today: ctx.today, lastComplete: ctx.lastComplete, days: options.days, since: options.since,
                                                siteCreated: ctx.created, firstStored: ctx.firstStored,
                                                lastSynced: lastSynced) else {
            verdict.note = "no complete day synced in the period: nothing to check"
            return VerifyReport(tables: [verdict])
        }
        verdict.days = window
        verdict.daysChecked = window.count
        var differences: [DayDifference]
        switch spec.kind {
        case .visitLog: differences = try await verifyVisits(spec, window, ctx)
        case .derived: differences = try await verifyDerived(spec, window, ctx)
        case .dailyMetrics, .dailyRows: differences = try await verifyReport(spec, state: state, window, ctx)
        case .wholeList: differences = []
        }
        verdict.daysDiffering = differences.count
        verdict.rowsMissing = differences.reduce(0) { $0 + ($1.missing.isEmpty && $1.log == nil ? max(0, $1.matomo - $1.stored) : $1.missing.count) }
        verdict.rowsExtra = differences.reduce(0) { $0 + ($1.extra.isEmpty && $1.log == nil ? max(0, $1.stored - $1.matomo) : $1.extra.count) }
        verdict.daysRepaired = differences.filter(\.repaired).count
        return VerifyReport(tables: [verdict], differences: differences)
    }

    // MARK: Visits

    private func verifyVisits(_ spec: TableSpec, _ window: DayRange, _ ctx: Context) async throws -> [DayDifference] {
        let physical = engine.stateKey(spec.name).physicalTable
        var requests = 0
        let archive = try await engine.visitCounts(window, requests: &requests)
        let counts = try await stored.counts(physical, siteId: siteId, days: window)
        let log = DayLog(client: client, siteId: siteId, pageSize: options.pageSize)
        var out: [DayDifference] = []
        for day in window.days where VerifyRules.needsLog(stored: counts[day] ?? 0, archive: archive[day] ?? 0) {
            let visits = try await log.visits(day, zone: ctx.zone, cutoff: ctx.cutoff, actions: false).visits
            let ids = try await stored.ids(physical, column: "id_visit", siteId: siteId, day: day)
            guard var d = VerifyRules.visitDay(table: spec.name, siteId: siteId, day: day, stored: ids, log: Set(visits.map(\.id)),
                                               archive: archive[day] ?? 0) else { continue }
            if d.staleArchive { logger.warning("\(VerifyRules.staleArchiveAdvice(d))") }
            if options.repair && !d.missing.isEmpty {
                try await repairVisits(day, ctx)
                d.repaired = true
            }
            out.append(d)
        }
        return out
    }

    private func verifyDerived(_ spec: TableSpec, _ window: DayRange, _ ctx: Context) async throws -> [DayDifference] {
        guard let source = spec.derivedFrom else { return [] }
        let physical = engine.stateKey(spec.name).physicalTable
        let sourcePhysical = engine.stateKey(source).physicalTable
        let sourceCounts = try await stored.counts(sourcePhysical, siteId: siteId, days: window)
        let counts = try await stored.derivedCounts(physical, siteId: siteId, days: window)
        var out: [DayDifference] = []
        for day in window.days {
            let c = counts[day] ?? (0, 0)
            guard c.visits != (sourceCounts[day] ?? 0) || c.broken > 0 else { continue }
            // Only a day whose counts differ is read visit by visit.
            let d = try await stored.derivedVisits(physical, siteId: siteId, days: DayRange(day, day))[day] ?? ([], [])
            let ids = try await stored.ids(sourcePhysical, column: "id_visit", siteId: siteId, day: day)
            guard var diff = VerifyRules.derivedDay(table: spec.name, siteId: siteId, day: day, sourceIds: ids,
                                                    derivedIds: d.ids, broken: d.broken) else { continue }
            if options.repair && !diff.missing.isEmpty {
                try await repairVisits(day, ctx)
                diff.repaired = true
            }
            out.append(diff)
        }
        return out
    }

    /// The day's visits fetched again, with their actions, and committed as the sync commits a page:
    /// upserted by id, each visit's actions replaced, the stored cursor unchanged.
    private func repairVisits(_ day: LocalDay, _ ctx: Context) async throws {
        let visits = try await DayLog(client: client, siteId: siteId, pageSize: options.pageSize)
            .visits(day, zone: ctx.zone, cutoff: ctx.cutoff, actions: true).visits
        var run = try await repairRun(.visits, ctx)
        var rows: [[Cell]] = []
        var derived = SyncEngine.DerivedPage()
        for (_, visit) in visits {
            rows.append(run.shaper.shape(visit, siteId: siteId, date: day.description, syncedAt: run.syncedAt))
            try derived.add(visit, day: day.description, siteId: siteId, run: &run)
        }
        try await engine.commit(&run, rows: rows, replace: .byKey, derived: run.derived.isEmpty ? [] : derived.writes)
        logger.info("verify: \(visits.count) visits of \(day) stored again (site \(siteId))")
    }

    /// A table's run as the engine commits it, with its state as stored: a repair moves no cursor.
    private func repairRun(_ table: TableName, _ ctx: Context) async throws -> SyncEngine.TableRun {
        guard let spec = options.catalog.spec(table) else { throw SyncError.invalidInput("unknown table '\(table)'") }
        let key = engine.stateKey(table)
        let state = try await warehouse.loadState(key) ?? TableState()
        var run = SyncEngine.TableRun(spec: spec, key: key, site: ctx.site, target: key.physicalTable, staged: false, state: state, committed: state,
                                      report: TableReport(table: table, siteId: siteId, instance: client.instance.endpoint, physicalTable: key.physicalTable),
                                      shaper: RowShaper(spec: spec), syncedAt: ctx.syncedAt)
        // Derived tables already synced get their rows in the same commit, as in a sync.
        for d in options.catalog.specs where d.derivedFrom == table {
            let dKey = engine.stateKey(d.name)
            guard let dState = try await warehouse.loadState(dKey), dState.cursor != nil else { continue }
            run.derived.append(SyncEngine.TableRun(spec: d, key: dKey, site: ctx.site, target: dKey.physicalTable, staged: false, state: dState, committed: dState,
                                                   report: TableReport(table: d.name, siteId: siteId, instance: client.instance.endpoint, physicalTable: dKey.physicalTable),
                                                   shaper: RowShaper(spec: d), syncedAt: ctx.syncedAt))
        }
        return run
    }

    // MARK: Reports

    private func verifyReport(_ original: TableSpec, state: TableState, _ window: DayRange, _ ctx: Context) async throws -> [DayDifference] {
        var spec = original
        // A declared report that refused several dates is asked one date at a time, as its sync does.
        if spec.userDeclared && ReportCursor(state.cursor).singleDate { spec.acceptsDateRange = false }
        let physical = engine.stateKey(spec.name).physicalTable
        var shaper = RowShaper(spec: spec)
        var fresh: [LocalDay: [[Cell]]] = [:]
        let sync = SyncOptions()
        for chunk in AggregatePlanner.chunks(window, acceptsDateRange: spec.acceptsDateRange, rangeDays: sync.rangeDays, bulkDays: sync.bulkDays) {
            try Task.checkCancellation()
            let answered = try await engine.fetch(spec, chunk)
            for (day, answer) in answered where chunk.first <= day && day <= chunk.last {
                fresh[day] = try Self.rows(answer, spec: spec, day: day, siteId: siteId, shaper: &shaper, syncedAt: ctx.syncedAt)
            }
            if let missing = chunk.days.first(where: { fresh[$0] == nil }) {
                throw MatomoError.unexpectedAnswer(method: spec.method, detail: "no answer for \(missing)")
            }
        }
        let columns = Set(try await stored.columns(physical))
        let meta = Set(TableSpec.metaColumns.map(\.name))
        let keyColumns = spec.kind == .dailyRows ? spec.mergeKey.filter { !meta.contains($0) } : []
        let metrics = shaper.columns.filter { ($0.type == .integer || $0.type == .real) && columns.contains($0.name)
            && !meta.contains($0.name) && !keyColumns.contains($0.name) && !Self.notAMetric($0.name) }.map(\.name)
        let batch = shaper.batch([])
        let keyIndex = keyColumns.map { batch.index(of: $0) }
        let metricIndex = metrics.map { batch.index(of: $0) }
        let storedDays = try await stored.summaries(physical, siteId: siteId, days: window, keyColumns: keyColumns, metrics: metrics)
        var out: [DayDifference] = []
        for day in window.days {
            let rows = fresh[day] ?? []
            var summary = DaySummary(rows: rows.count)
            for row in rows {
                if !keyColumns.isEmpty { summary.keys.insert(VerifyRules.key(keyIndex.map { $0.map { batch.cell(row, $0) } ?? .null })) }
                for (m, i) in zip(metrics, metricIndex) {
                    summary.sums[m, default: 0] += i.flatMap { VerifyRules.number(batch.cell(row, $0)) } ?? 0
                }
            }
            if let d = VerifyRules.reportDay(table: spec.name, siteId: siteId, day: day, stored: storedDays[day] ?? DaySummary(),
                                             fresh: summary, metrics: metrics) {
                out.append(d)
            }
        }
        if options.repair && !out.isEmpty {
            // The differing days in one commit, each replaced exactly, as the sync replaces a re-pulled day.
            var run = try await repairRun(spec.name, ctx)
            run.shaper = shaper
            let days = out.map(\.day)
            try await engine.commit(&run, rows: days.flatMap { fresh[$0] ?? [] }, replace: .days(days.map(\.description)))
            for i in out.indices { out[i].repaired = true }
            logger.info("verify: \(spec.name) re-pulled for \(days.count) days (site \(siteId))")
        }
        return out
    }

    /// Numbers that are not measurements: ids of Matomo's archive tables (`idsubdatatable`, renumbered
    /// whenever a day is archived again) and icon sizes.
    static func notAMetric(_ column: String) -> Bool {
        column.hasPrefix("id") || column.hasPrefix("logo_")
    }

    /// A day's answer as the rows a sync stores for it (the same rules as the sync's: padding rows left
    /// out, an empty metrics day stored as zeros).
    static func rows(_ answer: DayReport, spec: TableSpec, day: LocalDay, siteId: Int, shaper: inout RowShaper,
                     syncedAt: String) throws -> [[Cell]] {
        let date = day.description
        switch answer {
        case .metrics(let row):
            return [shaper.shape(row, siteId: siteId, date: date, syncedAt: syncedAt)]
        case .rows(let list):
            if spec.kind == .dailyMetrics {
                throw MatomoError.unexpectedAnswer(method: spec.method, detail: "rows where one metrics object per day was expected")
            }
            return list.filter { !SyncEngine.isPadding($0) }.map { shaper.shape($0, siteId: siteId, date: date, syncedAt: syncedAt) }
        case .value:
            throw MatomoError.unexpectedAnswer(method: spec.method, detail: "a bare value where a day's report was expected")
        case .empty:
            return spec.kind == .dailyMetrics ? [shaper.emptyDay(siteId: siteId, date: date, syncedAt: syncedAt, zeroMetrics: true)] : []
        }
    }
}

import Foundation
import Logging
import MatomoAPI

/// One table of one site of one source: the unit the scheduler runs.
public struct ScheduledJob: Sendable {
    public var source: Int
    public var siteId: Int
    public var table: TableName
    public var plan: TablePlan
}

/// Runs the tables of a config file: once (`sync --config`) or forever (`run`), each table when due,
/// a bounded number at a time. Next-due times live in the warehouse, so a restart does not redo work.
public final class ScheduledRunner: Sendable {
    public let config: SyncConfig
    let warehouse: any Warehouse
    let clients: [MatomoClient]
    let progress: any SyncProgress
    let now: @Sendable () -> Date
    let stopRequested: @Sendable () -> String?
    let maxConcurrentTables: Int
    /// Visits per Live API page; nil keeps the engine's default.
    let pageSize: Int?
    let logger: Logger

    public init(config: SyncConfig, warehouse: any Warehouse, clientConfiguration: ClientConfiguration,
                progress: any SyncProgress, maxConcurrentTables: Int = 2, pageSize: Int? = nil,
                now: @escaping @Sendable () -> Date = { Date() },
                stopRequested: @escaping @Sendable () -> String? = { nil },
                logger: Logger = Logger(label: "matomo-sync")) throws {
        self.config = config
        self.warehouse = warehouse
        self.clients = try config.sources.map {
            try MatomoClient(instance: try InstanceURL(parsing: $0.url), token: try APIToken($0.tokenValue), configuration: clientConfiguration)
        }
        self.progress = progress
        self.now = now
        self.stopRequested = stopRequested
        self.maxConcurrentTables = max(1, maxConcurrentTables)
        self.pageSize = pageSize
        self.logger = logger
    }

    public func shutdown() async {
        for c in clients { await c.shutdown() }
    }

    /// Every job of the config; `sites = "all"` is asked of Matomo each time.
    public func jobs() async throws -> [ScheduledJob] {
        var out: [ScheduledJob] = []
        for (i, source) in config.sources.enumerated() {
            let sites: [Int]
            switch source.sites {
            case .ids(let ids): sites = ids
            case .all:
                do {
                    sites = try await clients[i].viewableSiteIds()
                } catch {
                    await SyncEngine.recordRunFailure(error, warehouse: warehouse, instance: clients[i].instance.endpoint,
                                                      tablePrefix: source.tablePrefix, tables: source.enabledTables.map(\.0), now: now())
                    throw error
                }
            }
            for site in sites {
                // A derived table (visit_actions) runs inside its source's job.
                for (table, plan) in source.enabledTables where source.catalog.spec(table)?.derivedFrom == nil {
                    out.append(ScheduledJob(source: i, siteId: site, table: table, plan: plan))
                }
            }
        }
        return out
    }

    func key(_ job: ScheduledJob) -> StateKey {
        StateKey(instance: clients[job.source].instance.endpoint, siteId: job.siteId, table: job.table,
                 tablePrefix: config.sources[job.source].tablePrefix)
    }

    /// One pass over the due jobs (every job with `all`). Throws when stopped by a signal.
    @discardableResult
    public func runOnce(all: Bool = false) async throws -> [TableReport] {
        try await warehouse.prepare()
        try await warehouse.lockForSync()
        return try await withCleanup {
            try await runDue(try await jobs(), all: all)
        } cleanup: {
            await warehouse.unlockSync()
        }
    }

    /// Runs until a signal asks to stop; returns then, with every started batch committed.
    public func runForever(pollInterval: Duration = .seconds(1)) async throws {
        try await warehouse.prepare()
        try await warehouse.lockForSync()
        try await withCleanup {
            try await loop(pollInterval: pollInterval)
        } cleanup: {
            await warehouse.unlockSync()
        }
    }

    private func loop(pollInterval: Duration) async throws {
        while stopRequested() == nil {
            let jobs: [ScheduledJob]
            do {
                jobs = try await self.jobs()
                try await runDue(jobs, all: false)
                try await runDueVerifies(jobs)
            } catch let error as SyncError {
                if case .interrupted = error { return }
                throw error
            } catch {
                // Site discovery failed (network): try again after a pause rather than die.
                logger.error("\(error)")
                try await sleep(until: now().addingTimeInterval(60), pollInterval: pollInterval)
                continue
            }
            var states: [(TableState?, Int)] = []
            for job in jobs { states.append((try await warehouse.loadState(key(job)), job.plan.every)) }
            states += try await verifyStates(jobs)
            let wake = Schedule.earliest(states, now: now()) ?? now()
            try await sleep(until: wake, pollInterval: pollInterval)
        }
    }

    private func sleep(until date: Date, pollInterval: Duration) async throws {
        while stopRequested() == nil, now() < date {
            try await Task.sleep(for: min(pollInterval, .milliseconds(Int(max(1, date.timeIntervalSince(now()) * 1000)))))
        }
    }

    @discardableResult
    private func runDue(_ jobs: [ScheduledJob], all: Bool) async throws -> [TableReport] {
        var due: [ScheduledJob] = []
        for job in jobs {
            if all {
                due.append(job)
                continue
            }
            let state = try await warehouse.loadState(key(job))
            if Schedule.isDue(state, every: job.plan.every, now: now()) { due.append(job) }
        }
        var reports: [TableReport] = []
        var interrupted: SyncError?
        try await withThrowingTaskGroup(of: ([TableReport], SyncError?).self) { group in
            var next = 0
            func startNext() {
                guard next < due.count else { return }
                let job = due[next]
                next += 1
                group.addTask { try await self.run(job) }
            }
            for _ in 0..<min(maxConcurrentTables, due.count) { startNext() }
            while let (report, stop) = try await group.next() {
                reports += report
                if let stop { interrupted = stop }
                if interrupted == nil && stopRequested() == nil { startNext() }
            }
        }
        if let interrupted { throw interrupted }
        if let reason = stopRequested() {
            throw SyncError.interrupted("stopped by \(reason) after committing the batch in hand; the next run resumes")
        }
        return reports
    }

    private func run(_ job: ScheduledJob) async throws -> ([TableReport], SyncError?) {
        let source = config.sources[job.source]
        var options = SyncOptions()
        options.catalog = source.catalog
        options.reportDeclarations = Dictionary(source.reports.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        options.tables = [job.table] + source.enabledTables.map(\.0).filter { source.catalog.spec($0)?.derivedFrom == job.table }
        options.backfillDays = source.backfillDays
        options.tablePrefix = source.tablePrefix
        if let pageSize { options.pageSize = pageSize }
        options.fullRefresh = job.plan.method == .fullRefresh
        options.truncate = options.fullRefresh && job.plan.truncate
        options.every = job.plan.every
        options.now = now
        options.stopRequested = stopRequested
        let engine = SyncEngine(client: clients[job.source], warehouse: warehouse, siteId: job.siteId, options: options,
                                progress: progress, logger: logger)
        do {
            return (try await engine.run().tables, nil)
        } catch let error as SyncError {
            if case .interrupted = error { return ([], error) }
            throw error
        } catch {
            // The site itself failed (e.g. no access): the engine recorded it on the table; go on.
            var report = TableReport(table: job.table, siteId: job.siteId)
            report.instance = clients[job.source].instance.endpoint
            report.physicalTable = key(job).physicalTable
            report.error = SyncEngine.describe(error)
            progress.report(.tableFinished(report))
            return ([report], nil)
        }
    }
}

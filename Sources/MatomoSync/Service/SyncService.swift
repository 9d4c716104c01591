import Foundation
import Logging
import MatomoAPI

/// One run of a plan's tables: `SyncEngine` for each site's tables (their lifecycle: state, staging,
/// promote, bookkeeping), sites resolved once, `SyncProgress` the one way progress comes out. Every
/// front end goes through it: `sync` with flags or a config file, `run`, `demo`.
public final class SyncService: Sendable {
    public let plan: SyncPlan
    let warehouse: any Warehouse
    let clients: [MatomoClient]
    let progress: any SyncProgress
    let now: @Sendable () -> Date
    let stopRequested: @Sendable () -> String?
    let maxConcurrentRuns: Int
    let logger: Logger

    /// `maxConcurrentRuns`: how many table runs of `.perTable` sources go at once (`.perSite` sources
    /// run their sites one after another).
    public init(plan: SyncPlan, warehouse: any Warehouse, clientConfiguration: ClientConfiguration,
                progress: any SyncProgress = SilentProgress(), maxConcurrentRuns: Int = 2,
                now: @escaping @Sendable () -> Date = { Date() },
                stopRequested: @escaping @Sendable () -> String? = { nil },
                logger: Logger = Logger(label: "matomo-sync")) throws {
        self.plan = plan
        self.warehouse = warehouse
        self.clients = try plan.sources.map {
            try MatomoClient(instance: $0.instance, token: $0.token, configuration: clientConfiguration)
        }
        self.progress = progress
        self.now = now
        self.stopRequested = stopRequested
        self.maxConcurrentRuns = max(1, maxConcurrentRuns)
        self.logger = logger
    }

    public func shutdown() async {
        for c in clients { await c.shutdown() }
    }

    /// Requests sent so far, every source's client together.
    public var requestTotal: Int { clients.reduce(0) { $0 + $1.requestTotal } }

    /// One engine run: a site of a source and the tables it runs together.
    public struct Unit: Sendable {
        public var source: Int
        public var siteId: Int
        /// The first decides when the unit is due; the others run with it (its derived tables, or
        /// every table of the site for `.perSite`).
        public var tables: [SyncPlan.PlannedTable]
    }

    /// Every unit of the plan; `all` sites are asked of Matomo each time. A refused listing is
    /// recorded on the tables it stopped, then thrown.
    public func units() async throws -> [Unit] {
        var out: [Unit] = []
        for (i, source) in plan.sources.enumerated() {
            let sites: [Int]
            do {
                sites = try await source.sites.resolve(with: clients[i])
            } catch {
                await SyncFailure.recordBeforeAnySite(error, warehouse: warehouse, instance: clients[i].instance.endpoint,
                                                      tablePrefix: source.options.tablePrefix, tables: source.tables.map(\.name), now: now())
                throw error
            }
            for site in sites {
                switch source.grouping {
                case .perSite:
                    out.append(Unit(source: i, siteId: site, tables: source.tables))
                case .perTable:
                    // A derived table (visit_actions) runs inside its source's unit.
                    let catalog = source.options.catalog
                    for table in source.tables where catalog.spec(table.name)?.derivedFrom == nil {
                        let derived = source.tables.filter { catalog.spec($0.name)?.derivedFrom == table.name }
                        out.append(Unit(source: i, siteId: site, tables: [table] + derived))
                    }
                }
            }
        }
        return out
    }

    func key(_ unit: Unit) -> StateKey {
        StateKey(instance: clients[unit.source].instance.endpoint, siteId: unit.siteId, table: unit.tables[0].name,
                 tablePrefix: plan.sources[unit.source].options.tablePrefix)
    }

    /// One pass: the units that are due (every unit with `all`; a table without a frequency is always
    /// due), then, with `verifies`, the sources' scheduled verifies that are due (the console's passes;
    /// `sync --config` leaves them to `run` and `verify`). Throws when stopped by a signal, and when a
    /// `.perSite` run cannot run at all.
    @discardableResult
    public func runOnce(all: Bool = false, verifies: Bool = false) async throws -> [TableReport] {
        try await warehouse.prepare()
        try await warehouse.lockForSync()
        return try await withCleanup {
            let units = try await units()
            let reports = try await runDue(units, all: all)
            if verifies { try await runDueVerifies(units) }
            return reports
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
            let units: [Unit]
            do {
                units = try await self.units()
                try await runDue(units, all: false)
                try await runDueVerifies(units)
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
            for unit in units {
                guard let every = unit.tables[0].every else { continue }
                states.append((try await warehouse.loadState(key(unit)), every))
            }
            states += try await verifyStates(units)
            let wake = Schedule.earliest(states, now: now()) ?? now()
            try await sleep(until: wake, pollInterval: pollInterval)
        }
    }

    private func sleep(until date: Date, pollInterval: Duration) async throws {
        while stopRequested() == nil, now() < date {
            try await Task.sleep(for: min(pollInterval, .milliseconds(Int(max(1, date.timeIntervalSince(now()) * 1000)))))
        }
    }

    private func isDue(_ unit: Unit, all: Bool) async throws -> Bool {
        guard !all, let every = unit.tables[0].every else { return true }
        return Schedule.isDue(try await warehouse.loadState(key(unit)), every: every, now: now())
    }

    @discardableResult
    private func runDue(_ units: [Unit], all: Bool) async throws -> [TableReport] {
        var due: [Unit] = []
        for unit in units where try await isDue(unit, all: all) { due.append(unit) }
        // `.perSite` sources run their sites one after another, as one sync of several sites would.
        let width = due.contains { plan.sources[$0.source].grouping == .perSite } ? 1 : maxConcurrentRuns
        var reports: [TableReport] = []
        var interrupted: SyncError?
        try await withThrowingTaskGroup(of: ([TableReport], SyncError?).self) { group in
            var next = 0
            func startNext() {
                guard next < due.count else { return }
                let unit = due[next]
                next += 1
                group.addTask { try await self.run(unit) }
            }
            for _ in 0..<min(width, due.count) { startNext() }
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

    /// The engine's options for a unit: the source's, with the unit's tables and method.
    func options(_ unit: Unit) -> SyncOptions {
        let source = plan.sources[unit.source]
        let lead = unit.tables[0]
        var options = source.options
        options.tables = unit.tables.map(\.name)
        options.fullRefresh = lead.method == .fullRefresh
        options.truncate = options.fullRefresh && lead.truncate
        options.every = lead.every
        options.now = now
        options.stopRequested = stopRequested
        return options
    }

    private func run(_ unit: Unit) async throws -> ([TableReport], SyncError?) {
        let engine = SyncEngine(client: clients[unit.source], warehouse: warehouse, siteId: unit.siteId, options: options(unit),
                                progress: progress, logger: logger)
        do {
            return (try await engine.run().tables, nil)
        } catch let error as SyncError {
            // Stopped by a signal: the pass ends. Bad input or an unusable warehouse: so does the run.
            if case .interrupted = error { return ([], error) }
            throw error
        } catch {
            guard plan.sources[unit.source].grouping == .perTable else { throw error }
            return ([failed(unit, error)], nil)
        }
    }

    /// The site itself failed (e.g. no access): the engine recorded it on the table; the others go on.
    private func failed(_ unit: Unit, _ error: any Error) -> TableReport {
        var report = TableReport(table: unit.tables[0].name, siteId: unit.siteId)
        report.instance = clients[unit.source].instance.endpoint
        report.physicalTable = key(unit).physicalTable
        report.error = SyncFailure.describe(error)
        progress.report(.tableFinished(report))
        return report
    }
}

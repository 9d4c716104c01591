import Foundation
import MatomoAPI

/// One scheduled verify of one site, as the progress event and the console's run history carry it.
public struct ScheduledVerifyRun: Sendable {
    public enum Result: String, Sendable {
        /// Every checked day agrees, or every difference was repaired.
        case clean
        /// Something still differs (see `message`).
        case differs
        /// The verify could not run to its end (see `message`).
        case failed
    }

    public var instance: String
    public var siteId: Int
    /// The state row it is kept under: the source's table prefix and `_verify`.
    public var key: StateKey
    public var startedAt: Date
    public var seconds: Double
    /// Table days checked and repaired, over every table of the site.
    public var daysChecked: Int
    public var daysRepaired: Int
    public var requests: Int
    public var result: Result
    /// The verdict when something differs, the error when it failed.
    public var message: String?
}

/// `run` and `serve` verify each source that asks for it (`verify = { ... }`), site by site, when due:
/// the next-due time, the last outcome and what is still wrong are saved in the state table under
/// `_verify`, so `status` shows them and a restart does not verify again before it is due.
extension SyncService {
    func verifyKey(source: Int, siteId: Int) -> StateKey {
        StateKey(instance: clients[source].instance.endpoint, siteId: siteId, table: VerifyPlan.stateTable,
                 tablePrefix: plan.sources[source].options.tablePrefix)
    }

    /// The sites of the units whose source has a verify plan.
    func verifySites(_ units: [Unit]) -> [(source: Int, siteId: Int, plan: VerifyPlan)] {
        var seen = Set<[Int]>()
        var out: [(source: Int, siteId: Int, plan: VerifyPlan)] = []
        for unit in units {
            guard let plan = self.plan.sources[unit.source].verify, seen.insert([unit.source, unit.siteId]).inserted else { continue }
            out.append((unit.source, unit.siteId, plan))
        }
        return out
    }

    /// For the scheduler's wake-up time.
    func verifyStates(_ units: [Unit]) async throws -> [(TableState?, Int)] {
        var out: [(TableState?, Int)] = []
        for v in verifySites(units) { out.append((try await warehouse.loadState(verifyKey(source: v.source, siteId: v.siteId)), v.plan.every)) }
        return out
    }

    /// Runs the verifies that are due; returns their reports. A verify that fails is recorded and
    /// retried with the tables' backoff; the loop goes on.
    @discardableResult
    func runDueVerifies(_ units: [Unit]) async throws -> [VerifyReport] {
        var reports: [VerifyReport] = []
        for v in verifySites(units) {
            guard stopRequested() == nil else { break }
            let key = verifyKey(source: v.source, siteId: v.siteId)
            var state = try await warehouse.loadState(key) ?? TableState()
            guard Schedule.isDue(state, every: v.plan.every, now: now()) else { continue }
            let source = plan.sources[v.source]
            let started = now()
            let requestsBefore = clients[v.source].requestTotal
            var run = ScheduledVerifyRun(instance: clients[v.source].instance.endpoint, siteId: v.siteId, key: key, startedAt: started,
                                         seconds: 0, daysChecked: 0, daysRepaired: 0, requests: 0, result: .clean)
            var options = VerifyOptions()
            options.days = v.plan.days
            options.repair = v.plan.repair
            options.tablePrefix = source.options.tablePrefix
            options.catalog = source.options.catalog
            options.tables = source.tables.map(\.name).filter { source.options.catalog.spec($0).map(Verifier.checks) ?? false }
            options.pageSize = source.options.pageSize
            options.now = now
            do {
                let report = try await Verifier(client: clients[v.source], warehouse: warehouse, siteId: v.siteId, options: options, logger: logger).run()
                for line in report.lines() { logger.info("verify: \(line)") }
                let finished = now()
                state.lastSuccessAt = Timestamps.iso(finished)
                state.failures = 0
                // What is still wrong stays visible in `status` until a verify finds it gone.
                state.lastError = report.clean ? nil : "verify: " + report.verdict
                state.lastErrorAt = report.clean ? nil : Timestamps.iso(finished)
                state.nextRunAt = Timestamps.iso(Schedule.nextRun(after: finished, every: v.plan.every, failures: 0))
                if report.clean { logger.notice("verify site \(v.siteId): \(report.verdict)") } else { logger.error("verify site \(v.siteId): \(report.verdict)") }
                reports.append(report)
                run.daysChecked = report.tables.reduce(0) { $0 + $1.daysChecked }
                run.daysRepaired = report.tables.reduce(0) { $0 + $1.daysRepaired }
                run.result = report.clean ? .clean : .differs
                run.message = report.differences.isEmpty ? nil : report.verdict
            } catch {
                if error is CancellationError { throw error }
                let finished = now()
                state.lastError = "verify: " + SyncFailure.describe(error)
                state.lastErrorAt = Timestamps.iso(finished)
                state.failures += 1
                state.nextRunAt = Timestamps.iso(Schedule.nextRun(after: finished, every: v.plan.every, failures: state.failures))
                logger.error("verify site \(v.siteId) failed: \(SyncFailure.describe(error))")
                run.result = .failed
                run.message = SyncFailure.describe(error)
            }
            try await warehouse.saveState(key, state)
            run.seconds = now().timeIntervalSince(started)
            run.requests = clients[v.source].requestTotal - requestsBefore
            progress.report(.verifyFinished(run))
        }
        return reports
    }
}

import Foundation
import MatomoAPI

/// `run` verifies each source that asks for it (`verify = { ... }`), site by site, when due: the
/// next-due time, the last outcome and what is still wrong are saved in the state table under
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
            } catch {
                if error is CancellationError { throw error }
                let finished = now()
                state.lastError = "verify: " + SyncFailure.describe(error)
                state.lastErrorAt = Timestamps.iso(finished)
                state.failures += 1
                state.nextRunAt = Timestamps.iso(Schedule.nextRun(after: finished, every: v.plan.every, failures: state.failures))
                logger.error("verify site \(v.siteId) failed: \(SyncFailure.describe(error))")
            }
            try await warehouse.saveState(key, state)
        }
        return reports
    }
}

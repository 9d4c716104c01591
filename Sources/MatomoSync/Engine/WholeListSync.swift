import Foundation
import MatomoAPI

extension SyncEngine {
    /// A list without dates (`Goals.getGoals`): one request, and the site's rows replaced by the answer
    /// in one commit, so a goal deleted in Matomo disappears here too. `_date` is the site-local day
    /// of the sync.
    func syncWholeList(_ run: inout TableRun) async throws {
        let today = LocalDay.containing(options.now(), in: run.site.timeZone)
        progress.report(.tableStarted(run.spec.name, siteId: siteId, physicalTable: run.report.physicalTable, daysTotal: 1))
        try checkStop()
        let body = try await client.call(run.spec.method, run.spec.listParameters(siteId: siteId))
        run.report.requests += 1
        let list = try ReportParsing.list(body, method: run.spec.method)
        let rows = list.map { run.shaper.shape($0, siteId: siteId, date: today.description, syncedAt: run.syncedAt) }
        run.state.cursor = nil
        try await commit(&run, rows: rows, replace: .site)
        progress.report(.progress(run.spec.name, siteId: siteId, physicalTable: run.report.physicalTable, daysDone: 1, daysTotal: 1, rows: run.report.rows))
    }
}

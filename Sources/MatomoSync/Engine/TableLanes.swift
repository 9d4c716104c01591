import MatomoAPI
import Synchronization

/// The tables of one run, in lanes that run side by side: the visit log in one, the report tables one
/// after another in the other. They share nothing but the client, whose limiter keeps the requests of
/// both within `--concurrency`, and the warehouse, whose writes go through one `WriteGate`.
extension SyncEngine {
    /// Which tables run after which. Without overlap (the benchmark's before): one lane, in order.
    /// A derived table (visit_actions) is no lane's: it runs inside the table it comes from.
    static func lanes(_ tables: [TableName], catalog: TableCatalog, overlap: Bool) -> [[TableName]] {
        let sources = tables.filter { catalog.spec($0)?.derivedFrom == nil }
        guard overlap else { return [sources] }
        let visits = sources.filter { catalog.spec($0)?.kind == .visitLog }
        let reports = sources.filter { catalog.spec($0)?.kind != .visitLog }
        return [visits, reports].filter { !$0.isEmpty }
    }

    /// Runs every lane to its end and returns the reports in the order the tables were asked for.
    /// A lane that is stopped (a signal, cancellation) ends after its batch in hand; the other lane
    /// gets to its own next commit before the run throws, so each keeps what it committed.
    func runLanes(site: SiteInfo, catalog: TableCatalog) async throws -> [TableReport] {
        let lanes = Self.lanes(options.tables, catalog: catalog, overlap: options.overlapTables)
        let outcomes = await withTaskGroup(of: LaneOutcome.self) { group in
            for (index, lane) in lanes.enumerated() {
                group.addTask {
                    var reports: [TableReport] = []
                    do {
                        for table in lane {
                            try self.checkStop()
                            reports += await self.runTable(table, site: site, catalog: catalog)
                        }
                        return LaneOutcome(index: index, reports: reports, error: nil)
                    } catch {
                        return LaneOutcome(index: index, reports: reports, error: error)
                    }
                }
            }
            var all: [LaneOutcome] = []
            for await outcome in group { all.append(outcome) }
            return all.sorted { $0.index < $1.index }
        }
        if let error = outcomes.lazy.compactMap(\.error).first { throw error }
        let reports = outcomes.flatMap(\.reports)
        return options.tables.compactMap { table in reports.first { $0.table == table } }
    }

    struct LaneOutcome: Sendable {
        var index: Int
        var reports: [TableReport]
        var error: (any Error)?
    }
}

/// One warehouse write at a time for the whole run, as when tables ran one after another: each
/// engine's guarantees (a batch and its cursor in one commit) stay exactly what they were, whatever
/// the engine's own handling of concurrent writers.
final class WriteGate: Sendable {
    private let state = Mutex<(busy: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

    func run<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        await enter()
        do {
            let value = try await body()
            leave()
            return value
        } catch {
            leave()
            throw error
        }
    }

    private func enter() async {
        let entered = state.withLock { s -> Bool in
            if s.busy { return false }
            s.busy = true
            return true
        }
        if entered { return }
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let now = state.withLock { s -> Bool in
                if s.busy {
                    s.waiters.append(c)
                    return false
                }
                s.busy = true
                return true
            }
            if now { c.resume() }
        }
    }

    private func leave() {
        let next = state.withLock { s -> CheckedContinuation<Void, Never>? in
            if s.waiters.isEmpty {
                s.busy = false
                return nil
            }
            return s.waiters.removeFirst()
        }
        next?.resume()
    }
}

import Foundation
import MatomoAPI

extension SyncEngine {
    /// Pulls a report for every day of the window in few requests, each chunk committed with its days
    /// replaced and the cursor moved to the chunk's last day. Chunks are independent requests: several
    /// are in flight at once (the client's concurrency), and they are committed strictly in order, so the
    /// cursor only moves forward.
    func syncAggregate(_ run: inout TableRun) async throws {
        let zone = run.site.timeZone
        let today = LocalDay.containing(options.now(), in: zone)
        let created = run.site.createdAt.map { LocalDay.containing($0, in: zone) }
        let cursor = ReportCursor(run.state.cursor).day
        let window = AggregatePlanner.window(today: today, cursor: cursor, backfillDays: options.backfillDays,
                                             fullRefresh: false, siteCreated: created)
        run.report.days = window
        noteRefreshWindow(&run, first: window.first)
        progress.report(.tableStarted(run.spec.name, siteId: siteId, physicalTable: run.report.physicalTable, daysTotal: window.count))
        let chunks = AggregatePlanner.chunks(window, acceptsDateRange: run.spec.acceptsDateRange,
                                             rangeDays: options.rangeDays, bulkDays: options.bulkDays)
        var done = 0
        // Without overlap (the benchmark's before): one request at a time, none sent ahead.
        var pending = chunks[...]
        var pipeline = !options.overlapTables ? nil
            : OrderedFetches<DayRange, [(LocalDay, DayReport)]>(jobs: chunks, ahead: max(1, client.configuration.maxConcurrentRequests)) {
                [self, spec = run.spec] chunk in try await self.fetch(spec, chunk)
            }
        defer { pipeline?.cancelAll() }
        while true {
            try checkStop()
            let chunk: DayRange, reports: [(LocalDay, DayReport)]
            if pipeline != nil {
                guard let next = try await pipeline!.next() else { break }
                (chunk, reports) = next
            } else {
                guard let next = pending.popFirst() else { break }
                (chunk, reports) = (next, try await fetch(run.spec, next))
            }
            run.report.requests += 1
            var rows: [[Cell]] = []
            let answered = Set(reports.map(\.0))
            for (day, report) in reports where day >= chunk.first && day <= chunk.last {
                let date = day.description
                switch report {
                case .metrics(let row):
                    rows.append(run.shaper.shape(row, siteId: siteId, date: date, syncedAt: run.syncedAt))
                case .rows(let list):
                    if run.spec.kind == .dailyMetrics {
                        throw MatomoError.unexpectedAnswer(method: run.spec.method, detail: "rows where one metrics object per day was expected")
                    }
                    for row in list where !Self.isPadding(row) {
                        rows.append(run.shaper.shape(row, siteId: siteId, date: date, syncedAt: run.syncedAt))
                    }
                case .value:
                    throw MatomoError.unexpectedAnswer(method: run.spec.method, detail: "a bare value where a day's report was expected")
                case .empty:
                    // Matomo answers zeros for one empty day and `[]` inside a multi-day answer;
                    // store the zeros either way so each day has its row.
                    if run.spec.kind == .dailyMetrics {
                        rows.append(run.shaper.emptyDay(siteId: siteId, date: date, syncedAt: run.syncedAt, zeroMetrics: true))
                    }
                }
            }
            let missing = chunk.days.filter { !answered.contains($0) }
            if !missing.isEmpty {
                throw MatomoError.unexpectedAnswer(method: run.spec.method, detail: "no answer for \(counted(missing.count, "day")), first \(missing[0])")
            }
            // A declared report remembers, with its cursor, that Matomo wanted one date per request.
            run.state.cursor = ReportCursor(day: chunk.last, singleDate: run.spec.userDeclared && !run.spec.acceptsDateRange).text
            try await commit(&run, rows: rows, replace: .days(chunk.days.map(\.description)))
            done += chunk.count
            progress.report(.progress(run.spec.name, siteId: siteId, physicalTable: run.report.physicalTable, daysDone: done, daysTotal: window.count, rows: run.report.rows))
        }
    }

    /// A row whose every metric is zero: what some reports add to a single-day answer only
    /// (`DevicesDetection.getType` lists every device type), so a day is stored the same whichever way
    /// it was asked. Text fields (label, segment, ...) are not metrics.
    static func isPadding(_ row: JSONRow) -> Bool {
        var numbers = 0
        for (_, value) in row {
            switch value {
            case .int(let i): if i != 0 { return false }; numbers += 1
            case .double(let d): if d != 0 { return false }; numbers += 1
            case .string(let s):
                if let d = Double(s) { if d != 0 { return false }; numbers += 1 }
            case .json(let text): if text != "[]" && text != "{}" { return false }
            default: break
            }
        }
        return numbers > 0
    }

    func fetch(_ spec: TableSpec, _ chunk: DayRange) async throws -> [(LocalDay, DayReport)] {
        if spec.acceptsDateRange {
            let body = try await client.call(spec.method, spec.reportParameters(siteId: siteId, date: "\(chunk.first),\(chunk.last)"))
            return try ReportParsing.days(body, method: spec.method, singleDay: chunk.count == 1 ? chunk.first : nil)
        }
        // Referrers.getAll refuses several dates: one sub-request per day, batched.
        let days = chunk.days
        let requests = days.map { spec.bulkParameters(siteId: siteId, date: $0.description) }
        let body = try await client.bulk(requests)
        return try ReportParsing.bulkDays(body, method: spec.method, days: days)
    }
}

import Foundation
import MatomoAPI

/// A user-declared report's cursor: the last synced day, and whether Matomo refused several dates per
/// request (learned from its answer once, then remembered in the state with the cursor).
struct ReportCursor: Equatable {
    static let singleDateMark = " one-date-per-request"

    var day: LocalDay?
    var singleDate: Bool

    init(day: LocalDay?, singleDate: Bool) {
        self.day = day
        self.singleDate = singleDate
    }

    init(_ text: String?) {
        guard var text else { self.init(day: nil, singleDate: false); return }
        let single = text.hasSuffix(Self.singleDateMark)
        if single { text.removeLast(Self.singleDateMark.count) }
        self.init(day: LocalDay(text), singleDate: single)
    }

    var text: String? {
        guard let day else { return singleDate ? Self.singleDateMark.trimmingCharacters(in: .whitespaces) : nil }
        return day.description + (singleDate ? Self.singleDateMark : "")
    }
}

extension SyncEngine {
    /// Checks the run's user-declared reports against this Matomo before any data request: the method
    /// exists, the key columns are in its answer, and whether it takes several dates per request.
    /// Returns the catalog with each report's spec settled (rows or one row per day, multi-date or not).
    func settleReports(site: SiteInfo) async throws -> TableCatalog {
        var specs = options.catalog.specs
        for (i, spec) in specs.enumerated() where spec.userDeclared && options.tables.contains(spec.name) {
            specs[i] = try await settle(spec, site: site)
        }
        return TableCatalog(specs)
    }

    private func settle(_ declared: TableSpec, site: SiteInfo) async throws -> TableSpec {
        let origin = options.reportOrigins[declared.name] ?? "report '\(declared.name)'"
        let key = StateKey(instance: client.instance.endpoint, siteId: siteId, table: declared.name, tablePrefix: options.tablePrefix)
        let remembered = ReportCursor((try await warehouse.loadState(key))?.cursor)
        let today = LocalDay.containing(options.now(), in: site.timeZone)
        let probe = { (date: String) in declared.probeParameters(siteId: self.siteId, date: date, limit: 50) }
        var days: [(LocalDay, DayReport)] = []
        var multiDate = !remembered.singleDate
        func refusal(_ error: MatomoError) -> SyncError {
            SyncError.invalidInput("\(origin).method: \(declared.method) cannot be synced from \(client.instance.endpoint): \(error.description)")
        }
        do {
            if multiDate {
                let first = today.adding(days: -7), last = today.adding(days: -1)
                let body = try await client.call(declared.method, probe("\(first),\(last)"))
                days = try ReportParsing.days(body, method: declared.method, singleDay: nil)
            }
        } catch let error as MatomoError {
            // A method this instance lacks, or no access, is final; anything else may be the method
            // refusing several dates (as Referrers.getAll does): ask again for one day.
            if case .api = error, error.apiErrorKind == .other, !Self.isUnknownMethod(error) {
                multiDate = false
            } else if case .unexpectedAnswer = error {
                multiDate = false
            } else {
                throw refusal(error)
            }
        }
        if !multiDate {
            do {
                let day = today.adding(days: -1)
                let body = try await client.call(declared.method, probe(day.description))
                days = try ReportParsing.days(body, method: declared.method, singleDay: day)
            } catch let error as MatomoError {
                throw refusal(error)
            }
        }
        var sawRows = false, sawMetrics = false
        var columns = Set<String>()
        for (_, report) in days {
            switch report {
            case .rows(let rows):
                sawRows = true
                for row in rows { for (k, _) in row { columns.insert(ColumnNaming.snakeCase(k)) } }
            case .metrics(let row):
                sawMetrics = true
                for (k, _) in row { columns.insert(ColumnNaming.snakeCase(k)) }
            case .empty: break
            case .value:
                // One column in showColumns collapses each day to a bare number, which names no column.
                throw SyncError.invalidInput("\(origin): \(declared.method) answers a bare value per day (one column in showColumns?); list two columns or none")
            }
        }
        let declaration = options.reportDeclarations[declared.name]
        let rows = sawRows || (!sawMetrics && declaration?.key != [])
        var spec = declaration?.spec(rows: rows, acceptsDateRange: multiDate) ?? declared
        spec.acceptsDateRange = multiDate
        if !rows, let key = declaration?.key, !key.isEmpty {
            throw SyncError.invalidInput("\(origin).key: \(declared.method) answers one metrics object per day, so it has no key columns; remove key")
        }
        if sawRows || sawMetrics {
            for column in spec.mergeKey where !column.hasPrefix("_") && !columns.contains(column) {
                throw SyncError.invalidInput("\(origin).key: \(declared.method)'s answer has no column '\(column)'; its columns are \(columns.sorted().joined(separator: ", "))")
            }
        } else {
            logger.warning("\(origin): \(declared.method) answered no rows for the last 7 days; its key columns are checked when rows arrive")
        }
        return spec
    }

    static func isUnknownMethod(_ error: MatomoError) -> Bool {
        guard case .api(_, _, let message) = error else { return false }
        return message.contains("does not exist or is not available") || message.contains("is not enabled")
            || message.contains("method name is invalid")
    }
}

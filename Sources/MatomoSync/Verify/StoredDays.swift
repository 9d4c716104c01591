import Foundation

/// What the warehouse holds per site-local day, read through `query` (read-only SQL that every
/// warehouse runs the same way): counts, ids, keys and metric sums. Names are the catalog's (quoted
/// on every engine), the site id an integer and days `YYYY-MM-DD` strings written here.
struct StoredDays: Sendable {
    let warehouse: any Warehouse

    func exists(_ table: String) async throws -> Bool {
        try await warehouse.tableNames().contains(table)
    }

    func columns(_ table: String) async throws -> [String] {
        try await warehouse.query("SELECT * FROM \(q(table)) WHERE 1 = 0").columns
    }

    /// The first day the site's rows of the table hold.
    func firstDay(_ table: String, siteId: Int) async throws -> LocalDay? {
        let r = try await warehouse.query("SELECT MIN(_date) FROM \(q(table)) WHERE _site_id = \(siteId)")
        return r.rows.first?.first.flatMap(Self.day)
    }

    /// Rows per day.
    func counts(_ table: String, siteId: Int, days: DayRange) async throws -> [LocalDay: Int] {
        let r = try await warehouse.query("SELECT _date, COUNT(*) FROM \(q(table)) WHERE \(within(siteId, days)) GROUP BY _date")
        var out: [LocalDay: Int] = [:]
        for row in r.rows {
            guard row.count == 2, let day = Self.day(row[0]), let n = VerifyRules.number(row[1]) else { continue }
            out[day] = Int(n)
        }
        return out
    }

    /// The values of an integer column (visit ids) of one day.
    func ids(_ table: String, column: String, siteId: Int, day: LocalDay) async throws -> Set<Int64> {
        let r = try await warehouse.query("SELECT \(q(column)) FROM \(q(table)) WHERE \(within(siteId, DayRange(day, day)))")
        return Set(r.rows.compactMap { $0.first.flatMap(VerifyRules.number).map { Int64($0) } })
    }

    /// Per day, how many visits a derived table has rows for, and how many of them have rows not
    /// numbered 0..n-1: aggregated by the warehouse, one row a day.
    func derivedCounts(_ table: String, siteId: Int, days: DayRange) async throws -> [LocalDay: (visits: Int, broken: Int)] {
        let r = try await warehouse.query("""
            SELECT _date, COUNT(*), SUM(CASE WHEN n = m + 1 THEN 0 ELSE 1 END) FROM (
                SELECT _date, id_visit, COUNT(*) AS n, MAX(position) AS m FROM \(q(table)) WHERE \(within(siteId, days)) GROUP BY _date, id_visit
            ) AS per_visit GROUP BY _date
            """)
        var out: [LocalDay: (visits: Int, broken: Int)] = [:]
        for row in r.rows {
            guard row.count == 3, let day = Self.day(row[0]) else { continue }
            out[day] = (Int(VerifyRules.number(row[1]) ?? 0), Int(VerifyRules.number(row[2]) ?? 0))
        }
        return out
    }

    /// A derived table's visits per day, and the visits whose positions are not 0..n-1.
    func derivedVisits(_ table: String, siteId: Int, days: DayRange) async throws -> [LocalDay: (ids: Set<Int64>, broken: Set<Int64>)] {
        let r = try await warehouse.query("""
            SELECT _date, id_visit, COUNT(*), MAX(position) FROM \(q(table)) WHERE \(within(siteId, days)) GROUP BY _date, id_visit
            """)
        var out: [LocalDay: (ids: Set<Int64>, broken: Set<Int64>)] = [:]
        for row in r.rows {
            guard row.count == 4, let day = Self.day(row[0]), let id = VerifyRules.number(row[1]).map({ Int64($0) }) else { continue }
            out[day, default: ([], [])].ids.insert(id)
            let count = VerifyRules.number(row[2]) ?? 0, top = VerifyRules.number(row[3]) ?? -1
            if count != top + 1 { out[day, default: ([], [])].broken.insert(id) }
        }
        return out
    }

    /// A report's days: rows, key set and metric sums.
    func summaries(_ table: String, siteId: Int, days: DayRange, keyColumns: [String], metrics: [String]) async throws -> [LocalDay: DaySummary] {
        var out: [LocalDay: DaySummary] = [:]
        let sums = metrics.map { "SUM(\(q($0)))" }
        let r = try await warehouse.query("SELECT _date, COUNT(*)\(sums.map { ", " + $0 }.joined()) FROM \(q(table)) WHERE \(within(siteId, days)) GROUP BY _date")
        for row in r.rows {
            guard row.count == 2 + metrics.count, let day = Self.day(row[0]) else { continue }
            var s = DaySummary(rows: Int(VerifyRules.number(row[1]) ?? 0))
            for (i, m) in metrics.enumerated() { s.sums[m] = VerifyRules.number(row[2 + i]) ?? 0 }
            out[day] = s
        }
        guard !keyColumns.isEmpty else { return out }
        let k = try await warehouse.query("SELECT _date, \(keyColumns.map(q).joined(separator: ", ")) FROM \(q(table)) WHERE \(within(siteId, days))")
        for row in k.rows {
            guard row.count == 1 + keyColumns.count, let day = Self.day(row[0]) else { continue }
            out[day, default: DaySummary()].keys.insert(VerifyRules.key(Array(row.dropFirst())))
        }
        return out
    }

    private func within(_ siteId: Int, _ days: DayRange) -> String {
        "_site_id = \(siteId) AND _date >= '\(days.first)' AND _date <= '\(days.last)'"
    }

    /// Names come from the catalog and the prefix ([a-z0-9_]); quoted all the same.
    private func q(_ name: String) -> String { "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }

    static func day(_ cell: Cell) -> LocalDay? {
        guard case .text(let t) = cell else { return nil }
        return LocalDay(t.prefix(10))
    }
}

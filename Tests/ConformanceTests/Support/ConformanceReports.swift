import Foundation
import MatomoAPI
import MatomoSync

/// A report table and how to ask Matomo for its truth.
struct ReportTable: Sendable {
    var name: String
    var method: String
    /// Rows per day keyed by these fields; nil for one metrics object per day.
    var key: [String]?
    var parameters: [(String, String)]
    /// Matomo refuses several dates for it: one request per day, through API.getBulkRequest.
    var singleDates: Bool

    static let all = [
        ReportTable(name: "visits_summary", method: "VisitsSummary.get", key: nil, parameters: [], singleDates: false),
        ReportTable(name: "actions_summary", method: "Actions.get", key: nil, parameters: [], singleDates: false),
        ReportTable(name: "referrers", method: "Referrers.getAll", key: ["referer_type", "label"], parameters: [("filter_limit", "-1")], singleDates: true),
        ReportTable(name: "countries", method: "UserCountry.getCountry", key: ["code"], parameters: [("filter_limit", "-1")], singleDates: false),
        ReportTable(name: "pages", method: "Actions.getPageUrls", key: ["label"], parameters: [("flat", "1"), ("filter_limit", "-1")], singleDates: false),
        ReportTable(name: "goals_summary", method: "Goals.get", key: nil, parameters: [], singleDates: false),
        ReportTable(name: "event_categories", method: "Events.getCategory", key: ["label"], parameters: [("filter_limit", "-1")], singleDates: false),
        ReportTable(name: "event_actions", method: "Events.getAction", key: ["label"], parameters: [("filter_limit", "-1")], singleDates: false),
        ReportTable(name: "event_names", method: "Events.getName", key: ["label"], parameters: [("filter_limit", "-1")], singleDates: false),
    ]
}

/// Matomo's own answers for every day of a report, fetched independently of the engine (parsed with
/// JSONSerialization). Days before the last few never change during the suite (no traffic is sent to
/// them after archiving), so they are fetched once per process; recent days are fetched at every check.
final class ReportTruth: @unchecked Sendable {
    static let shared = ReportTruth()
    private let lock = NSLock()
    private var stable: [String: [String: Any]] = [:]

    /// `day -> answer` (an object, or an array of rows) for `days` (ascending, `YYYY-MM-DD`).
    func answers(_ table: ReportTable, site: Int, days: [String], recentFrom: String, client: MatomoClient) async throws -> [String: Any] {
        let cacheKey = "\(table.name)/\(site)"
        var out: [String: Any] = [:]
        let old = days.filter { $0 < recentFrom }
        if let cached = lock.withLock({ stable[cacheKey] }), old.allSatisfy({ cached[$0] != nil }) {
            for d in old { out[d] = cached[d] }
        } else {
            let fetched = try await fetch(table, site: site, days: old, client: client)
            lock.withLock { stable[cacheKey] = fetched }
            out.merge(fetched) { a, _ in a }
        }
        let recent = days.filter { $0 >= recentFrom }
        out.merge(try await fetch(table, site: site, days: recent, client: client)) { a, _ in a }
        return out
    }

    private func fetch(_ table: ReportTable, site: Int, days: [String], client: MatomoClient) async throws -> [String: Any] {
        guard !days.isEmpty else { return [:] }
        let base: [(String, String)] = [("idSite", String(site)), ("period", "day"), ("format_metrics", "0")] + table.parameters
        var out: [String: Any] = [:]
        if table.singleDates {
            for chunk in stride(from: 0, to: days.count, by: 31).map({ Array(days[$0..<min($0 + 31, days.count)]) }) {
                let body = try await client.bulk(chunk.map { [("method", table.method)] + base + [("date", $0)] })
                guard let answers = try JSONSerialization.jsonObject(with: Data(body)) as? [Any], answers.count == chunk.count else {
                    throw ConformanceFailure("\(table.method) bulk: not one answer per day")
                }
                for (day, answer) in zip(chunk, answers) { out[day] = answer }
            }
            return out
        }
        // Several dates always (a single date answers in another layout): a lone day is asked with its neighbour.
        var start = 0
        while start < days.count {
            let end = min(start + 100, days.count)
            let first = days[start], last = days[end - 1]
            let from = first == last ? Self.dayBefore(first) : first
            let body = try await client.call(table.method, base + [("date", "\(from),\(last)")])
            guard let keyed = try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] else {
                throw ConformanceFailure("\(table.method) \(from),\(last): not keyed by date")
            }
            for day in days[start..<end] {
                guard let answer = keyed[day] else { throw ConformanceFailure("\(table.method): no answer for \(day)") }
                out[day] = answer
            }
            start = end
        }
        return out
    }

    static func dayBefore(_ day: String) -> String {
        LocalDay(day)!.adding(days: -1).description
    }
}

/// Compares one warehouse row with one of Matomo's answer rows: every field Matomo sent has its
/// column (snake_case) with the same value, and every other column is empty.
enum RowComparison {
    static let meta: Set<String> = ["_site_id", "_date", "_synced_at"]

    static func differences(api: [String: Any], stored: [String: Any], allowZeros: Bool = false) -> [String] {
        var problems: [String] = []
        var expected: Set<String> = []
        for (key, value) in api {
            let column = ColumnNaming.snakeCase(key)
            expected.insert(column)
            if !same(value, stored[column]) {
                problems.append("\(column): Matomo \(describe(value)), warehouse \(describe(stored[column]))")
            }
        }
        for (column, value) in stored where !meta.contains(column) && !expected.contains(column) {
            if value is NSNull { continue }
            if allowZeros, let n = number(value), n == 0 { continue }
            problems.append("\(column): not in Matomo's answer, warehouse \(describe(value))")
        }
        return problems
    }

    static func same(_ api: Any, _ stored: Any?) -> Bool {
        guard let stored, !(stored is NSNull) else { return api is NSNull }
        if api is [Any] || api is [String: Any] {
            guard let text = stored as? String, let parsed = try? JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed]) else { return false }
            return deepEqual(api, parsed)
        }
        if let a = number(api), let b = number(stored) {
            return a == b || abs(a - b) <= 1e-9 * max(abs(a), abs(b))
        }
        return "\(api)" == "\(stored)"
    }

    /// JSON values equal as values: objects whatever their key order (JSONB reorders keys), numbers by value.
    static func deepEqual(_ a: Any, _ b: Any) -> Bool {
        if let x = a as? [String: Any] {
            guard let y = b as? [String: Any], x.count == y.count else { return false }
            return x.allSatisfy { key, value in y[key].map { deepEqual(value, $0) } ?? false }
        }
        if let x = a as? [Any] {
            guard let y = b as? [Any], x.count == y.count else { return false }
            return zip(x, y).allSatisfy { deepEqual($0, $1) }
        }
        if a is NSNull || b is NSNull { return a is NSNull && b is NSNull }
        if let x = a as? String, let y = b as? String { return x == y }
        if a is String || b is String { return false }
        if let x = number(a), let y = number(b) { return x == y || abs(x - y) <= 1e-9 * max(abs(x), abs(y)) }
        return false
    }

    static func number(_ value: Any) -> Double? {
        if let n = value as? NSNumber, !(value is String) { return n.doubleValue }
        if let s = value as? String { return Double(s) }
        return nil
    }

    static func describe(_ value: Any?) -> String {
        guard let value else { return "(no column)" }
        if value is NSNull { return "null" }
        if let data = try? JSONSerialization.data(withJSONObject: value, options: [.fragmentsAllowed, .sortedKeys]) {
            return String(decoding: data.prefix(200), as: UTF8.self)
        }
        return "\(value)"
    }
}

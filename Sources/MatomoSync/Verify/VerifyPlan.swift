import Foundation
import TOMLKit

/// A source's scheduled verify (`verify = { every = "24h", days = 35, repair = true }`), run by `run`.
public struct VerifyPlan: Sendable, Equatable {
    public var every: Int
    public var days: Int
    public var repair: Bool

    public init(every: Int = 86400, days: Int = 35, repair: Bool = false) {
        self.every = every
        self.days = days
        self.repair = repair
    }

    /// Its next-due time lives in the state table like a table's, under this name.
    public static let stateTable = TableName("_verify")
}

extension ConfigLoader {
    static func verifyPlan(_ value: TOMLValueConvertible?, at: String, _ fail: (String, String) -> SyncError) throws -> VerifyPlan? {
        guard let value else { return nil }
        if let on = value.bool { return on ? VerifyPlan() : nil }
        guard let t = value.table else { throw fail(at, "must be true, false or { every = \"24h\", days = 35, repair = true }") }
        let allowed: Set<String> = ["every", "days", "repair"]
        for key in t.keys where !allowed.contains(key) {
            throw fail("\(at).\(key)", "unknown key; allowed here: \(allowed.sorted().joined(separator: ", "))")
        }
        var plan = VerifyPlan()
        if let e = t["every"] {
            guard let s = e.string, let seconds = Every.parse(s) else { throw fail("\(at).every", "not a duration; use e.g. \"24h\", \"1d\"") }
            plan.every = seconds
        }
        if let d = t["days"] {
            guard let days = d.int, (1...VerifyOptions.maxDays).contains(days) else {
                throw fail("\(at).days", "must be a whole number of days from 1 to \(VerifyOptions.maxDays)")
            }
            plan.days = days
        }
        if let r = t["repair"] {
            guard let on = r.bool else { throw fail("\(at).repair", "must be true or false") }
            plan.repair = on
        }
        return plan
    }
}

/// The five tables, with the names scripts and SQL depend on.
public enum TableName: String, Sendable, CaseIterable, Hashable, Codable {
    case visits
    case visitsSummary = "visits_summary"
    case actionsSummary = "actions_summary"
    case referrers
    case countries

    /// Parses a comma-separated list such as `visits,countries`, refusing unknown names.
    public static func parseList(_ text: String) throws -> [TableName] {
        var out: [TableName] = []
        for part in text.split(separator: ",") {
            let name = part.trimmingCharacters(in: .whitespaces)
            guard let table = TableName(rawValue: name) else {
                throw SyncError.invalidInput("unknown table '\(name)'; the tables are \(allCases.map(\.rawValue).joined(separator: ", "))")
            }
            if !out.contains(table) { out.append(table) }
        }
        guard !out.isEmpty else { throw SyncError.invalidInput("--tables is empty; name at least one table") }
        return out
    }
}

import Foundation

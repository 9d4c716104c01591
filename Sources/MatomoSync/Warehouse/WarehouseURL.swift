/// Opens a warehouse from its URL: `sqlite:<path>` (also `sqlite://<path>`).
public enum WarehouseURL {
    public static let defaultURL = "sqlite:matomo.sqlite"

    public static func open(_ url: String, readOnly: Bool = false) throws -> any Warehouse {
        let trimmed = url.trimmingCharacters(in: .whitespaces)
        if trimmed.hasPrefix("sqlite:") {
            var path = String(trimmed.dropFirst("sqlite:".count))
            if path.hasPrefix("//") { path.removeFirst(2) }
            guard !path.isEmpty else { throw SyncError.invalidInput("the warehouse URL '\(url)' has no file path; use e.g. sqlite:matomo.sqlite") }
            return try SQLiteWarehouse(path: path, readOnly: readOnly)
        }
        let scheme = trimmed.split(separator: ":", maxSplits: 1).first.map(String.init) ?? trimmed
        throw SyncError.invalidInput("unknown warehouse scheme '\(scheme)' in --warehouse; use sqlite:<path> (e.g. sqlite:matomo.sqlite)")
    }
}

import Foundation

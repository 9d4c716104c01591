import Foundation

/// Opens a warehouse from its URL:
/// - `sqlite:<path>` (also `sqlite://<path>`)
/// - `postgres://user:password@host:5432/database?schema=matomo` (also `postgresql://`)
/// - `clickhouse://user:password@host:8123/database` (HTTP interface; `clickhouses://` for HTTPS)
/// Server warehouses connect on first use, so opening never blocks.
public enum WarehouseURL {
    public static let defaultURL = "sqlite:matomo.sqlite"
    /// The environment variable that may hold the URL instead of `--warehouse`.
    public static let environmentVariable = "MATOMO_WAREHOUSE"

    /// The read-only side alone: opened read-only, and typed so no write can be asked of it.
    public static func openReader(_ url: String) throws -> any WarehouseReader {
        try open(url, readOnly: true)
    }

    public static func open(_ url: String, readOnly: Bool = false) throws -> any Warehouse {
        let trimmed = url.trimmingCharacters(in: .whitespaces)
        let scheme = (trimmed.split(separator: ":", maxSplits: 1).first.map(String.init) ?? trimmed).lowercased()
        switch scheme {
        case "sqlite":
            var path = String(trimmed.dropFirst("sqlite:".count))
            if path.hasPrefix("//") { path.removeFirst(2) }
            guard !path.isEmpty else { throw SyncError.invalidInput("the warehouse URL '\(url)' has no file path; use e.g. sqlite:matomo.sqlite") }
            return try SQLiteWarehouse(path: path, readOnly: readOnly)
        case "postgres", "postgresql":
            return try PostgresWarehouse(url: ServerURL(parsing: trimmed), readOnly: readOnly)
        case "clickhouse", "clickhouses":
            return try ClickHouseWarehouse(url: ServerURL(parsing: trimmed), readOnly: readOnly)
        default:
            throw SyncError.invalidInput("unknown warehouse scheme '\(ServerURL.redact(scheme))' in --warehouse; use sqlite:<path>, postgres://user:password@host:5432/database or clickhouse://user:password@host:8123/database")
        }
    }
}

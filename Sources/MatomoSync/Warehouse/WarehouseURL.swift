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

    /// The read side alone (status, tables, query): a reader type with no write path, its
    /// connection opened read-only.
    public static func openReader(_ url: String) throws -> any WarehouseReader {
        switch try parse(url) {
        case .sqlite(let path): return try SQLiteReader(path: path)
        case .postgres(let server): return try PostgresReader(url: server)
        case .clickhouse(let server): return ClickHouseReader(url: server)
        }
    }

    public static func open(_ url: String, readOnly: Bool = false) throws -> any Warehouse {
        switch try parse(url) {
        case .sqlite(let path): return try SQLiteWarehouse(path: path, readOnly: readOnly)
        case .postgres(let server): return try PostgresWarehouse(url: server, readOnly: readOnly)
        case .clickhouse(let server): return try ClickHouseWarehouse(url: server, readOnly: readOnly)
        }
    }

    private enum Location {
        case sqlite(String)
        case postgres(ServerURL)
        case clickhouse(ServerURL)
    }

    private static func parse(_ url: String) throws -> Location {
        let trimmed = url.trimmingCharacters(in: .whitespaces)
        let scheme = (trimmed.split(separator: ":", maxSplits: 1).first.map(String.init) ?? trimmed).lowercased()
        switch scheme {
        case "sqlite":
            var path = String(trimmed.dropFirst("sqlite:".count))
            if path.hasPrefix("//") { path.removeFirst(2) }
            guard !path.isEmpty else { throw SyncError.invalidInput("the warehouse URL '\(url)' has no file path; use e.g. sqlite:matomo.sqlite") }
            return .sqlite(path)
        case "postgres", "postgresql":
            return .postgres(try ServerURL(parsing: trimmed))
        case "clickhouse", "clickhouses":
            return .clickhouse(try ServerURL(parsing: trimmed))
        default:
            throw SyncError.invalidInput("unknown warehouse scheme '\(ServerURL.redact(scheme))' in --warehouse; use sqlite:<path>, postgres://user:password@host:5432/database or clickhouse://user:password@host:8123/database")
        }
    }
}

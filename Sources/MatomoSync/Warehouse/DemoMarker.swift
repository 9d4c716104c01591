/// `matomo-sync demo` writes fake "Demo Shop" rows: it may write only into a warehouse it created
/// itself, which it marks with an empty table of this name. A warehouse with any other table is
/// someone's data and is left alone.
public enum DemoMarker {
    public static let table = "_matomo_sync_demo"

    public enum Verdict: Sendable, Equatable {
        /// No table at all: the demo may take it.
        case empty
        /// Made by an earlier demo: the demo may empty it and start again.
        case demo
        /// Holds tables the demo did not make (listed, a few): refused.
        case foreign([String])
    }

    public static func inspect(_ warehouse: any WarehouseReader) async throws -> Verdict {
        let names = try await warehouse.tableNames()
        if names.isEmpty { return .empty }
        return names.contains(table) ? .demo : .foreign(names)
    }

    /// Marks an empty warehouse as the demo's, or empties an earlier demo's (every table but the
    /// marker), so a rerun starts from a clean backfill. Refuses any other warehouse.
    public static func claim(_ warehouse: any Warehouse) async throws {
        switch try await inspect(warehouse) {
        case .empty:
            try await warehouse.createTable(table, columns: [Column("note", .text)], key: ["note"])
        case .demo:
            for name in try await warehouse.tableNames() where name != table {
                try await warehouse.dropTable(name)
            }
        case .foreign(let names):
            throw refusal(warehouse, tables: names)
        }
    }

    /// Refuses a warehouse already looked at through a read-only connection, before any write
    /// connection touches it (SQLite's file then stays byte for byte the same).
    public static func refuseForeign(_ readOnly: any WarehouseReader) async throws {
        if case .foreign(let names) = try await inspect(readOnly) { throw refusal(readOnly, tables: names) }
    }

    static func refusal(_ warehouse: any WarehouseReader, tables names: [String]) -> SyncError {
        let shown = names.prefix(5).joined(separator: ", ") + (names.count > 5 ? ", ..." : "")
        return SyncError.invalidInput("""
            the demo writes only into a new warehouse or one an earlier demo made, and \(warehouse.displayName) \
            already holds other tables (\(shown)): it is left untouched. Give the demo a new one, e.g. \
            --warehouse sqlite:demo.sqlite, or empty this one yourself if it is disposable
            """)
    }
}

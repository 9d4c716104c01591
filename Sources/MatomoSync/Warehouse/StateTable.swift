import Foundation

/// The state table, declared once for every engine: its columns, its key, the versions of its schema,
/// a state as a row and a row, read by column name, as a state. Each engine only spells it in its
/// dialect (types, quoting) and writes it with its own statements.
enum StateTable {
    static let name = stateTableName
    static let key = ["instance_url", "site_id", "table_name"]

    /// A column of the state table; `defaultValue` (an SQL literal) makes it NOT NULL.
    struct StateColumn: Sendable {
        var column: Column
        var defaultValue: String?
        init(_ name: String, _ type: ColumnType, default value: String? = nil) {
            column = Column(name, type)
            defaultValue = value
        }
    }

    /// The schema's versions, oldest first: what each added to the state table. A warehouse made by
    /// an older matomo-sync is brought up to the last one when a sync prepares it.
    static let versions: [(name: String, columns: [StateColumn])] = [
        ("state table", [
            StateColumn("instance_url", .text), StateColumn("site_id", .integer), StateColumn("table_name", .text),
            StateColumn("cursor", .text), StateColumn("phase", .text, default: "'incremental'"),
            StateColumn("last_success_at", .text), StateColumn("last_error", .text), StateColumn("last_error_at", .text),
            StateColumn("updated_at", .text),
        ]),
        ("scheduling", [StateColumn("next_run_at", .text), StateColumn("failures", .integer, default: "0")]),
        ("full refresh by window", [StateColumn("refresh_from", .text)]),
    ]

    static let stateColumns: [StateColumn] = versions.flatMap(\.columns)
    static let columns: [Column] = stateColumns.map(\.column)
    static let names: [String] = columns.map(\.name)

    /// The row of a state, in `columns` order.
    static func row(_ key: StateKey, _ s: TableState, updatedAt: String = Timestamps.now()) -> [Cell] {
        func text(_ v: String?) -> Cell { v.map(Cell.text) ?? .null }
        return [
            .text(key.instance), .int(Int64(key.siteId)), .text(key.physicalTable),
            text(s.cursor), .text(s.phase.rawValue), text(s.lastSuccessAt), text(s.lastError), text(s.lastErrorAt),
            .text(updatedAt), text(s.nextRunAt), .int(Int64(s.failures)), text(s.refreshFrom),
        ]
    }

    /// A state from its row's cells by column name; a column an old warehouse lacks reads as unset.
    static func state(_ cell: (String) -> Cell?) -> TableState {
        func text(_ name: String) -> String? { if case .text(let s)? = cell(name) { return s }; return nil }
        var failures = 0
        if case .int(let n)? = cell("failures") { failures = Int(n) }
        return TableState(cursor: text("cursor"), phase: TableState.Phase(rawValue: text("phase") ?? "") ?? .incremental,
                          lastSuccessAt: text("last_success_at"), lastError: text("last_error"), lastErrorAt: text("last_error_at"),
                          nextRunAt: text("next_run_at"), failures: failures, refreshFrom: text("refresh_from"))
    }

    /// A state from cells selected as `names` (in that order).
    static func state(cells: [Cell], names: [String] = StateTable.names) -> TableState {
        state { name in names.firstIndex(of: name).flatMap { $0 < cells.count ? cells[$0] : nil } }
    }

    /// `status`: every state row with its table's row count for its site (0 for a table not made yet).
    /// Runs on the caller's actor (an engine's), so `count` may use its connection.
    static func statuses(cells rows: [[Cell]], names: [String] = StateTable.names,
                         isolation: isolated (any Actor)? = #isolation,
                         count: (_ table: String, _ siteId: Int) async throws -> Int) async throws -> [TableStatus] {
        var out: [TableStatus] = []
        for cells in rows {
            func cell(_ name: String) -> Cell? { names.firstIndex(of: name).flatMap { $0 < cells.count ? cells[$0] : nil } }
            guard case .text(let instance)? = cell("instance_url"), case .int(let site)? = cell("site_id"),
                  case .text(let table)? = cell("table_name") else { continue }
            out.append(TableStatus(instance: instance, siteId: Int(site), table: table, rows: try await count(table, Int(site)),
                                   state: state(cells: cells, names: names)))
        }
        return out
    }

    /// A column's definition: `name TYPE`, NOT NULL with its default where it has one.
    static func definition(_ c: StateColumn, quote: (String) -> String, type: (ColumnType) -> String) -> String {
        "\(quote(c.column.name)) \(type(c.column.type))" + (c.defaultValue.map { " NOT NULL DEFAULT \($0)" } ?? "")
    }

    /// The first version's table, keyed by `key`; later versions add their columns to it.
    static func createSQL(quote: (String) -> String, type: (ColumnType) -> String) -> String {
        let defs = versions[0].columns.map { definition($0, quote: quote, type: type) }
        return "CREATE TABLE IF NOT EXISTS \(quote(name)) (\(defs.joined(separator: ", ")), PRIMARY KEY (\(key.map(quote).joined(separator: ", "))))"
    }

    /// The list of names for a SELECT, quoted by the engine's rule.
    static func selectList(_ quote: (String) -> String) -> String { names.map(quote).joined(separator: ", ") }
}

/// How many holders in this process share a warehouse's sync lock (the scheduler runs several tables
/// at once through one warehouse): the engine's own lock is taken by the first and given back by the last.
struct LockHolders: Sendable {
    private(set) var count = 0

    /// True for the first holder, who takes the engine's lock (and calls `taken()` once it has it).
    mutating func enter() -> Bool {
        if count > 0 { count += 1; return false }
        return true
    }

    mutating func taken() { count = 1 }

    /// True for the last holder, who gives the engine's lock back.
    mutating func leave() -> Bool {
        guard count > 0 else { return false }
        count -= 1
        return count == 0
    }

    mutating func reset() { count = 0 }
}

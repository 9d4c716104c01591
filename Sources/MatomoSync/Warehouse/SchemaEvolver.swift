/// How a table's schema follows its rows, for every typed engine: a column is made for a name never
/// seen, and widened when a value does not fit its type, never narrowed and never failing the sync.
/// Each engine only says how it creates, adds and alters a column in its dialect.
enum SchemaEvolver {
    /// The type a column must have to hold `cell` without loss: Matomo sends "n/a" where a number
    /// was expected, so an integer column becomes text rather than failing the sync. A JSON column
    /// stays JSON (a value that is not JSON is stored as a JSON string).
    static func widened(_ type: ColumnType, toHold cell: Cell) -> ColumnType {
        switch (type, cell) {
        case (_, .null), (.text, _), (.json, _): return type
        case (.integer, .int), (.real, .int), (.real, .real): return type
        case (.integer, .real): return .real
        case (.date, .text(let s)) where ServerTypes.isDate(s): return .date
        default: return .text
        }
    }

    /// The columns some value of the batch does not fit, with the type each must become, in the
    /// batch's column order. `current` gives a column's type as the table has it (nil: not there).
    static func widenings(_ columns: [Column], _ rows: [[Cell]], current: (String) -> ColumnType?) -> [(name: String, type: ColumnType)] {
        var out: [(name: String, type: ColumnType)] = []
        for (i, column) in columns.enumerated() {
            guard let type = current(column.name) else { continue }
            var needed = type
            for row in rows where i < row.count {
                needed = widened(needed, toHold: row[i])
                if needed == .text { break }
            }
            if needed != type { out.append((column.name, needed)) }
        }
        return out
    }
}

/// A table's columns as its warehouse has them, in table order, with the types the warehouse's
/// catalogue reports.
struct TableColumns: Sendable, Equatable {
    private(set) var names: [String] = []
    private(set) var types: [String: ColumnType] = [:]

    init() {}

    subscript(name: String) -> ColumnType? { types[name] }

    var columns: [Column] { names.map { Column($0, types[$0]!) } }

    mutating func set(_ name: String, _ type: ColumnType) {
        if types[name] == nil { names.append(name) }
        types[name] = type
    }
}

/// One step of a table's schema.
enum SchemaChange: Sendable, Equatable {
    case create([Column])
    case add(Column)
    case widen(String, ColumnType)
}

/// How one engine spells the steps of a table's schema; the evolver decides which steps are needed.
protocol SchemaDialect: Sendable {
    /// Whether each column has one type a value may outgrow (PostgreSQL, ClickHouse); SQLite types
    /// per value, so its columns are only ever added.
    var typed: Bool { get }
    func quote(_ identifier: String) -> String
    /// The type the catalogue reports for a column made as `type` (SQLite's DATE reads back as TEXT),
    /// so a cached table and one read from the server compare the same.
    func readBack(_ type: ColumnType) -> ColumnType
    func createTable(_ table: String, columns: [Column], mergeKey: [String]) -> [String]
    func addColumn(_ table: String, _ column: Column, mergeKey: [String]) -> [String]
    /// Throws where the engine cannot change the column (ClickHouse's sorting key).
    func alterType(_ table: String, _ column: String, to type: ColumnType, mergeKey: [String]) throws -> [String]
    /// Run once after any change (ClickHouse redefines the view over its storage table).
    func afterChanges(_ table: String, _ columns: TableColumns) -> [String]
}

extension SchemaDialect {
    func afterChanges(_ table: String, _ columns: TableColumns) -> [String] { [] }
}

/// An engine whose tables are plain SQL tables keyed by a unique index on the merge key (SQLite,
/// PostgreSQL): only its column types and whether it must tolerate a table made meanwhile differ.
protocol IndexedTableDialect: SchemaDialect {
    func sqlType(_ type: ColumnType) -> String
    /// " IF NOT EXISTS" where another connection may have made the table or column meanwhile, or "".
    var ifNotExists: String { get }
}

extension IndexedTableDialect {
    func createTable(_ table: String, columns: [Column], mergeKey: [String]) -> [String] {
        let defs = columns.map { "\(quote($0.name)) \(sqlType($0.type))" }
        return ["CREATE TABLE\(ifNotExists) \(quote(table)) (\(defs.joined(separator: ", ")))",
                "CREATE UNIQUE INDEX\(ifNotExists) \(quote(table + "__merge_key")) ON \(quote(table)) (\(mergeKey.map(quote).joined(separator: ", ")))"]
    }

    func addColumn(_ table: String, _ column: Column, mergeKey: [String]) -> [String] {
        ["ALTER TABLE \(quote(table)) ADD COLUMN\(ifNotExists) \(quote(column.name)) \(sqlType(column.type))"]
    }
}

/// The steps that make a table fit a write, their statements, and the table's columns after them.
struct SchemaPlan: Sendable {
    var changes: [SchemaChange]
    var statements: [String]
    var after: TableColumns
}

extension SchemaEvolver {
    /// What makes `table` (`existing`, nil when it does not exist) hold `columns`: created with them,
    /// or the missing ones added; then, on a typed engine, widened where a value of `values` does not
    /// fit, and where a column of `holding` (a staging table's) is of another type.
    static func plan(_ table: String, existing: TableColumns?, columns: [Column], mergeKey: [String],
                     fitting values: (columns: [Column], rows: [[Cell]])? = nil, holding other: [Column] = [],
                     dialect: some SchemaDialect) throws -> SchemaPlan {
        var changes: [SchemaChange] = []
        var after = existing ?? TableColumns()
        if existing == nil {
            var seen = Set<String>()
            let made = columns.filter { seen.insert($0.name).inserted }
            changes.append(.create(made))
            for c in made { after.set(c.name, dialect.readBack(c.type)) }
        }
        for c in columns where after[c.name] == nil {
            changes.append(.add(c))
            after.set(c.name, dialect.readBack(c.type))
        }
        if dialect.typed {
            if let values {
                let current = after
                for (name, type) in widenings(values.columns, values.rows, current: { current[$0] }) {
                    changes.append(.widen(name, type))
                    after.set(name, type)
                }
            }
            for c in other {
                guard let type = after[c.name] else { continue }
                let wider = ServerTypes.union(type, c.type)
                if wider != type {
                    changes.append(.widen(c.name, wider))
                    after.set(c.name, wider)
                }
            }
        }
        var statements: [String] = []
        for change in changes {
            switch change {
            case .create(let made): statements += dialect.createTable(table, columns: made, mergeKey: mergeKey)
            case .add(let c): statements += dialect.addColumn(table, c, mergeKey: mergeKey)
            case .widen(let name, let type): statements += try dialect.alterType(table, name, to: type, mergeKey: mergeKey)
            }
        }
        if !changes.isEmpty { statements += dialect.afterChanges(table, after) }
        return SchemaPlan(changes: changes, statements: statements, after: after)
    }
}

/// Storage tables, their views, columns and inserts.
extension ClickHouseWarehouse {
    func exists(_ name: String) async throws -> Bool {
        let r = try await select("SELECT count() FROM system.tables WHERE database = \(chString(http.database)) AND name = \(chString(name))")
        if case .int(let n)? = r.rows.first?.first { return n > 0 }
        return false
    }

    /// A storage table's columns in order, or nil when it does not exist.
    func describe(_ storage: String) async throws -> TableInfo? {
        if let known = tables[storage] { return known }
        let r = try await select("""
            SELECT name, type FROM system.columns WHERE database = \(chString(http.database)) AND table = \(chString(storage))
            """)
        var info = TableInfo(names: [], types: [:])
        for row in r.rows {
            guard case .text(let name) = row[0], case .text(let type) = row[1] else { continue }
            info.names.append(name)
            info.types[name] = type
        }
        guard !info.names.isEmpty else { return nil }
        tables[storage] = info
        return info
    }

    /// Whether a column may hold NULL: not the merge key (18.16 refuses Nullable sorting keys), nor the
    /// meta columns every row has.
    static func nullable(_ column: String, mergeKey: [String]) -> Bool {
        !(mergeKey.contains(column) || column == "_site_id" || column == "_date")
    }

    /// Creates the storage table and its view if needed, adds missing columns (and then redefines the view).
    func ensureTable(_ table: String, columns: [Column], mergeKey: [String]) async throws -> TableInfo {
        let storage = Self.storage(table)
        var info: TableInfo
        var viewStale = false
        if let known = try await describe(storage) {
            info = known
            if !views.contains(table), !(try await exists(table)) { viewStale = true }
        } else {
            info = TableInfo(names: [], types: [:])
            var defs: [String] = []
            for c in columns where info.types[c.name] == nil {
                let type = ClickHouseTypes.sqlType(c.type, nullable: Self.nullable(c.name, mergeKey: mergeKey))
                info.names.append(c.name)
                info.types[c.name] = type
                defs.append("\(chName(c.name)) \(type)")
            }
            // Days of one month together: a day's DELETE mutation rewrites only that month's parts.
            // Tables keyed without `_date` (visits) stay in one partition, so FINAL sees every version.
            let partition = mergeKey.contains("_date") ? "PARTITION BY toYYYYMM(`_date`) " : ""
            try await http.run("""
                CREATE TABLE IF NOT EXISTS \(chName(storage)) (\(defs.joined(separator: ", ")), `_version` UInt64)
                ENGINE = ReplacingMergeTree(`_version`) \(partition)ORDER BY (\(mergeKey.map(chName).joined(separator: ", ")))
                """)
            info.names.append("_version")
            info.types["_version"] = "UInt64"
            viewStale = true
        }
        for c in columns where info.types[c.name] == nil {
            let type = ClickHouseTypes.sqlType(c.type, nullable: Self.nullable(c.name, mergeKey: mergeKey))
            try await http.run("ALTER TABLE \(chName(storage)) ADD COLUMN \(chName(c.name)) \(type)")
            info.names.append(c.name)
            info.types[c.name] = type
            viewStale = true
        }
        tables[storage] = info
        if viewStale { try await defineView(table, info) }
        return info
    }

    /// `<table>` = the storage table FINAL, without `_version`. Views keep their column list (and on
    /// recent servers their column types), so a new or widened column means a new view.
    func defineView(_ table: String, _ info: TableInfo) async throws {
        let columns = info.names.filter { $0 != "_version" }.map(chName).joined(separator: ", ")
        try await http.run("DROP TABLE IF EXISTS \(chName(table))")
        try await http.run("CREATE VIEW \(chName(table)) AS SELECT \(columns) FROM \(chName(Self.storage(table))) FINAL")
        views.insert(table)
    }

    func widen(_ table: String, _ column: String, to type: ColumnType, info: inout TableInfo) async throws {
        let storage = Self.storage(table)
        guard ClickHouseTypes.isNullable(info.types[column] ?? "") else {
            throw SyncError.warehouse("\(displayName): the key column \(column) of \(table) is \(info.types[column] ?? "?") and cannot take a value of another type; run with --full-refresh after dropping \(storage)")
        }
        let sqlType = ClickHouseTypes.sqlType(type, nullable: true)
        try await http.run("ALTER TABLE \(chName(storage)) MODIFY COLUMN \(chName(column)) \(sqlType)")
        info.types[column] = sqlType
        tables[storage] = info
        // Recent servers store a view's column types when it is created: the old view would read
        // "n/a" back through the old Int64 as NULL. (18.16's views follow the table; same result.)
        try await defineView(table, info)
    }

    /// Widens the columns some value of the batch does not fit ("n/a" in an Int64 column makes it String).
    func widenForValues(_ table: String, _ columns: [Column], _ rows: [[Cell]], info: inout TableInfo) async throws {
        let types = info.types
        for (name, type) in SchemaEvolver.widenings(columns, rows, current: { types[$0].map(ClickHouseTypes.columnType) }) {
            try await widen(table, name, to: type, info: &info)
        }
    }

    /// One INSERT per batch, in JSONEachRow, every row stamped with `version`. ClickHouse writes a block
    /// of up to a million rows atomically and answers only once it is stored.
    func insert(_ storage: String, columns: [String], rows: [[Cell]], info: TableInfo, version: UInt64) async throws {
        guard !rows.isEmpty else { return }
        let keys = columns.map { Array((RowShaper.jsonStringLiteral($0) + ":").utf8) }
        let types = columns.map { ClickHouseTypes.columnType(info.types[$0] ?? "String") }
        let nullable = columns.map { ClickHouseTypes.isNullable(info.types[$0] ?? "Nullable(String)") }
        var body = Array("INSERT INTO \(chName(storage)) (\(columns.map(chName).joined(separator: ", ")), `_version`) FORMAT JSONEachRow\n".utf8)
        body.reserveCapacity(rows.count * 2048)
        let versionField = Array("\"_version\":\(version)}\n".utf8)
        for row in rows {
            body.append(UInt8(ascii: "{"))
            for c in 0..<columns.count {
                body.append(contentsOf: keys[c])
                ClickHouseTypes.appendJSONValue(c < row.count ? row[c] : .null, as: types[c], nullable: nullable[c], to: &body)
                body.append(UInt8(ascii: ","))
            }
            body.append(contentsOf: versionField)
        }
        try await http.run(body)
    }
}

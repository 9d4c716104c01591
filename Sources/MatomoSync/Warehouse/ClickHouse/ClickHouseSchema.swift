/// Storage tables, their views, columns and inserts.
extension ClickHouseWarehouse {
    /// A storage table's columns in order (without `_version`), or nil when it does not exist.
    func describe(_ storage: String) async throws -> TableColumns? {
        if let known = tables[storage] { return known }
        let r = try await select("""
            SELECT name, type FROM system.columns WHERE database = \(chString(http.database)) AND table = \(chString(storage))
            """)
        var columns = TableColumns()
        var found = false
        for row in r.rows {
            guard case .text(let name) = row[0], case .text(let type) = row[1] else { continue }
            found = true
            if name != "_version" { columns.set(name, ClickHouseTypes.columnType(type)) }
        }
        guard found else { return nil }
        tables[storage] = columns
        return columns
    }

    /// Makes the storage table fit the write (SchemaEvolver.plan) and its view show every column
    /// (made again when it is missing), and returns the table's columns.
    func ensureTable(_ table: String, columns: [Column], mergeKey: [String],
                     fitting values: (columns: [Column], rows: [[Cell]])? = nil, holding other: [Column] = []) async throws -> TableColumns {
        let storage = ClickHouseDialect.storage(table)
        let existing = try await describe(storage)
        let plan: SchemaPlan
        do {
            plan = try SchemaEvolver.plan(table, existing: existing, columns: columns, mergeKey: mergeKey,
                                          fitting: values, holding: other, dialect: ClickHouseDialect())
        } catch SyncError.warehouse(let message) {
            throw SyncError.warehouse("\(displayName): \(message)")
        }
        var statements = plan.statements
        if plan.changes.isEmpty, !views.contains(table), !(try await exists(table)) {
            statements = ClickHouseDialect().afterChanges(table, plan.after)
        }
        for sql in statements { try await http.run(sql) }
        tables[storage] = plan.after
        views.insert(table)
        return plan.after
    }

    /// One INSERT per batch, in JSONEachRow, every row stamped with `version`. ClickHouse writes a block
    /// of up to a million rows atomically and answers only once it is stored.
    func insert(_ storage: String, columns: [String], rows: [[Cell]], info: TableColumns, mergeKey: [String], version: UInt64) async throws {
        guard !rows.isEmpty else { return }
        let keys = columns.map { Array((RowShaper.jsonStringLiteral($0) + ":").utf8) }
        let types = columns.map { info[$0] ?? .text }
        let nullable = columns.map { ClickHouseDialect.nullable($0, mergeKey: mergeKey) }
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

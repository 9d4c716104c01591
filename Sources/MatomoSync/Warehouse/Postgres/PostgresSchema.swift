import PostgresNIO

/// Tables, columns and bulk inserts, always inside the caller's transaction.
extension PostgresWarehouse {
    func tableExists(_ table: String) async throws -> Bool {
        var binds = PostgresBindings()
        binds.append(table)
        return try await !execute("""
            SELECT 1 FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = $1
            """, binds).isEmpty
    }

    /// The table's columns and types; empty when the table does not exist.
    func columnTypes(_ table: String) async throws -> [String: ColumnType] {
        if let known = columnCache[table] { return known }
        var binds = PostgresBindings()
        binds.append(table)
        let rows = try await execute("""
            SELECT column_name::TEXT, data_type::TEXT FROM information_schema.columns
            WHERE table_schema = current_schema() AND table_name = $1
            """, binds)
        var types: [String: ColumnType] = [:]
        for row in rows {
            let (name, type) = try row.decode((String, String).self)
            types[name] = PostgresTypes.columnType(type)
        }
        if !types.isEmpty { columnCache[table] = types }
        return types
    }

    /// Creates the table and its merge-key unique index (NULLs stay distinct, as in SQLite), and adds
    /// missing columns. Returns the column types.
    func ensureTable(_ table: String, columns: [Column], mergeKey: [String]) async throws -> [String: ColumnType] {
        var types = try await columnTypes(table)
        if types.isEmpty {
            var defs: [String] = []
            for c in columns where types[c.name] == nil {
                types[c.name] = c.type
                defs.append("\(q(c.name)) \(PostgresTypes.sqlType(c.type))")
            }
            try await execute("CREATE TABLE IF NOT EXISTS \(q(table)) (\(defs.joined(separator: ", ")))")
            try await execute("CREATE UNIQUE INDEX IF NOT EXISTS \(q(table + "__merge_key")) ON \(q(table)) (\(mergeKey.map(q).joined(separator: ", ")))")
        }
        for c in columns where types[c.name] == nil {
            try await execute("ALTER TABLE \(q(table)) ADD COLUMN IF NOT EXISTS \(q(c.name)) \(PostgresTypes.sqlType(c.type))")
            types[c.name] = c.type
        }
        columnCache[table] = types
        return types
    }

    func widen(_ table: String, _ column: String, to type: ColumnType) async throws {
        let sqlType = PostgresTypes.sqlType(type)
        try await execute("ALTER TABLE \(q(table)) ALTER COLUMN \(q(column)) TYPE \(sqlType) USING \(q(column))::\(sqlType)")
        columnCache[table]?[column] = type
    }

    /// Widens the columns some value of the batch does not fit (text in a BIGINT column becomes TEXT).
    func widenForValues(_ table: String, _ columns: [Column], _ rows: [[Cell]], types: inout [String: ColumnType]) async throws {
        for (i, column) in columns.enumerated() {
            guard let current = types[column.name] else { continue }
            var needed = current
            for row in rows where i < row.count {
                needed = PostgresTypes.widened(needed, toHold: row[i])
                if needed == .text { break }
            }
            if needed != current {
                try await widen(table, column.name, to: needed)
                types[column.name] = needed
            }
        }
    }

    /// Multi-row `INSERT ... ON CONFLICT DO UPDATE` with every value bound, as many rows per
    /// statement as PostgreSQL's 65,535 parameters allow (at most 1,000).
    func insert(_ table: String, columns: [String], rows: [[Cell]], types: [String: ColumnType], mergeKey: [String]) async throws {
        guard !rows.isEmpty, !columns.isEmpty else { return }
        // A page travels as one JSONB parameter that the server turns into typed rows
        // (`jsonb_populate_recordset` with the table's own row type): one short statement per page
        // instead of tens of thousands of placeholders to build, send and parse.
        let columnTypes = columns.map { types[$0] ?? .text }
        let keys = Set(mergeKey)
        let names = columns.map(q).joined(separator: ", ")
        let updates = columns.filter { !keys.contains($0) }.map { "\(q($0)) = EXCLUDED.\(q($0))" }
        let sql = "INSERT INTO \(q(table)) (\(names)) SELECT \(names) FROM jsonb_populate_recordset(NULL::\(q(table)), $1::JSONB)"
            + " ON CONFLICT (\(mergeKey.map(q).joined(separator: ", "))) DO "
            + (updates.isEmpty ? "NOTHING" : "UPDATE SET " + updates.joined(separator: ", "))
        let keyPrefixes = columns.map { Array((RowShaper.jsonStringLiteral($0) + ":").utf8) }
        var json: [UInt8] = [UInt8(ascii: "[")]
        json.reserveCapacity(rows.count * 4096)
        for (r, row) in rows.enumerated() {
            if r > 0 { json.append(UInt8(ascii: ",")) }
            json.append(UInt8(ascii: "{"))
            var first = true
            for c in 0..<columns.count {
                let cell = c < row.count ? row[c] : .null
                if case .null = cell { continue }
                if !first { json.append(UInt8(ascii: ",")) }
                first = false
                json.append(contentsOf: keyPrefixes[c])
                PostgresTypes.appendJSON(cell, as: columnTypes[c], to: &json)
            }
            json.append(UInt8(ascii: "}"))
        }
        json.append(UInt8(ascii: "]"))
        var binds = PostgresBindings()
        binds.append(String(decoding: json, as: UTF8.self))
        try await execute(sql, binds)
    }
}

private func q(_ identifier: String) -> String { ColumnNaming.quote(identifier) }

import Testing
@testable import MatomoSync

/// The shared warehouse core decides; the dialects only spell: what a write does to a table's schema
/// and which rows it replaces, checked on each engine's statements.
@Suite struct WarehouseCoreTests {
    private func table(_ columns: [Column]) -> TableColumns {
        var t = TableColumns()
        for c in columns { t.set(c.name, c.type) }
        return t
    }

    @Test func aNewTableIsMadeWithEachColumnOnceAndItsKey() throws {
        let columns = [Column("_site_id", .integer), Column("_date", .date), Column("label", .text), Column("label", .integer)]
        let pg = try SchemaEvolver.plan("t", existing: nil, columns: columns, mergeKey: ["_site_id", "_date", "label"], dialect: PostgresDialect())
        #expect(pg.changes == [.create(Array(columns.prefix(3)))])
        #expect(pg.statements == [#"CREATE TABLE IF NOT EXISTS "t" ("_site_id" BIGINT, "_date" DATE, "label" TEXT)"#,
                                  #"CREATE UNIQUE INDEX IF NOT EXISTS "t__merge_key" ON "t" ("_site_id", "_date", "label")"#])
        let sqlite = try SchemaEvolver.plan("t", existing: nil, columns: columns, mergeKey: ["label"], dialect: SQLiteDialect())
        #expect(sqlite.after["_date"] == .text, "SQLite's DATE reads back as TEXT")
        let ch = try SchemaEvolver.plan("t", existing: nil, columns: columns, mergeKey: ["_site_id", "_date", "label"], dialect: ClickHouseDialect())
        #expect(ch.statements.count == 3 && ch.statements[0].contains("`_raw_t`") && ch.statements[0].contains("PARTITION BY toYYYYMM(`_date`)"))
        #expect(ch.statements[2] == "CREATE VIEW `t` AS SELECT `_site_id`, `_date`, `label` FROM `_raw_t` FINAL")
    }

    @Test func aMissingColumnIsAddedAndAValueThatDoesNotFitWidensOnTypedEnginesOnly() throws {
        let existing = table([Column("_site_id", .integer), Column("n", .integer)])
        let batch = [Column("_site_id", .integer), Column("n", .integer), Column("x", .real)]
        let rows: [[Cell]] = [[.int(1), .int(2), .real(1)], [.int(1), .text("n/a"), .null]]
        let pg = try SchemaEvolver.plan("t", existing: existing, columns: batch, mergeKey: ["_site_id"], fitting: (batch, rows), dialect: PostgresDialect())
        #expect(pg.changes == [.add(Column("x", .real)), .widen("n", .text)])
        #expect(pg.statements.last == #"ALTER TABLE "t" ALTER COLUMN "n" TYPE TEXT USING "n"::TEXT"#)
        #expect(pg.after.names == ["_site_id", "n", "x"] && pg.after["n"] == .text)
        let sqlite = try SchemaEvolver.plan("t", existing: existing, columns: batch, mergeKey: ["_site_id"], fitting: (batch, rows), dialect: SQLiteDialect())
        #expect(sqlite.changes == [.add(Column("x", .real))])
        let same = try SchemaEvolver.plan("t", existing: pg.after, columns: batch, mergeKey: ["_site_id"], fitting: (batch, rows), dialect: PostgresDialect())
        #expect(same.changes.isEmpty && same.statements.isEmpty)
        // A staging table's wider type widens the target (a full refresh's promotion).
        let promoted = try SchemaEvolver.plan("t", existing: existing, columns: [], mergeKey: ["_site_id"], holding: [Column("n", .real)], dialect: PostgresDialect())
        #expect(promoted.changes == [.widen("n", .real)])
    }

    @Test func clickHouseRefusesToWidenItsSortingKey() {
        let existing = table([Column("_site_id", .integer), Column("k", .integer)])
        #expect(throws: SyncError.self) {
            try SchemaEvolver.plan("t", existing: existing, columns: [], mergeKey: ["_site_id", "k"],
                                   fitting: ([Column("k", .integer)], [[.text("n/a")]]), dialect: ClickHouseDialect())
        }
    }

    @Test func replaceScopesDeleteTheSameRowsInEveryDialect() {
        #expect(ReplaceScope.byKey.deletion == nil && ReplaceScope.days([]).deletion == nil)
        #expect(ReplaceScope.keys(column: "idvisit", values: []).deletion == nil && ReplaceScope.site.deletion == .site)
        let dated = table([Column("_site_id", .integer), Column("_date", .date)])
        let days = RowSelection.days(["2026-11-01", "2026-11-02"])
        #expect(RowReplacement.deletes(from: "t", days, siteId: 3, columns: dated, dialect: PostgresDialect())
            == [BoundStatement(sql: #"DELETE FROM "t" WHERE "_site_id" = $1 AND "_date" IN ($2::DATE, $3::DATE)"#,
                               values: [.int(3), .text("2026-11-01"), .text("2026-11-02")])])
        let textDate = table([Column("_site_id", .integer), Column("_date", .text)])
        #expect(RowReplacement.deletes(from: "t", .from(day: "2026-11-01"), siteId: 3, columns: textDate, dialect: PostgresDialect())[0].sql
            == #"DELETE FROM "t" WHERE "_site_id" = $1 AND "_date"::TEXT >= $2::TEXT"#)
        #expect(RowReplacement.conditions(days, siteId: 3, columns: dated, dialect: ClickHouseDialect())
            == [BoundStatement(sql: "`_site_id` = 3 AND `_date` IN (toDate('2026-11-01'), toDate('2026-11-02'))", values: [])])
        // SQLite binds at most 500 listed values per statement.
        let keys = RowReplacement.deletes(from: "a", .keys(column: "idvisit", values: Array(1...1200)), siteId: 1,
                                          columns: TableColumns(), dialect: SQLiteDialect())
        #expect(keys.map(\.values.count) == [501, 501, 201])
        #expect(keys.flatMap { $0.values.dropFirst() } == (1...1200).map { Cell.int(Int64($0)) })
        #expect(keys[0].sql.hasPrefix(#"DELETE FROM "a" WHERE "_site_id" = ? AND "idvisit" IN (?, ?"#))
    }

    @Test func aPromotionReplacesTheSitesRowsFromItsFirstDayThenDropsTheStaging() {
        let target = table([Column("_site_id", .integer), Column("_date", .date), Column("n", .real)])
        let staged = [Column("_date", .date), Column("_site_id", .integer), Column("n", .integer)]
        let pg = RowReplacement.promotion(staging: "s", into: "t", stagedColumns: staged, target: target, mergeKey: ["_site_id", "_date"],
                                          siteId: 2, replacingFrom: "2026-10-01", dialect: PostgresDialect())
        #expect(pg.map(\.sql) == [#"DELETE FROM "t" WHERE "_site_id" = $1 AND "_date" >= $2::DATE"#,
                                  #"INSERT INTO "t" ("_date", "_site_id", "n") SELECT "_date"::DATE, "_site_id"::BIGINT, "n"::DOUBLE PRECISION FROM "s""#,
                                  #"DROP TABLE "s""#])
        let all = RowReplacement.promotion(staging: "s", into: "t", stagedColumns: staged, target: target, mergeKey: [],
                                           siteId: 2, replacingFrom: nil, dialect: SQLiteDialect())
        #expect(all[0] == BoundStatement(sql: #"DELETE FROM "t" WHERE "_site_id" = ?"#, values: [.int(2)]))
        #expect(all[1].sql == #"INSERT INTO "t" ("_date", "_site_id", "n") SELECT "_date", "_site_id", "n" FROM "s""#)
        #expect(ClickHouseDialect().cast("`n`", from: .integer, to: .real, column: "n", mergeKey: []) == "CAST(`n` AS Nullable(Float64))")
    }
}

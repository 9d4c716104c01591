import Testing
@testable import MatomoSync

/// What a value that does not fit its column does to the column, per server warehouse.
struct WarehouseTypeTests {
    @Test func postgresWidensRatherThanFails() {
        #expect(PostgresTypes.widened(.integer, toHold: .int(5)) == .integer)
        #expect(PostgresTypes.widened(.integer, toHold: .real(1.5)) == .real)
        #expect(PostgresTypes.widened(.integer, toHold: .text("n/a")) == .text)
        #expect(PostgresTypes.widened(.real, toHold: .text("n/a")) == .text)
        #expect(PostgresTypes.widened(.date, toHold: .text("2026-11-27")) == .date)
        #expect(PostgresTypes.widened(.date, toHold: .text("yesterday")) == .text)
        #expect(PostgresTypes.widened(.json, toHold: .text("{oops")) == .json)
        #expect(PostgresTypes.widened(.text, toHold: .int(1)) == .text)
        #expect(ServerTypes.union(.integer, .real) == .real)
        #expect(ServerTypes.union(.json, .integer) == .text)
    }

    @Test func invalidJSONIsRecognisedForJSONB() {
        #expect(PostgresTypes.validJSON(#"[{"a":1}]"#))
        #expect(PostgresTypes.validJSON("15"))
        #expect(!PostgresTypes.validJSON("{oops"))
        #expect(!PostgresTypes.validJSON(#"["nul \u0000"]"#))
    }

    @Test func clickHouseValuesMatchTheirColumns() {
        #expect(ClickHouseTypes.jsonValue(.int(7), as: .text, nullable: true) == #""7""#)
        #expect(ClickHouseTypes.jsonValue(.null, as: .integer, nullable: true) == "null")
        #expect(ClickHouseTypes.jsonValue(.null, as: .text, nullable: false) == #""""#)
        #expect(ClickHouseTypes.jsonValue(.text("a\"b\n"), as: .text, nullable: true) == #""a\"b\n""#)
        #expect(ClickHouseTypes.columnType("Nullable(Int64)") == .integer)
        #expect(ClickHouseTypes.columnType("Date") == .date)
        #expect(ClickHouseTypes.widened(.integer, toHold: .text("n/a")) == .text)
        #expect(chString("it's \\ here") == #"'it\'s \\ here'"#)
        #expect(chName("we`ird") == "`we\\`ird`")
    }

    @Test func clickHouseAnswersAreReadByTheirTypes() throws {
        let text = #"{"meta":[{"name":"n","type":"UInt64"},{"name":"x","type":"Nullable(Float64)"},{"name":"d","type":"Date"},{"name":"s","type":"Nullable(String)"}],"data":[["12",1.5,"2026-11-27",null]],"rows":1}"#
        let result = try ClickHouseTypes.result(text)
        #expect(result.columns == ["n", "x", "d", "s"])
        #expect(result.rows == [[.int(12), .real(1.5), .text("2026-11-27"), .null]])
    }
}

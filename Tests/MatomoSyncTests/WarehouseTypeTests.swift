import Testing
@testable import MatomoSync

/// What a value that does not fit its column does to the column, per server warehouse.
struct WarehouseTypeTests {
    @Test func postgresWidensRatherThanFails() {
        #expect(SchemaEvolver.widened(.integer, toHold: .int(5)) == .integer)
        #expect(SchemaEvolver.widened(.integer, toHold: .real(1.5)) == .real)
        #expect(SchemaEvolver.widened(.integer, toHold: .text("n/a")) == .text)
        #expect(SchemaEvolver.widened(.real, toHold: .text("n/a")) == .text)
        #expect(SchemaEvolver.widened(.date, toHold: .text("2026-11-27")) == .date)
        #expect(SchemaEvolver.widened(.date, toHold: .text("yesterday")) == .text)
        #expect(SchemaEvolver.widened(.json, toHold: .text("{oops")) == .json)
        #expect(SchemaEvolver.widened(.text, toHold: .int(1)) == .text)
        #expect(ServerTypes.union(.integer, .real) == .real)
        #expect(ServerTypes.union(.json, .integer) == .text)
    }

    @Test func jsonbRefusalsAreRecognisedBeforeTheLoad() {
        for good in [#"[{"a":1}]"#, "15", "-0.5e+3", #" {"k": [true, false, null, "x\"y", "\ud83d\ude00"]} "#, "[]", "{}"] {
            #expect(PostgresTypes.jsonbAccepts(good), "\(good)")
        }
        // Our reader walks nested values leniently; JSONB does not.
        for bad in ["{oops", #"["nul \u0000"]"#, #"["lone \ud800"]"#, #"["\udc00"]"#, #"["bad \x escape"]"#,
                    "[\"raw\ttab\"]", "tru", "01", "1.", "[1,]", #"{"a" 1}"#, "[1] 2", ""] {
            #expect(!PostgresTypes.jsonbAccepts(bad), "\(bad)")
        }
    }

    @Test func copyTextEscapesTheFormatsOwnBytes() {
        var out: [UInt8] = []
        PostgresCopyText.appendRow([.int(-42), .null, .text("a\tb\nc\\d\re"), .real(1.5), .text(#"{"k":"\u0000"}"#), .int(Int64.min)],
                                   types: [.integer, .text, .text, .real, .json, .integer], to: &out)
        #expect(String(decoding: out, as: UTF8.self)
            == "-42\t\\N\ta\\tb\\nc\\\\d\\re\t1.5\t" + #""{\\"k\\":\\"\\\\u0000\\"}""# + "\t-9223372036854775808\n")
    }

    @Test func clickHouseValuesMatchTheirColumns() {
        #expect(jsonValue(.int(7), as: .text, nullable: true) == #""7""#)
        #expect(jsonValue(.null, as: .integer, nullable: true) == "null")
        #expect(jsonValue(.null, as: .text, nullable: false) == #""""#)
        #expect(jsonValue(.text("a\"b\n"), as: .text, nullable: true) == #""a\"b\n""#)
        #expect(ClickHouseTypes.columnType("Nullable(Int64)") == .integer)
        #expect(ClickHouseTypes.columnType("Date") == .date)
        #expect(SchemaEvolver.widened(.integer, toHold: .text("n/a")) == .text)
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

/// One JSONEachRow value, as `ClickHouseTypes.appendJSONValue` writes it into an INSERT.
private func jsonValue(_ cell: Cell, as type: ColumnType, nullable: Bool) -> String {
    var out: [UInt8] = []
    ClickHouseTypes.appendJSONValue(cell, as: type, nullable: nullable, to: &out)
    return String(decoding: out, as: UTF8.self)
}

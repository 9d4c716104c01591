import Testing
@testable import MatomoAPI

@Suite struct JSONReaderTests {
    @Test func readsAVisitKeepingNestedValuesRaw() throws {
        var reader = JSONReader(try Fixtures.bytes("Live.getLastVisitsDetails.range_last30_limit5_asc"))
        var rows: [JSONRow] = []
        try reader.readArray { r in rows.append(try r.readRow()) }
        try reader.expectEnd()
        #expect(rows.count == 5)
        let first = rows[0]
        #expect(first.field("idVisit") == .int(1))
        #expect(first.field("visitorId") == .string("367685501193e40c"))
        #expect(first.field("siteCurrencySymbol") == .string("€"))
        #expect(first.field("userId") == .null)
        guard case .json(let actions) = first.field("actionDetails") else {
            Issue.record("actionDetails should stay raw JSON")
            return
        }
        #expect(actions.hasPrefix("[{\"type\":\"action\""))
        #expect(first.count > 80)
    }

    @Test func rowsWithChangingKeysAndIntegerEdges() throws {
        // Keys are reused from the previous row by position: a changed, longer, shorter or escaped key
        // at the same position must still read as itself.
        let text = #"[{"serverDatePrettyFirstAction":1,"bb":2},{"serverDatePrettyFirstActioN":3,"bbb":4},{"serverDatePrettyFirstAction":5,"b":6},{"a\"b":7,"bb":8},{"a\"b":9},{"n":-12,"m":123456789012345678,"o":9223372036854775807,"p":-0}]"#
        var reader = JSONReader(Array(text.utf8))
        var rows: [JSONRow] = []
        try reader.readArray { r in rows.append(try r.readRow()) }
        try reader.expectEnd()
        #expect(rows.map { $0.map(\.key) } == [["serverDatePrettyFirstAction", "bb"], ["serverDatePrettyFirstActioN", "bbb"],
                                                ["serverDatePrettyFirstAction", "b"], ["a\"b", "bb"], ["a\"b"], ["n", "m", "o", "p"]])
        #expect(rows[5].map(\.value) == [.int(-12), .int(123456789012345678), .int(Int64.max), .int(0)])
        var cut = JSONReader(Array(#"[{"a":1},{"a":2}"#.utf8))
        #expect(throws: JSONReadError.self) { try cut.readArray { r in _ = try r.readRow() } }
    }

    @Test func decodesEscapesSurrogatesAndBigNumbers() throws {
        var reader = JSONReader(Array(#"{"a":"x\"y\\z\/\n\u00e9\ud83d\ude00","b":123456789012345678901234,"c":-1.5e3,"d":true,"e":[1,[2,{"f":null}]]}"#.utf8))
        let row = try reader.readRow()
        #expect(row.field("a") == .string("x\"y\\z/\né😀"))
        #expect(row.field("b") == .bigNumber("123456789012345678901234"))
        #expect(row.field("c") == .double(-1500))
        #expect(row.field("d") == .bool(true))
        #expect(row.field("e") == .json(#"[1,[2,{"f":null}]]"#))
    }

    @Test func refusesTruncatedAndHostileBodies() {
        for text in [#"[{"a":1}"#, #"{"a":"unterminated"#, "[1,2", #"{"a" 1}"#, "<html>"] {
            var reader = JSONReader(Array(text.utf8))
            #expect(throws: JSONReadError.self) {
                try reader.skipValue()
                try reader.expectEnd()
            }
        }
        // Deep nesting is refused without recursion, not a crash.
        var deep = JSONReader(Array((String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)).utf8))
        #expect(throws: JSONReadError.self) { try deep.skipValue() }
    }

    @Test func invalidUTF8BecomesReplacementCharacters() throws {
        var bytes = Array(#"{"label":"a"#.utf8)
        bytes += [0xFF, 0xFE]
        bytes += Array(#"b"}"#.utf8)
        var reader = JSONReader(bytes)
        let row = try reader.readRow()
        #expect(row.field("label") == .string("a\u{FFFD}\u{FFFD}b"))
    }

    @Test func findsMatomoErrorBodies() throws {
        #expect(MatomoClient.errorMessage(in: try Fixtures.bytes("ERR.wrong_token_auth"))
            == "Unable to authenticate with the provided token. It is either invalid or expired.")
        #expect(MatomoClient.errorMessage(in: try Fixtures.bytes("VisitsSummary.get.day_yesterday")) == nil)
        #expect(MatomoClient.errorMessage(in: Array(#"{"result":"success","message":"ok"}"#.utf8)) == nil)
    }
}

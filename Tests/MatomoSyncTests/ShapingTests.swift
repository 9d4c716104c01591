import Testing
@testable import MatomoAPI
@testable import MatomoSync

@Suite struct ShapingTests {
    @Test func snakeCasesMatomoNames() {
        #expect(ColumnNaming.snakeCase("idVisit") == "id_visit")
        #expect(ColumnNaming.snakeCase("serverTimestamp") == "server_timestamp")
        #expect(ColumnNaming.snakeCase("actionDetails") == "action_details")
        #expect(ColumnNaming.snakeCase("nb_visits") == "nb_visits")
        #expect(ColumnNaming.snakeCase("visitIp") == "visit_ip")
        #expect(ColumnNaming.snakeCase("logoHeight") == "logo_height")
        #expect(ColumnNaming.snakeCase("HTMLTitle") == "html_title")
        #expect(ColumnNaming.snakeCase("a\"; DROP TABLE visits; --") == "a___drop_table_visits____")
        #expect(ColumnNaming.snakeCase(String(repeating: "x", count: 200)).count == 63)
        #expect(ColumnNaming.quote("we\"ird") == "\"we\"\"ird\"")
    }

    @Test func stringAndIntegerMetricsLandAsIntegers() throws {
        var reader = JSONReader(try Fixtures.bytes("UserCountry.getCountry.day_yesterday"))
        var rows: [JSONRow] = []
        try reader.readArray { r in rows.append(try r.readRow()) }
        var shaper = RowShaper(spec: TableSpec.spec(for: .countries))
        let shaped = rows.map { shaper.shape($0, siteId: 1, date: "2026-11-26", syncedAt: "t") }
        let batch = shaper.batch(shaped)
        let actions = batch.index(of: "nb_actions")!
        let visits = batch.index(of: "nb_visits")!
        let code = batch.index(of: "code")!
        // "nb_actions":"15" (a string) and "nb_visits":5 (a number) both become integers.
        #expect(batch.cell(shaped[0], actions) == .int(15))
        #expect(batch.cell(shaped[0], visits) == .int(5))
        #expect(batch.cell(shaped[0], code) == .text("fr"))
        #expect(batch.columns.first { $0.name == "goals" }?.type == .json)
        #expect(batch.columns.first { $0.name == "logo_height" }?.type == .integer)
    }

    @Test func oldServerStringsAreConvertedButCodesStayText() {
        var shaper = RowShaper(spec: TableSpec.spec(for: .visits))
        let row: JSONRow = [("idVisit", .string("2347281")), ("visitDuration", .string("11")),
                            ("visitorId", .string("1234567890123456")), ("latitude", .string("48.85")),
                            ("regionCode", .string("75")), ("brandNewField", .string("hello")), ("score", .double(1.5)),
                            ("huge", .bigNumber("123456789012345678901234567890"))]
        let cells = shaper.shape(row, siteId: 1, date: "2026-11-26", syncedAt: "t")
        let b = shaper.batch([cells])
        #expect(b.cell(cells, b.index(of: "id_visit")!) == .int(2_347_281))
        #expect(b.cell(cells, b.index(of: "visit_duration")!) == .int(11))
        #expect(b.cell(cells, b.index(of: "visitor_id")!) == .text("1234567890123456"))
        #expect(b.cell(cells, b.index(of: "latitude")!) == .real(48.85))
        #expect(b.cell(cells, b.index(of: "region_code")!) == .text("75"))
        #expect(b.columns.first { $0.name == "brand_new_field" }?.type == .text)
        #expect(b.columns.first { $0.name == "score" }?.type == .real)
        #expect(b.cell(cells, b.index(of: "huge")!) == .text("123456789012345678901234567890"))
    }

    @Test func collidingKeysKeepBothValues() {
        var shaper = RowShaper(spec: TableSpec.spec(for: .visits))
        let row: JSONRow = [("idVisit", .int(1)), ("id_visit", .int(2)), ("_date", .string("evil"))]
        let cells = shaper.shape(row, siteId: 1, date: "2026-11-26", syncedAt: "t")
        let b = shaper.batch([cells])
        #expect(b.cell(cells, b.index(of: "id_visit")!) == .int(1))
        #expect(b.cell(cells, b.index(of: "id_visit_2")!) == .int(2))
        #expect(b.cell(cells, b.index(of: "_date")!) == .text("2026-11-26"))
        #expect(b.cell(cells, b.index(of: "_date_2")!) == .text("evil"))
    }

    @Test func parsesDateKeyedAndBulkAnswers() throws {
        let keyed = try ReportParsing.days(try Fixtures.bytes("VisitsSummary.get.day_last10"), method: "VisitsSummary.get", singleDay: nil)
        #expect(keyed.count == 10)
        #expect(keyed.contains { $0.0.description == "2026-11-22" && { if case .empty = $0.1 { return true }; return false }($0) })
        let empty = try ReportParsing.days(try Fixtures.bytes("VisitsSummary.get.site2_day_last3"), method: "VisitsSummary.get", singleDay: nil)
        #expect(empty.count == 3)
        let countries = try ReportParsing.days(try Fixtures.bytes("UserCountry.getCountry.day_date_range"), method: "UserCountry.getCountry", singleDay: nil)
        #expect(countries.count == 10)
        let single = try ReportParsing.days(try Fixtures.bytes("VisitsSummary.get.day_yesterday"), method: "VisitsSummary.get", singleDay: LocalDay("2026-11-26"))
        #expect(single.count == 1)
        // A bulk answer with an inline error fails the table with Matomo's message.
        #expect(throws: MatomoError.self) {
            _ = try ReportParsing.bulkDays(try Fixtures.bytes("API.getBulkRequest"), method: "Referrers.getAll",
                                           days: [LocalDay("2026-11-25")!, LocalDay("2026-11-26")!, LocalDay("2026-11-27")!])
        }
    }
}

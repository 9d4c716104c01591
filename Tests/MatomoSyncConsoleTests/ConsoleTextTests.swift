@testable import MatomoSync
@testable import MatomoSyncConsole
import Testing

/// The small text rules: form bodies, CSV downloads, the chart's labels.
struct ConsoleTextTests {
    @Test func formBodiesDecodePlusAndPercentAndKeepTheFirstValue() {
        let form = FormBody("sql=SELECT+1%2C+%27a%26b%27&x=1&x=2&empty=&flag")
        #expect(form["sql"] == "SELECT 1, 'a&b'")
        #expect(form["x"] == "1" && form["empty"] == "" && form["flag"] == "" && form["missing"] == nil)
        #expect(FormBody(FormBody.encode("a b&c=d+é")).fields.keys.first == "a b&c=d+é")
    }

    @Test func csvQuotesWhatNeedsItAndDefusesFormulas() {
        let result = QueryResult(columns: ["label", "n"], rows: [
            [.text("a,b"), .int(1)], [.text("say \"hi\""), .real(2.5)], [.text("=HYPERLINK(\"x\")"), .null], [.text("-3"), .int(-3)],
        ])
        #expect(CSVText.render(result) == "label,n\r\n\"a,b\",1\r\n\"say \"\"hi\"\"\",2.5\r\n\"'=HYPERLINK(\"\"x\"\")\",\r\n-3,-3\r\n")
    }

    @Test func theChartEscapesItsLabelsAndScalesToTheLargestDay() {
        let svg = VisitsChart.svg([("2026-11-01", 10), ("<b>", 20)])
        #expect(svg.contains("&lt;b&gt;") && !svg.contains("<b>"))
        #expect(svg.components(separatedBy: "<rect").count == 3)
        #expect(VisitsChart.svg([]).contains("No visits_summary rows yet"))
    }
}

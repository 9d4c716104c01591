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

    /// Two sources may sync site 1's visits into two prefixes (two Matomo instances): the run of one
    /// shows on its own row only, and its end clears that row alone.
    @Test func aRunShowsOnTheRowOfItsOwnSourceOnly() {
        func source(_ url: String, prefix: String) -> SourceConfig {
            SourceConfig(url: url, sites: .ids([1]), token: .env("T"), tokenValue: "t0123456789", tablePrefix: prefix,
                         backfillDays: 365, every: 3600, tables: [.visits: TablePlan(method: .incremental, every: 3600)])
        }
        let first = source("https://a.example.com", prefix: ""), second = source("https://b.example.com", prefix: "source2_")
        let progress = LiveProgress(metrics: nil)
        func state(_ s: SourceConfig, _ index: Int) -> String? {
            TableRows.rows(source: s, index: index, statuses: [], progress: progress, redact: { $0 }).first { $0.table == "visits" }?.state
        }
        progress.report(.tableStarted(.visits, siteId: 1, physicalTable: "source2_visits", daysTotal: 10))
        progress.report(.progress(.visits, siteId: 1, physicalTable: "source2_visits", daysDone: 4, daysTotal: 10, rows: 40))
        #expect(state(first, 0) == "queued" && state(second, 1) == "running")
        #expect(progress.running("source2_visits", siteId: 1)?.daysDone == 4 && progress.running("visits", siteId: 1) == nil)
        progress.report(.tableStarted(.visits, siteId: 1, physicalTable: "visits", daysTotal: 5))
        var done = TableReport(table: .visits, siteId: 1)
        done.physicalTable = "source2_visits"
        progress.report(.tableFinished(done))
        #expect(state(first, 0) == "running" && state(second, 1) == "queued")
    }
}

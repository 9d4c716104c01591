import Foundation
import Testing
@testable import MatomoFake

@Suite struct UnitTests {
    @Test func jsonStringsAreEscapedLikePHP() {
        var w = JSONWriter()
        w.beginArray()
        w.string("a/b \"q\" \\ \n\t\u{01} é € 😀")
        w.int(-42)
        w.double(3.7)
        w.double(4)
        w.null()
        w.endArray()
        #expect(String(decoding: w.bytes, as: UTF8.self)
            == #"["a\/b \"q\" \\ \n\t\u0001 \u00e9 \u20ac \ud83d\ude00",-42,3.7,4,null]"#)
    }

    @Test func intsAsStrings() {
        var w = JSONWriter(intsAsStrings: true)
        w.beginObject(); w.key("a"); w.int(7); w.key("b"); w.double(1.5); w.endObject()
        #expect(String(decoding: w.bytes, as: UTF8.self) == #"{"a":"7","b":1.5}"#)
    }

    @Test func timezones() {
        #expect(SiteZone("UTC+5.5").offset(at: 0) == 19_800)
        #expect(SiteZone("UTC-3").offset(at: 0) == -10_800)
        #expect(SiteZone("UTC").offset(at: 1_795_773_600) == 0)
        let paris = SiteZone("Europe/Paris")
        #expect(paris.offset(at: 1_795_773_600) == 3600)      // November
        #expect(paris.offset(at: 1_784_000_000) == 7200)      // July
        let la = SiteZone("America/Los_Angeles")
        #expect(la.offset(at: 1_795_773_600) == -8 * 3600)
        // 2026-11-27 starts at 2026-11-26 23:00 UTC in Paris.
        let day = Civil.day(year: 2026, month: 11, day: 27)
        #expect(paris.startOfDay(day) == 1_795_734_000)
        #expect(paris.localDay(of: 1_795_734_000) == day)
        #expect(paris.localDay(of: 1_795_733_999) == day - 1)
    }

    @Test func dateParameters() throws {
        let today = Civil.day(year: 2026, month: 11, day: 27)
        #expect(try DateSpec.parse("today", today: today) == .single(today))
        #expect(try DateSpec.parse("yesterday", today: today) == .single(today - 1))
        #expect(try DateSpec.parse("last3", today: today) == .last(3))
        #expect(try DateSpec.parse("2026-11-01,2026-11-05", today: today) == .between(today - 26, today - 22))
        #expect(throws: MatomoError.invalidDate) { try DateSpec.parse("2026-13-45", today: today) }
        #expect(throws: MatomoError.invalidDate) { try DateSpec.parse("not-a-date", today: today) }
        let weeks = try PeriodSelection.parse(period: "week", date: "last2", today: today)
        #expect(weeks.buckets.map(\.key) == ["2026-11-16,2026-11-22", "2026-11-23,2026-11-29"])
        let previous = try PeriodSelection.parse(period: "day", date: "previous2", today: today)
        #expect(previous.buckets.map(\.key) == ["2026-11-25", "2026-11-26"])
    }

    @Test func prettyFormats() {
        #expect(Fmt.prettyDuration(0) == "0s")
        #expect(Fmt.prettyDuration(220) == "3 min 40s")
        #expect(Fmt.prettyDuration(3700) == "1 hours 1 min")
        #expect(Fmt.longDate(Civil.day(year: 2026, month: 11, day: 17)) == "Tuesday, November 17, 2026")
        #expect(phpURLEncode("Hacker News/é") == "Hacker+News%2F%C3%A9")
    }
}

import Foundation
import Testing
@testable import MatomoSync

@Suite struct VisitSegmentTests {
    let d0 = LocalDay("2026-01-01")!

    private func counts(_ values: [Int]) -> [(day: LocalDay, visits: Int)] {
        values.enumerated().map { (d0.adding(days: $0.offset), $0.element) }
    }

    @Test func sparseDaysShareOneSegment() {
        let s = VisitSegmenter.segments(counts([3, 0, 0, 5, 0, 1]), target: 1000)
        #expect(s == [VisitSegment(DayRange(d0, d0.adding(days: 5)), expected: 9)])
        #expect(s[0].plannedPages(pageSize: 1000) == 1)
    }

    @Test func busyDayIsAloneAndPagedByOffset() {
        let s = VisitSegmenter.segments(counts([400, 700, 4500, 10, 990, 20]), target: 1000)
        #expect(s.map(\.description) == ["2026-01-01=400", "2026-01-02=700", "2026-01-03=4500", "2026-01-04,2026-01-05=1000", "2026-01-06=20"])
        #expect(s[2].plannedPages(pageSize: 1000) == 5)
    }

    @Test func everyDayIsCoveredOnceInOrder() {
        var values: [Int] = []
        var x: UInt64 = 7
        for _ in 0..<366 {
            x = x &* 6364136223846793005 &+ 1442695040888963407
            values.append(Int(x >> 33) % 900 * (x % 5 == 0 ? 0 : 1))
        }
        let s = VisitSegmenter.segments(counts(values), target: 2000)
        #expect(s.flatMap(\.days.days) == counts(values).map(\.day))
        #expect(s.reduce(0) { $0 + $1.expected } == values.reduce(0, +))
        #expect(s.allSatisfy { $0.expected <= 2000 || $0.days.count == 1 })
        // Few requests: about one page per 2,000 visits plus a short last page per segment.
        #expect(s.count <= values.reduce(0, +) / 1000 + 1)
    }

    @Test func emptyWindowAndLongQuietStretches() {
        #expect(VisitSegmenter.segments([], target: 1000).isEmpty)
        let quiet = VisitSegmenter.segments(counts(Array(repeating: 0, count: 366)), target: 1000, maxDays: 400)
        #expect(quiet.count == 1)
        let capped = VisitSegmenter.segments(counts(Array(repeating: 0, count: 366)), target: 1000, maxDays: 100)
        #expect(capped.map(\.days.count) == [100, 100, 100, 66])
    }

    @Test func missingDaysCountZero() {
        let window = DayRange(d0, d0.adding(days: 2))
        let filled = VisitSegmenter.fill(window, with: [d0.adding(days: 1): 12])
        #expect(filled.map(\.visits) == [0, 12, 0])
        #expect(filled.map(\.day) == window.days)
    }

    @Test func resumedSegmentStartsAtTheCursor() {
        let paris = TimeZone(identifier: "Europe/Paris")!
        let days = DayRange(d0, d0.adding(days: 3))
        let start = d0.start(in: paris)
        let inside = VisitCursor(timestamp: start + 500, seenAtTimestamp: 3, day: d0)
        let pages = VisitPageJob.planned(segment: 0, days: days, pages: 3, cursor: inside, zone: paris, limit: 100)
        #expect(pages.map(\.offset) == [3, 103, 203])
        #expect(pages.allSatisfy { $0.minTimestamp == start + 499 })
        #expect(pages.map(\.isLastPlanned) == [false, false, true])
        let before = VisitCursor(timestamp: start - 10, seenAtTimestamp: 2, day: d0.adding(days: -1))
        let fresh = VisitPageJob.planned(segment: 0, days: days, pages: 1, cursor: before, zone: paris, limit: 100)
        #expect(fresh.map(\.offset) == [0])
        #expect(fresh[0].minTimestamp == start - 1)
        #expect(fresh[0].following().offset == 100)
    }
}

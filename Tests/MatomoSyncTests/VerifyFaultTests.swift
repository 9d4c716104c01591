import Foundation
import MatomoAPI
import MatomoFake
import Testing
@testable import MatomoSync

/// The data faults a cursor-based sync cannot see by itself, each set up on a fake Matomo; first
/// proven to leave a gap after `sync`, then found and repaired by `verify` (VerifyRepairTests).
enum DataFault: String, CaseIterable, Sendable, CustomTestStringConvertible {
    /// Visits imported into days weeks behind the cursor (their archives rebuilt, as Matomo does).
    case lateImport
    /// A day re-archived with changed report rows after it left the 3-day trailing window.
    case reArchived
    /// Visits sharing a second come in another order on the following pages of a segment.
    case pageOrderShift
    /// A day's archive stale against the raw log.
    case staleArchive

    var testDescription: String { rawValue }

    /// What a scenario leaves: the days it touched, the warehouse after the syncs.
    struct Setup {
        var days: [LocalDay]
        /// The first day the syncs stored (a fresh full sync is compared from there).
        var firstDay: LocalDay
        /// Ids of visits the sync missed (lateImport, pageOrderShift).
        var missedVisits: Set<Int>
    }

    static let paris = TimeZone(identifier: "Europe/Paris")!
    static let tables: [TableName] = [.visits, .visitActions, .visitsSummary, .actionsSummary, .referrers, .countries, .pages]

    /// Sets the fault up on a fresh harness and runs the syncs that leave its gap.
    func setUp(_ h: SyncHarness) async throws -> Setup {
        let today = LocalDay.containing(h.clock.now, in: Self.paris)
        switch self {
        case .lateImport:
            h.fake.generateTraffic(siteId: 1, days: 40, visitsPerDay: 8...14, seed: 7)
            try await sync(h, backfillDays: 30)
            h.clock.advance(2 * 86400)
            try await sync(h, backfillDays: 30)
            // Weeks behind the cursor: a log import of two old days.
            let days = [today.adding(days: -20), today.adding(days: -25)]
            var missed = Set<Int>()
            for (i, day) in days.enumerated() {
                missed.formUnion(h.fake.importLateVisits(siteId: 1, day: day.description, count: 4 + i, seed: 900 + UInt64(i)).map(\.idVisit))
            }
            h.clock.advance(3600)
            try await sync(h, backfillDays: 30)
            return Setup(days: days, firstDay: today.adding(days: -30), missedVisits: missed)
        case .reArchived, .staleArchive:
            h.fake.generateTraffic(siteId: 1, days: 40, visitsPerDay: 8...14, seed: 7)
            let day = today.adding(days: -12)
            // The archive was built before three of the day's visits were written.
            let ids = Array(h.fake.visits(siteId: 1).filter { LocalDay.containing(epochSeconds: Int64($0.lastActionTimestamp), in: Self.paris) == day }.map(\.idVisit).prefix(3))
            h.fake.freezeArchive(siteId: 1, day: day.description, leavingOut: Set(ids))
            try await sync(h, backfillDays: 30)
            h.clock.advance(2 * 86400)
            if self == .reArchived {
                // Re-archived once the day had left the trailing window.
                h.fake.rebuildArchive(siteId: 1, day: day.description)
            }
            try await sync(h, backfillDays: 30)
            return Setup(days: [day], firstDay: today.adding(days: -30), missedVisits: [])
        case .pageOrderShift:
            let day = today.adding(days: -3)
            // 40 visits, four to a second: each page boundary (10 a page) falls inside a tie.
            let start = Int(day.start(in: Self.paris)) + 9 * 3600
            h.fake.addVisits((0..<40).map { i in
                let t = start + (i / 4) * 60
                return FakeVisit(idVisit: 1 + i, siteId: 1, firstActionTimestamp: t - 30, lastActionTimestamp: t)
            })
            h.fake.shiftTiesBetweenPages()
            try await sync(h, backfillDays: 7, pageSize: 10)
            let stored = Set(try await h.query("SELECT id_visit FROM visits").compactMap { row -> Int? in
                if case .int(let v) = row.first { return Int(v) }
                return nil
            })
            return Setup(days: [day], firstDay: today.adding(days: -7), missedVisits: Set(1...40).subtracting(stored))
        }
    }

    func sync(_ h: SyncHarness, backfillDays: Int, pageSize: Int = 1000, warehouse: String = "w") async throws {
        let (report, _) = try await h.sync(h.options(Self.tables, backfillDays: backfillDays, pageSize: pageSize), warehouse: warehouse)
        #expect(report.succeeded, "\(report.tables.compactMap(\.error))")
    }
}

@Suite(.serialized) struct DataFaultTests {
    /// The gap is there after `sync`: the tests of `verify` reach what they are meant to.
    @Test(arguments: DataFault.allCases)
    func syncLeavesTheGap(_ fault: DataFault) async throws {
        try await withHarness { h in
            let setup = try await fault.setUp(h)
            for day in setup.days {
                let log = h.fake.visits(siteId: 1).filter { LocalDay.containing(epochSeconds: Int64($0.lastActionTimestamp), in: DataFault.paris) == day }
                let storedVisits = try await h.int("SELECT COUNT(*) FROM visits WHERE _date = '\(day)'")
                let summarized = try await h.int("SELECT nb_visits FROM visits_summary WHERE _date = '\(day)'")
                switch fault {
                case .lateImport:
                    // Neither the visits nor the day's reports have them.
                    #expect(storedVisits < Int64(log.count))
                    #expect(summarized < Int64(log.count))
                case .pageOrderShift:
                    #expect(storedVisits < 40)
                    #expect(log.count == 40)
                case .reArchived:
                    // The log was complete, the reports are those of the old archive.
                    #expect(storedVisits == Int64(log.count))
                    #expect(summarized == Int64(log.count) - 3)
                case .staleArchive:
                    // The warehouse holds the log, and the stale archive's reports.
                    #expect(storedVisits == Int64(log.count))
                    #expect(summarized == Int64(log.count) - 3)
                }
            }
            if fault == .lateImport || fault == .pageOrderShift {
                #expect(!setup.missedVisits.isEmpty)
                let stored = try await h.int("SELECT COUNT(*) FROM visits WHERE id_visit IN (\(setup.missedVisits.map(String.init).joined(separator: ",")))")
                #expect(stored == 0)
            }
        }
    }

    /// The fake's faults behave as Matomo: a frozen archive answers its old counts to VisitsSummary
    /// while Live lists the log; a shifted tie order shows only on a following page.
    @Test func fakeFaultsAnswerAsDescribed() async throws {
        try await withHarness { h in
            h.fake.generateTraffic(siteId: 1, days: 5, visitsPerDay: 10...10, seed: 3)
            let day = h.fake.localDate(siteId: 1, daysAgo: 2)
            let client = try h.client()
            try await withStopping({ await client.shutdown() }) { () async throws -> Void in
                func count() async throws -> Int64? {
                    let body = try await client.call("VisitsSummary.get", [("idSite", "1"), ("period", "day"), ("date", day), ("showColumns", "nb_visits")])
                    return try ReportParsing.column("nb_visits", body, method: "VisitsSummary.get", singleDay: LocalDay(day)).first?.1?.intValue
                }
                func logCount() async throws -> Int {
                    let body = try await client.call("Live.getLastVisitsDetails", [("idSite", "1"), ("period", "day"), ("date", day), ("filter_limit", "-1"), ("doNotFetchActions", "1")])
                    return try ReportParsing.visits(body, method: "Live.getLastVisitsDetails").count
                }
                #expect(try await count() == 10)
                h.fake.freezeArchive(siteId: 1, day: day)
                h.fake.importLateVisits(siteId: 1, day: day, count: 3, seed: 5)
                #expect(try await count() == 10)
                #expect(try await logCount() == 13)
                h.fake.rebuildArchive(siteId: 1, day: day)
                #expect(try await count() == 13)
            }
        }
    }
}

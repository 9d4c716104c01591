import Foundation
import Testing
@testable import MatomoFake

@Suite struct TrafficTests {
    private func generate(seed: UInt64, days: Int = 14) -> [FakeVisit] {
        let fake = FakeMatomo(configuration: testConfiguration())
        fake.generateTraffic(siteId: 1, days: days, visitsPerDay: 10...40, seed: seed)
        return fake.visits(siteId: 1)
    }

    private func signature(_ visits: [FakeVisit]) -> [String] {
        visits.map { v in
            "\(v.idVisit)|\(v.visitorId)|\(v.firstActionTimestamp)|\(v.lastActionTimestamp)|\(v.referrerType)|\(v.referrerName)|"
                + "\(v.referrerKeyword)|\(v.countryCode)|\(v.deviceType)|\(v.browserName)|\(v.userId ?? "-")|"
                + v.actions.map { "\($0.type):\($0.url):\($0.timestamp):\($0.timeSpent)" }.joined(separator: ",")
        }
    }

    @Test func deterministicForASeed() {
        let a = generate(seed: 99), b = generate(seed: 99), c = generate(seed: 100)
        #expect(!a.isEmpty)
        #expect(signature(a) == signature(b))
        #expect(signature(a) != signature(c))
    }

    @Test func realisticAndConsistent() {
        let visits = generate(seed: 5, days: 30)
        let now = Int(fixedNow.timeIntervalSince1970)
        let zone = SiteZone("Europe/Paris")
        let today = zone.localDay(of: now)
        #expect(visits.allSatisfy { $0.lastActionTimestamp <= now })
        // 1-10 tracked actions; a newsletter pageview adds its goal conversion (not an action) right after it.
        #expect(visits.allSatisfy { (1...10).contains($0.actions.filter { $0.type != "goal" }.count) })
        #expect(visits.allSatisfy { v in v.actions.indices.allSatisfy { i in
            v.actions[i].type != "goal" || (i > 0 && v.actions[i - 1].url.hasSuffix("/newsletter/") && v.actions[i].goalId == 1)
        } })
        #expect(visits.contains { $0.actions.contains { $0.type == "goal" } })
        #expect(visits.allSatisfy { $0.actions.first?.timestamp == $0.firstActionTimestamp && $0.actions.last?.timestamp == $0.lastActionTimestamp })
        #expect(visits.allSatisfy { $0.visitorId.count == 16 })
        // First actions stay within the generated days (a visit may end just after midnight).
        #expect(visits.allSatisfy { (today - 29...today).contains(zone.localDay(of: $0.firstActionTimestamp)) })
        // Full past days get 10...40 visits (by first action).
        var perDay: [Int: Int] = [:]
        for v in visits { perDay[zone.localDay(of: v.firstActionTimestamp), default: 0] += 1 }
        #expect((today - 29..<today).allSatisfy { (10...40).contains(perDay[$0] ?? 0) })
        // idVisit grows with time.
        let byId = visits.sorted { $0.idVisit < $1.idVisit }
        #expect(zip(byId, byId.dropFirst()).allSatisfy { $0.firstActionTimestamp <= $1.firstActionTimestamp })
        // A mix of referrers, countries and devices, and some returning visitors.
        #expect(Set(visits.map(\.referrerType)) == ["direct", "search", "website", "campaign", "social"])
        #expect(Set(visits.map(\.countryCode)).count >= 10)
        #expect(Set(visits.map(\.deviceType)) == ["Desktop", "Smartphone", "Tablet"])
        #expect(Set(visits.map(\.visitorId)).count < visits.count)
        #expect(visits.contains { $0.userId != nil })
    }

    @Test func idsContinueAfterExistingVisits() {
        let fake = FakeMatomo(configuration: testConfiguration())
        fake.addVisits([visit(500, at: epoch(2026, 10, 1, 12))])
        fake.generateTraffic(siteId: 1, days: 2, visitsPerDay: 3...3, seed: 1)
        let ids = fake.visits(siteId: 1).map(\.idVisit).sorted()
        #expect(ids.first == 500)
        #expect(ids.dropFirst().first == 501)
        fake.removeAllVisits(siteId: 1)
        #expect(fake.visits(siteId: 1).isEmpty)
    }
}

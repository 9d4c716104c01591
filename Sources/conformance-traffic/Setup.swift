import Foundation

/// Sites, history and recent visits (see main.swift).
struct Setup {
    let matomo: MatomoHTTP
    let statePath: String
    static let westZone = "America/New_York"
    static let eastZone = "Asia/Kolkata"
    static let burstVisits = 1_100
    static let historyDays = 372

    func run() async throws {
        let now = Int64(Date().timeIntervalSince1970)
        var state: ConformanceState
        if let saved = ConformanceState.load(statePath), saved.url == matomo.base, try await sitesExist(saved) {
            state = saved
            log("reusing sites \(state.west), \(state.east), \(state.empty) and their history (sent \(Self.ago(now - state.historySentAt)) ago)")
        } else {
            state = try await createSites(now: now)
            try state.save(statePath)
            try await sendHistory(&state, now: now)
        }
        try await sendRecent(&state)
        try state.save(statePath)
        print("MATOMO_CONFORMANCE_SITE_WEST=\(state.west)")
        print("MATOMO_CONFORMANCE_SITE_EAST=\(state.east)")
        print("MATOMO_CONFORMANCE_SITE_EMPTY=\(state.empty)")
    }

    /// The saved sites are still there (an instance wiped and reinstalled would reuse the ids for others).
    private func sitesExist(_ state: ConformanceState) async throws -> Bool {
        guard state.historySentAt > 0 else { return false }
        for (id, name) in [(state.west, "west"), (state.east, "east"), (state.empty, "empty")] {
            guard let site = try? await matomo.api("SitesManager.getSiteFromId", [("idSite", String(id))]) as? [String: Any],
                  site["name"] as? String == "conformance \(name) \(state.nonce)" else { return false }
        }
        return true
    }

    private func createSites(now: Int64) async throws -> ConformanceState {
        let nonce = String(format: "%06x", UInt32.random(in: 0...0xFF_FFFF))
        // Created before the oldest visit, so the whole 365-day window is the sites' own.
        let created = Self.day(now - Int64(Self.historyDays + 10) * 86400)
        var ids: [Int] = []
        for (name, zone) in [("west", Self.westZone), ("east", Self.eastZone), ("empty", "Europe/Paris")] {
            let answer = try await matomo.api("SitesManager.addSite", [
                ("siteName", "conformance \(name) \(nonce)"), ("urls[0]", "https://\(name).conformance.example"),
                ("timezone", zone), ("ecommerce", "1"), ("currency", "USD"), ("startDate", created),
            ])
            guard let id = Self.intValue((answer as? [String: Any])?["value"]) else { throw TrafficError("addSite answered \(answer)") }
            ids.append(id)
            _ = try await matomo.api("Goals.addGoal", [("idSite", String(id)), ("name", "Newsletter"),
                                                       ("matchAttribute", "manually"), ("pattern", "newsletter"), ("patternType", "contains"),
                                                       ("revenue", "5")])
            _ = try await matomo.api("Goals.addGoal", [("idSite", String(id)), ("name", "Pricing page"),
                                                       ("matchAttribute", "url"), ("pattern", "/pricing"), ("patternType", "contains")])
        }
        log("created sites \(ids[0]) (\(Self.westZone)), \(ids[1]) (\(Self.eastZone)), \(ids[2]) (no traffic), each with 2 goals and ecommerce")
        return ConformanceState(url: matomo.base, nonce: nonce, west: ids[0], east: ids[1], empty: ids[2],
                                westZone: Self.westZone, eastZone: Self.eastZone, burstTimestamp: 0, burstVisits: 0,
                                historySentAt: 0, historyVisitors: 0, recentSentAt: 0, recentVisitors: 0)
    }

    /// More than a year of visits, a burst, and visits minutes around midnight, on both traffic sites.
    private func sendHistory(_ state: inout ConformanceState, now: Int64) async throws {
        let started = Date()
        var builder = VisitBuilder(seed: 2026, nonce: state.nonce)
        let sites = [TrafficSite(id: state.west, zone: TimeZone(identifier: state.westZone)!, host: "https://west.conformance.example"),
                     TrafficSite(id: state.east, zone: TimeZone(identifier: state.eastZone)!, host: "https://east.conformance.example")]
        var sent = 0
        for (index, site) in sites.enumerated() {
            for daysBack in Self.trafficDays(offset: index * 4) {
                let midnight = site.midnight(daysBack: daysBack, before: now)
                for _ in 0..<builder.random.int(9...15) {
                    // Between 00:30 and 23:00 local: these visits never cross midnight.
                    builder.richVisit(site, start: midnight + Int64(builder.random.int(1800...82800)))
                }
            }
            for daysBack in [3, 17, 120] {
                let midnight = site.midnight(daysBack: daysBack, before: now)
                for offset: Int64 in [-240, -60, -1, 0, 30, 180] { builder.singleVisit(site, at: midnight + offset, page: "midnight") }
                builder.visitAcross(site, midnight: midnight)
            }
            sent += try await flush(&builder)
        }
        // More than a thousand visits in one second, on the west site, 9 days ago at 14:00 local.
        let burst = sites[0].midnight(daysBack: 9, before: now) + 14 * 3600
        for _ in 0..<Self.burstVisits { builder.singleVisit(sites[0], at: burst, page: "burst") }
        sent += try await flush(&builder)
        state.burstTimestamp = burst
        state.burstVisits = Self.burstVisits
        state.historySentAt = now
        state.historyVisitors = builder.visitsPlanned
        log("history: \(builder.visitsPlanned) visitors, \(sent) tracking requests in \(String(format: "%.1f", Date().timeIntervalSince(started))) s")
    }

    /// Visits of the last hours: a few older than an hour, some younger, and one at exactly an hour.
    private func sendRecent(_ state: inout ConformanceState) async throws {
        let now = Int64(Date().timeIntervalSince1970)
        var builder = VisitBuilder(seed: UInt64(now), nonce: String(format: "%06x", UInt32.random(in: 0...0xFF_FFFF)))
        for (id, zone, host) in [(state.west, state.westZone, "https://west.conformance.example"), (state.east, state.eastZone, "https://east.conformance.example")] {
            let site = TrafficSite(id: id, zone: TimeZone(identifier: zone)!, host: host)
            for hours: Int64 in [5, 3, 2] { builder.richVisit(site, start: now - hours * 3600) }
            for minutes: Int64 in [50, 20, 5, 1] { builder.singleVisit(site, at: now - minutes * 60, page: "young") }
            builder.singleVisit(site, at: now - 3600, page: "cutoff")
        }
        let sent = try await flush(&builder)
        state.recentSentAt = now
        state.recentVisitors = builder.visitsPlanned
        log("recent: \(builder.visitsPlanned) visitors (\(sent) requests), the youngest a minute old, one at exactly an hour")
    }

    /// Days (back from today) with ordinary traffic: every 8th day from 1 to 372, so the visits span
    /// more than a year (the oldest beyond the 365-day window) while Matomo archives few days; a
    /// site-local day costs the archiver about the same with 3 visits as with 15.
    static func trafficDays(offset: Int) -> [Int] {
        Array(stride(from: 1 + offset, through: historyDays, by: 8)) + [historyDays]
    }

    static func ago(_ seconds: Int64) -> String { seconds < 7200 ? "\(seconds / 60) min" : "\(seconds / 3600) h" }

    static func day(_ epoch: Int64) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyy-MM-dd"
        return f.string(from: Date(timeIntervalSince1970: TimeInterval(epoch)))
    }

    static func intValue(_ any: Any?) -> Int? {
        if let n = any as? Int { return n }
        if let s = any as? String { return Int(s) }
        return nil
    }
}

/// Sends what the builder holds, in bulks of 500, one bulk at a time; returns how many requests.
func sendAll(_ builder: inout VisitBuilder, to matomo: MatomoHTTP) async throws -> Int {
    let requests = builder.takeRequests()
    var index = 0
    while index < requests.count {
        let end = min(index + 500, requests.count)
        try await matomo.track(Array(requests[index..<end]))
        index = end
    }
    return requests.count
}

extension Setup {
    func flush(_ builder: inout VisitBuilder) async throws -> Int { try await sendAll(&builder, to: matomo) }
}

/// New visits for an incremental run (see main.swift).
struct More {
    let matomo: MatomoHTTP
    let statePath: String
    let after: Int64
    let until: Int64
    let visits: Int

    func run() async throws {
        guard let state = ConformanceState.load(statePath) else { throw TrafficError("no state at \(statePath): run setup first") }
        // Pairs of one-page visits 20 s apart, spread over (after, until].
        guard until - after > 60 else { throw TrafficError("the span (\(after), \(until)] is under a minute") }
        var builder = VisitBuilder(seed: UInt64(after), nonce: String(format: "%06x", UInt32.random(in: 0...0xFF_FFFF)))
        for (id, zone, host) in [(state.west, state.westZone, "https://west.conformance.example"), (state.east, state.eastZone, "https://east.conformance.example")] {
            let site = TrafficSite(id: id, zone: TimeZone(identifier: zone)!, host: host)
            for i in 0..<visits {
                let start = after + 1 + (until - after - 21) * Int64(i) / Int64(max(1, visits - 1))
                builder.richVisit(site, start: start, extra: 0...0)
                builder.singleVisit(site, at: start + 20, page: "more")
            }
        }
        _ = try await sendAll(&builder, to: matomo)
        print("{\"visits\":\(visits * 2),\"sites\":[\(state.west),\(state.east)]}")
    }
}

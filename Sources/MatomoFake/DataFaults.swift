/// Faults in the data rather than the transport: what a cursor-based sync cannot see by itself.
/// Matomo serves reports from archives built per day, apart from the raw log the Live API reads; the
/// fake models that with a frozen archive per day (its visits at freezing time), and models the
/// raw log's unstable order among visits that share a second.
struct DataFaultState: Sendable {
    /// Site -> site-local day number -> the visits that day's archive was built from.
    var archives: [Int: [Int: [StoredVisit]]] = [:]
    /// Visits sharing a last-action second come in ascending idVisit order on a first page and
    /// descending on the following pages (MySQL returns ties in no set order).
    var shiftTiesBetweenPages = false
}

extension FakeMatomo {
    /// The site-local date `daysAgo` days before today (server clock), `YYYY-MM-DD`.
    public func localDate(siteId: Int, daysAgo: Int) -> String {
        let zone = zone(siteId)
        return Fmt.ymd(zone.localDay(of: Int(configuration.now().timeIntervalSince1970)) - daysAgo)
    }

    /// A log import arriving late: `count` new visits on the site-local `day` (`YYYY-MM-DD`), with
    /// new ids, as if tracked then but written now. The day's archive is rebuilt (Matomo invalidates
    /// archives for days that receive old data) unless it is frozen. Returns the new visits.
    @discardableResult
    public func importLateVisits(siteId: Int, day: String, count: Int, seed: UInt64) -> [FakeVisit] {
        guard count > 0, let dayNumber = Civil.parse(Substring(day)) else { return [] }
        let zone = zone(siteId)
        let generator = TrafficGenerator(site: site(siteId), zone: zone, seed: seed, visitsPerDay: count...count,
                                         now: Int(configuration.now().timeIntervalSince1970))
        // Visits ending after midnight belong to the next day: keep the day's own.
        let bounds = zone.startOfDay(dayNumber)..<zone.startOfDay(dayNumber + 1)
        return addWithNewIds(generator.visits(firstDay: dayNumber, lastDay: dayNumber).filter { bounds.contains($0.lastActionTimestamp) },
                             siteId: siteId)
    }

    /// Freezes the archive of the site-local `day`: its reports (VisitsSummary, Actions, Referrers,
    /// ...) keep answering from the visits it holds now, whatever the log later gains or loses, until
    /// `rebuildArchive`. With `leavingOut`, those visits are not in the archive (built before they
    /// were written): the archive is stale against the log from the start.
    public func freezeArchive(siteId: Int, day: String, leavingOut ids: Set<Int> = []) {
        guard let dayNumber = Civil.parse(Substring(day)) else { return }
        let zone = zone(siteId)
        let from = zone.startOfDay(dayNumber), to = zone.startOfDay(dayNumber + 1)
        state.withLock { s in
            s.visits[siteId]?.indexIfNeeded()
            let snapshot = VisitSnapshot(visits: s.visits[siteId]?.sorted ?? [], lastTimes: s.visits[siteId]?.lastTimes ?? [])
            s.dataFaults.archives[siteId, default: [:]][dayNumber] = snapshot.range(from: from, to: to).filter { !ids.contains($0.visit.idVisit) }
        }
    }

    /// Re-runs the archiving of the site-local `day`: its reports answer from the log again.
    public func rebuildArchive(siteId: Int, day: String) {
        guard let dayNumber = Civil.parse(Substring(day)) else { return }
        state.withLock { s in _ = s.dataFaults.archives[siteId]?.removeValue(forKey: dayNumber) }
    }

    /// Turns on (or off) the tie order that shifts between page requests (see `DataFaultState`).
    public func shiftTiesBetweenPages(_ on: Bool = true) {
        state.withLock { $0.dataFaults.shiftTiesBetweenPages = on }
    }

    func zone(_ siteId: Int) -> SiteZone {
        zones[siteId] ?? SiteZone(site(siteId).timezone)
    }

    /// The visits reports are built from: the log, with each frozen day's visits swapped for its archive's.
    static func archived(_ log: VisitSnapshot, frozen: [Int: [StoredVisit]]?, zone: SiteZone) -> VisitSnapshot {
        guard let frozen, !frozen.isEmpty else { return log }
        let bounds = frozen.keys.map { zone.startOfDay($0)..<zone.startOfDay($0 + 1) }
        var visits = log.visits.filter { v in !bounds.contains { $0.contains(v.visit.lastActionTimestamp) } }
        for (_, day) in frozen { visits.append(contentsOf: day) }
        visits.sort { ($0.visit.lastActionTimestamp, $0.visit.idVisit) < ($1.visit.lastActionTimestamp, $1.visit.idVisit) }
        return VisitSnapshot(visits: visits, lastTimes: visits.map(\.visit.lastActionTimestamp))
    }
}

extension VisitSnapshot {
    /// The same visits with each run of equal last-action seconds in descending idVisit order.
    func tiesReversed() -> VisitSnapshot {
        var visits = self.visits
        var i = 0
        while i < visits.count {
            var j = i + 1
            while j < visits.count && visits[j].visit.lastActionTimestamp == visits[i].visit.lastActionTimestamp { j += 1 }
            if j - i > 1 { visits[i..<j].reverse() }
            i = j
        }
        return VisitSnapshot(visits: visits, lastTimes: lastTimes)
    }
}

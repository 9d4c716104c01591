/// A visit plus what Matomo stores alongside it (visitor history, action ids), computed once per
/// change of the site's visit list.
struct StoredVisit: Sendable {
    var visit: FakeVisit
    var visitCount: Int
    var secondsSinceFirstVisit: Int
    var secondsSinceLastVisit: Int
    /// `pageId` (Matomo's idlink_va) of the first action; the next actions count up from it.
    var firstPageId: Int
    /// `pageIdAction` of each action (Matomo's idaction for its URL).
    var pageIdActions: [Int]
}

/// Per-visit counters Matomo keeps in log_visit (visit_total_actions, ...).
struct VisitCounters {
    var actions = 0
    var pageviews = 0
    var searches = 0
    var events = 0
    var downloads = 0
    var outlinks = 0
    var goals = 0
    var revenue = 0.0

    init(_ visit: FakeVisit) {
        for a in visit.actions {
            switch a.type {
            case "goal":
                goals += 1
                revenue += a.revenue ?? 0
                continue
            case "action": pageviews += 1
            case "search": searches += 1
            case "event": events += 1
            case "download": downloads += 1
            case "outlink": outlinks += 1
            default: break
            }
            actions += 1
        }
    }

    var interactions: Int { pageviews + searches }
}

extension FakeVisit {
    /// Matomo's visit_total_time: 0 for a single request, else 1 + last - first ("so it's always > 0").
    var visitDuration: Int {
        actions.count > 1 || lastActionTimestamp > firstActionTimestamp
            ? max(0, lastActionTimestamp - firstActionTimestamp) + 1 : 0
    }
}

/// The visits of one site, kept sorted by (lastActionTimestamp, idVisit) for window queries.
struct SiteVisits: Sendable {
    private var pending: [FakeVisit] = []
    private(set) var sorted: [StoredVisit] = []
    private(set) var lastTimes: [Int] = []

    var maxIdVisit: Int {
        max(pending.map(\.idVisit).max() ?? 0, sorted.map(\.visit.idVisit).max() ?? 0)
    }

    mutating func add(_ visits: [FakeVisit]) { pending.append(contentsOf: visits) }

    mutating func removeAll() {
        pending = []; sorted = []; lastTimes = []
    }

    /// Folds pending visits in and recomputes the derived fields (cheap enough for ~100k visits).
    mutating func indexIfNeeded() {
        guard !pending.isEmpty else { return }
        var visits = sorted.map(\.visit)
        visits.append(contentsOf: pending)
        pending = []

        // pageId / pageIdAction are auto-increment ids in Matomo: hand them out in idVisit order.
        let byId = visits.indices.sorted { visits[$0].idVisit < visits[$1].idVisit }
        var firstPageIds = [Int](repeating: 0, count: visits.count)
        var pageIdActions = [[Int]](repeating: [], count: visits.count)
        var nextPageId = 1
        var actionIds: [String: Int] = [:]
        for i in byId {
            firstPageIds[i] = nextPageId
            nextPageId += visits[i].actions.count
            pageIdActions[i] = visits[i].actions.map { a in
                let key = a.type == "search" ? "search:\(a.title)" : a.url
                if let id = actionIds[key] { return id }
                let id = actionIds.count + 1
                actionIds[key] = id
                return id
            }
        }

        // Visitor history: nth visit of the visitor, time since the first and the previous visit.
        var history = [(count: Int, sinceFirst: Int, sinceLast: Int)](repeating: (1, 0, 0), count: visits.count)
        var byVisitor: [String: [Int]] = [:]
        for i in visits.indices { byVisitor[visits[i].visitorId, default: []].append(i) }
        for (_, indices) in byVisitor where indices.count > 1 {
            let ordered = indices.sorted {
                (visits[$0].firstActionTimestamp, visits[$0].idVisit) < (visits[$1].firstActionTimestamp, visits[$1].idVisit)
            }
            let first = visits[ordered[0]].firstActionTimestamp
            for (n, i) in ordered.enumerated() where n > 0 {
                let previous = visits[ordered[n - 1]]
                history[i] = (n + 1, visits[i].firstActionTimestamp - first,
                              max(0, visits[i].firstActionTimestamp - previous.lastActionTimestamp))
            }
        }

        var stored: [StoredVisit] = []
        stored.reserveCapacity(visits.count)
        for i in visits.indices {
            stored.append(StoredVisit(visit: visits[i], visitCount: history[i].count,
                                      secondsSinceFirstVisit: history[i].sinceFirst, secondsSinceLastVisit: history[i].sinceLast,
                                      firstPageId: firstPageIds[i], pageIdActions: pageIdActions[i]))
        }
        stored.sort { ($0.visit.lastActionTimestamp, $0.visit.idVisit) < ($1.visit.lastActionTimestamp, $1.visit.idVisit) }
        sorted = stored
        lastTimes = stored.map(\.visit.lastActionTimestamp)
    }
}

/// An immutable view of one site's visits, taken under the lock and used outside it.
struct VisitSnapshot: Sendable {
    let visits: [StoredVisit]
    let lastTimes: [Int]

    /// Index of the first visit whose last action is >= t.
    func lowerBound(_ t: Int) -> Int {
        var lo = 0, hi = lastTimes.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if lastTimes[mid] < t { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    /// Visits whose last action is in [from, to).
    func range(from: Int, to: Int) -> ArraySlice<StoredVisit> {
        let a = lowerBound(from), b = max(a, lowerBound(to))
        return visits[a..<b]
    }
}

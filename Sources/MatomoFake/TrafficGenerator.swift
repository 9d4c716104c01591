/// Seeded, realistic-looking traffic: daily volumes, a daytime peak, returning visitors, referrer,
/// country and device mixes. Each day draws from its own seeded generator, so a day's visits do
/// not depend on how many days were generated around it.
struct TrafficGenerator {
    let site: FakeSite
    let zone: SiteZone
    let seed: UInt64
    let visitsPerDay: ClosedRange<Int>
    let now: Int

    /// Visits for site-local days [firstDay, lastDay], without ids (`idVisit` 0), oldest first.
    func visits(firstDay: Int, lastDay: Int) -> [FakeVisit] {
        var out: [FakeVisit] = []
        guard firstDay <= lastDay else { return out }
        for day in firstDay...lastDay {
            var rng = SeededRandom(seed: mix64(seed ^ mix64(UInt64(truncatingIfNeeded: site.id) &+ 0x51_7E))
                                   ^ mix64(UInt64(bitPattern: Int64(day))))
            let count = Int.random(in: visitsPerDay, using: &rng)
            let dayStart = zone.startOfDay(day)
            for _ in 0..<count {
                let visit = makeVisit(start: dayStart + timeOfDay(&rng), rng: &rng)
                if visit.lastActionTimestamp <= now { out.append(visit) }
            }
        }
        out.sort { $0.firstActionTimestamp < $1.firstActionTimestamp }
        return out
    }

    // MARK: One visit

    private func makeVisit(start: Int, rng: inout SeededRandom) -> FakeVisit {
        // A third of visits come from a pool of returning visitors who keep their country and device.
        let poolSize = max(50, visitsPerDay.upperBound * 10)
        let returning = Int.random(in: 0..<100, using: &rng) < 33
        let visitorSeed: UInt64
        var userId: String?
        if returning {
            let member = Self.skewed(poolSize, &rng)
            visitorSeed = mix64(seed ^ mix64(UInt64(truncatingIfNeeded: site.id)) ^ UInt64(member) &* 0x2545_F491_4F6C_DD1D)
            if member % 4 == 0 && Int.random(in: 0..<10, using: &rng) < 7 { userId = "user\(member)@example.org" }
        } else {
            visitorSeed = rng.next()
        }
        var visitorRng = SeededRandom(seed: visitorSeed)
        let country = Self.weighted(Lookups.countries.map { ($0, $0.weight) }, &visitorRng)
        let device = Self.weighted(Lookups.devices.map { ($0, $0.weight) }, &visitorRng)

        let referrer = makeReferrer(country: country.code, rng: &rng)
        let actions = makeActions(start: start, rng: &rng)
        return FakeVisit(
            idVisit: 0, siteId: site.id, visitorId: hex16(mix64(visitorSeed)),
            firstActionTimestamp: start, lastActionTimestamp: actions.last?.timestamp ?? start,
            actions: actions,
            referrerType: referrer.type, referrerName: referrer.name, referrerKeyword: referrer.keyword, referrerUrl: referrer.url,
            countryCode: country.code, countryName: country.name,
            deviceType: device.deviceType, browserName: device.browserName, operatingSystemName: device.osName,
            userId: userId)
    }

    /// Seconds after local midnight: few visits at night, peaks late morning, afternoon and evening.
    private func timeOfDay(_ rng: inout SeededRandom) -> Int {
        let hourWeights = [2, 1, 1, 1, 1, 2, 3, 5, 7, 9, 10, 10, 9, 9, 10, 10, 9, 8, 8, 9, 9, 8, 6, 4]
        let hour = Self.weighted(hourWeights.enumerated().map { ($0.offset, $0.element) }, &rng)
        return hour * 3600 + Int.random(in: 0..<3600, using: &rng)
    }

    private static let pages: [(path: String, title: String)] = [
        ("/", "Home"), ("/products/hats", "Products / Hats"), ("/products/shirts", "Products / Shirts"),
        ("/products/shoes", "Products / Shoes"), ("/products/shoes/running", "Products / Shoes / Running"),
        ("/blog/autumn-collection-2026", "Blog / Autumn collection 2026"), ("/about", "About"),
        ("/newsletter/", "Newsletter"), ("/contact", "Contact"), ("/cart", "Cart"), ("/faq", "FAQ"),
    ]
    private static let files = ["/files/size-guide.pdf", "/files/press-kit.zip", "/files/catalog-2026.pdf"]
    private static let outlinks = ["https://github.com/example/shop", "https://www.instagram.com/exampleshop",
                                   "https://en.wikipedia.org/wiki/Hat"]
    private static let siteSearches = ["hats", "running shoes", "gift card", "return policy", "wool scarf"]

    /// 1–10 actions; the first is a pageview; `timeSpent` follows Matomo's rule (time until the next
    /// pageview; for the last one, the rest of the visit if over 10 seconds).
    private func makeActions(start: Int, rng: inout SeededRandom) -> [FakeAction] {
        let base = site.mainUrl.hasSuffix("/") ? String(site.mainUrl.dropLast()) : site.mainUrl
        let count = Self.weighted([(1, 25), (2, 18), (3, 15), (4, 11), (5, 9), (6, 7), (7, 5), (8, 4), (9, 3), (10, 3)], &rng)
        var actions: [FakeAction] = []
        var t = start
        var currentPage = base + "/"
        for i in 0..<count {
            let type = i == 0 ? "action"
                : Self.weighted([("action", 70), ("download", 8), ("outlink", 6), ("search", 8), ("event", 8)], &rng)
            switch type {
            case "action":
                let page = Self.pages[Self.skewed(Self.pages.count, &rng)]
                currentPage = base + page.path
                actions.append(FakeAction(type: "action", url: currentPage, title: page.title, timestamp: t))
            case "download":
                actions.append(FakeAction(type: "download", url: base + Self.files[Int.random(in: 0..<Self.files.count, using: &rng)],
                                          timestamp: t))
            case "outlink":
                actions.append(FakeAction(type: "outlink", url: Self.outlinks[Int.random(in: 0..<Self.outlinks.count, using: &rng)],
                                          timestamp: t))
            case "search":
                let keyword = Self.siteSearches[Int.random(in: 0..<Self.siteSearches.count, using: &rng)]
                actions.append(FakeAction(type: "search", url: "\(base)/search?q=\(phpURLEncode(keyword))", title: keyword,
                                          timestamp: t, searchCount: Int.random(in: 0...40, using: &rng)))
            default:
                let event = [("Video", "Play", "Product teaser", 50.0), ("Video", "Pause", "Product teaser", nil),
                             ("Newsletter", "Open form", "Footer", nil)][Int.random(in: 0..<3, using: &rng)]
                actions.append(FakeAction(type: "event", url: currentPage, title: event.2, timestamp: t,
                                          eventCategory: event.0, eventAction: event.1, eventValue: event.3))
            }
            if i < count - 1 {
                let nextIsQuick = Int.random(in: 0..<100, using: &rng) < 20
                t += nextIsQuick ? Int.random(in: 2...40, using: &rng) : Int.random(in: 8...240, using: &rng)
            }
        }
        // A newsletter pageview converts goal 1 (FakeGoal.defaults) a second later; decided without
        // the random generator, so the same seed still gives the same visits.
        if let i = actions.firstIndex(where: { $0.type == "action" && $0.url.hasSuffix("/newsletter/") }) {
            actions.insert(FakeAction(type: "goal", url: actions[i].url, title: "Newsletter signup",
                                      timestamp: actions[i].timestamp, goalId: 1, revenue: 0), at: i + 1)
        }
        // Time spent per pageview.
        let last = actions[actions.count - 1].timestamp
        let pageviews = actions.indices.filter { actions[$0].type == "action" }
        for (n, i) in pageviews.enumerated() {
            if n + 1 < pageviews.count {
                actions[i].timeSpent = actions[pageviews[n + 1]].timestamp - actions[i].timestamp
            } else {
                let rest = actions.count > 1 ? last - actions[i].timestamp + 1 : 0
                actions[i].timeSpent = rest > 10 ? rest : 0
            }
        }
        return actions
    }

    private func makeReferrer(country: String, rng: inout SeededRandom) -> (type: String, name: String, keyword: String, url: String) {
        switch Self.weighted([("direct", 28), ("search", 35), ("website", 15), ("campaign", 12), ("social", 10)], &rng) {
        case "search":
            let engine = Self.weighted([("Google", 70), ("Bing", 15), ("DuckDuckGo", 10), ("Ecosia", 5)], &rng)
            let keywords = ["running shoes", "autumn collection", "chaussures de course", "example shop", "buy hats online",
                            "cheap shirts", "wool scarf", ""]
            let keyword = keywords[Self.skewed(keywords.count, &rng)]
            let host: String
            switch engine {
            case "Google": host = country == "fr" ? "www.google.fr" : country == "de" ? "www.google.de" : "www.google.com"
            case "Bing": host = "www.bing.com"
            case "DuckDuckGo": host = "duckduckgo.com"
            default: host = "www.ecosia.org"
            }
            let url = keyword.isEmpty ? "https://\(host)/" : "https://\(host)/search?q=\(phpURLEncode(keyword))"
            return ("search", engine, keyword, url)
        case "website":
            let site = [("blog.example.net", "https://blog.example.net/2026/11/best-shops"),
                        ("partner.example.net", "https://partner.example.net/links"),
                        ("forum.example.org", "https://forum.example.org/t/where-to-buy-shoes/123")][Int.random(in: 0..<3, using: &rng)]
            return ("website", site.0, "", site.1)
        case "campaign":
            let name = ["black-friday", "newsletter-nov", "retargeting", "summer-sale"][Self.skewed(4, &rng)]
            return ("campaign", name, "", "")
        case "social":
            let social = [("LinkedIn", "https://www.linkedin.com/feed/"),
                          ("Hacker News", "https://news.ycombinator.com/item?id=38123456"),
                          ("reddit", "https://www.reddit.com/r/malefashionadvice/"),
                          ("Twitter", "https://t.co/Xk2pQ9")][Int.random(in: 0..<4, using: &rng)]
            return ("social", social.0, "", social.1)
        default:
            return ("direct", "", "", "")
        }
    }

    // MARK: Random helpers

    static func weighted<T>(_ items: [(T, Int)], _ rng: inout SeededRandom) -> T {
        let total = items.reduce(0) { $0 + $1.1 }
        var r = Int.random(in: 0..<total, using: &rng)
        for (item, weight) in items {
            if r < weight { return item }
            r -= weight
        }
        return items[items.count - 1].0
    }

    /// An index in 0..<n, low indices more likely (popular pages, frequent visitors).
    static func skewed(_ n: Int, _ rng: inout SeededRandom) -> Int {
        let u = Double.random(in: 0..<1, using: &rng)
        return min(n - 1, Int(Double(n) * u * u))
    }
}

/// SplitMix64: small, fast and the same on every platform (Swift's default generator is not seedable).
struct SeededRandom: RandomNumberGenerator {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

extension FakeMatomo {
    /// Seeded realistic traffic: `visitsPerDay` visits on each of the last `days` site-local days
    /// (today included), 1–10 actions each, idVisit increasing with time, nothing after `now()`.
    /// Deterministic for a seed and a clock.
    public func generateTraffic(siteId: Int, days: Int, visitsPerDay: ClosedRange<Int>, seed: UInt64) {
        guard days > 0 else { return }
        let zone = zone(siteId)
        let now = Int(configuration.now().timeIntervalSince1970.rounded(.down))
        let today = zone.localDay(of: now)
        let generator = TrafficGenerator(site: site(siteId), zone: zone, seed: seed, visitsPerDay: visitsPerDay, now: now)
        addWithNewIds(generator.visits(firstDay: today - days + 1, lastDay: today), siteId: siteId)
    }

    /// The site as configured, or a UTC site of that id created now.
    func site(_ siteId: Int) -> FakeSite {
        configuration.sites.first { $0.id == siteId }
            ?? FakeSite(id: siteId, name: "Site \(siteId)", timezone: "UTC", createdAt: configuration.now())
    }

    /// Adds generated visits to the site with ids after every id the fake holds; returns them with
    /// their ids. Ids and insertion under one lock, so concurrent calls never hand out the same idVisit.
    @discardableResult
    func addWithNewIds(_ generated: [FakeVisit], siteId: Int) -> [FakeVisit] {
        var visits = generated
        state.withLock { s in
            var next = (s.visits.values.map(\.maxIdVisit).max() ?? 0) + 1
            for i in visits.indices {
                visits[i].idVisit = next
                next += 1
            }
            s.visits[siteId, default: SiteVisits()].add(visits)
        }
        return visits
    }
}

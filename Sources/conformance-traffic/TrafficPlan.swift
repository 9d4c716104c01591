import Foundation

/// A small deterministic generator (SplitMix64): the same seed plans the same traffic.
struct SeededRandom {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func int(_ range: ClosedRange<Int>) -> Int {
        range.lowerBound + Int(next() % UInt64(range.upperBound - range.lowerBound + 1))
    }

    mutating func chance(_ p: Double) -> Bool { Double(next() % 1_000_000) / 1_000_000 < p }

    mutating func pick<T>(_ items: [T]) -> T { items[int(0...items.count - 1)] }
}

/// A site that receives traffic: its id, its zone (days start at its midnight) and its host.
struct TrafficSite {
    var id: Int
    var zone: TimeZone
    var host: String

    /// 00:00 of the site-local day `daysBack` days before the day holding `now`.
    func midnight(daysBack: Int, before now: Int64) -> Int64 {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let today = calendar.startOfDay(for: Date(timeIntervalSince1970: TimeInterval(now)))
        let day = calendar.date(byAdding: .day, value: -daysBack, to: today)!
        return Int64(calendar.startOfDay(for: day).timeIntervalSince1970)
    }
}

/// Builds Tracking API requests (`?idsite=...` query strings). Every visit gets a visitor id, an IP
/// and a user agent of its own: Matomo would otherwise merge visitors by fingerprint.
struct VisitBuilder {
    var random: SeededRandom
    /// Six hex digits of this run, so visitor ids and order ids never repeat across runs on one instance.
    let nonce: String
    private(set) var visitsPlanned = 0
    private(set) var requests: [String] = []

    init(seed: UInt64, nonce: String) {
        random = SeededRandom(state: seed)
        self.nonce = nonce
    }

    static let countries = ["us", "fr", "de", "in", "br", "jp", "gb", "ca"]
    static let pages = [("", "Home"), ("shoes", "Shoes"), ("shirts", "Shirts"), ("about", "About us"),
                        ("pricing", "Pricing"), ("blog/summer-sale", "Summer sale"), ("contact", "Contact")]
    static let referrers = ["", "", "https://www.google.com/search?q=running+shoes", "https://www.bing.com/search?q=cheap+shirts",
                            "https://blog.example.org/best-shops", "https://news.example.net/article/42",
                            "https://www.facebook.com/", "https://twitter.com/someone/status/1", "campaign"]

    mutating func takeRequests() -> [String] {
        defer { requests = [] }
        return requests
    }

    /// A visit with a landing page and up to `extra` more actions: page views, downloads, outlinks,
    /// site searches, events, goal conversions, product views, carts and orders, 40 s apart.
    mutating func richVisit(_ site: TrafficSite, start: Int64, extra: ClosedRange<Int> = 0...4) {
        var v = newVisitor(site)
        let referrer = random.pick(Self.referrers)
        let landing = random.pick(Self.pages)
        var first = [("url", site.host + "/" + landing.0), ("action_name", landing.1)]
        if referrer == "campaign" {
            first[0].1 += "?mtm_campaign=" + random.pick(["spring", "newsletter", "retargeting"]) + "&mtm_source=mail"
        } else if !referrer.isEmpty {
            first.append(("urlref", referrer))
        }
        add(&v, at: start, first)
        var t = start
        for _ in 0..<random.int(extra) {
            t += 40
            switch random.int(0...9) {
            case 0, 1:
                let page = random.pick(Self.pages)
                add(&v, at: t, [("url", site.host + "/" + page.0), ("action_name", page.1)])
            case 2:
                add(&v, at: t, [("url", site.host + "/files/catalogue.pdf"), ("download", site.host + "/files/catalogue.pdf")])
            case 3:
                add(&v, at: t, [("url", site.host + "/"), ("link", random.pick(["https://partner.example.com/", "https://maps.example.com/shop"]))])
            case 4:
                add(&v, at: t, [("url", site.host + "/search"), ("search", random.pick(["shoes", "red shirt", "gift card"])),
                                ("search_cat", "All"), ("search_count", String(random.int(0...30)))])
            case 5:
                add(&v, at: t, [("url", site.host + "/video"), ("e_c", "Video"), ("e_a", random.pick(["Play", "Pause"])),
                                ("e_n", "Intro"), ("e_v", String(random.int(1...9)))])
            case 6:
                add(&v, at: t, [("url", site.host + "/newsletter"), ("idgoal", "1"), ("revenue", "5")])
            case 7:
                add(&v, at: t, [("url", site.host + "/shoes/runner"), ("action_name", "Runner"), ("_pks", "SKU-RUN"),
                                ("_pkn", "Runner"), ("_pkc", "Shoes"), ("_pkp", "89.5")])
            case 8:
                // A cart nobody buys: an abandoned cart unless an order follows.
                add(&v, at: t, [("url", site.host + "/cart"), ("idgoal", "0"), ("revenue", "29"),
                                ("ec_items", #"[["SKU-TEE","Tee","Shirts",29,1]]"#)])
            default:
                let quantity = random.int(1...3)
                let total = 89.5 * Double(quantity)
                add(&v, at: t, [("url", site.host + "/checkout"), ("idgoal", "0"), ("ec_id", "\(nonce)-\(visitsPlanned)-\(t)"),
                                ("revenue", String(total + 4.9)), ("ec_st", String(total)), ("ec_sh", "4.9"), ("ec_tx", "0"),
                                ("ec_items", "[[\"SKU-RUN\",\"Runner\",\"Shoes\",89.5,\(quantity)]]")])
            }
        }
    }

    /// A visit of one page view at exactly `at`.
    mutating func singleVisit(_ site: TrafficSite, at: Int64, page: String = "") {
        var v = newVisitor(site)
        add(&v, at: at, [("url", site.host + "/" + page), ("action_name", page.isEmpty ? "Home" : page)])
    }

    /// One visitor's actions 4 minutes apart across `at`: Matomo splits them at the site's midnight.
    mutating func visitAcross(_ site: TrafficSite, midnight: Int64) {
        var v = newVisitor(site)
        add(&v, at: midnight - 120, [("url", site.host + "/"), ("action_name", "Before midnight")])
        add(&v, at: midnight + 120, [("url", site.host + "/shoes"), ("action_name", "After midnight")])
    }

    private struct Visitor {
        var params: [(String, String)]
    }

    private mutating func newVisitor(_ site: TrafficSite) -> Visitor {
        visitsPlanned += 1
        let n = visitsPlanned
        let id = nonce + String(format: "%010x", n)
        // Matomo's fingerprint (config_id) hashes the full IP with the browser's name and major.minor
        // version, so the run's nonce goes into the IP: a visitor of a later run never joins an earlier visit.
        let ip = "fd00:\(nonce.prefix(3)):\(nonce.suffix(3))::\(String(n >> 16, radix: 16)):\(String(n & 0xFFFF, radix: 16))"
        let ua = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.\(n % 997).\(n).\(Int(nonce.prefix(4), radix: 16) ?? 0) Safari/537.36"
        return Visitor(params: [("idsite", String(site.id)), ("rec", "1"), ("_id", id), ("cip", ip), ("ua", ua),
                                ("country", random.pick(Self.countries)), ("lang", "en-US"), ("res", "1920x1080")])
    }

    private mutating func add(_ v: inout Visitor, at time: Int64, _ params: [(String, String)]) {
        let all = v.params + [("cdt", String(time))] + params
        requests.append("?" + all.map { "\($0.0)=\(MatomoHTTP.encode($0.1))" }.joined(separator: "&"))
    }
}

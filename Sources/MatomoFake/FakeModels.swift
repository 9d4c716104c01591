import Foundation

/// A website known to the fake server (Matomo's `site` table).
public struct FakeSite: Sendable {
    public var id: Int
    public var name: String
    /// An IANA identifier ("Europe/Paris") or a Matomo fixed offset ("UTC", "UTC+5.5", "UTC-3").
    public var timezone: String
    public var createdAt: Date
    public var mainUrl: String
    public var currency: String
    /// An ecommerce site: Live visits carry its order and abandoned-cart totals (Matomo adds those
    /// fields on ecommerce sites only). The fake tracks no orders, so they are zeros.
    public var ecommerce = false

    public init(id: Int, name: String, timezone: String, createdAt: Date) {
        self.init(id: id, name: name, timezone: timezone, createdAt: createdAt,
                  mainUrl: id == 1 ? "https://shop.example.com" : "https://site\(id).example.com", currency: "EUR")
    }

    public init(id: Int, name: String, timezone: String, createdAt: Date, mainUrl: String, currency: String = "EUR") {
        self.id = id
        self.name = name
        self.timezone = timezone
        self.createdAt = createdAt
        self.mainUrl = mainUrl
        self.currency = currency
    }
}

/// One entry of a visit's `actionDetails`.
public struct FakeAction: Sendable {
    /// "action" (pageview), "download", "outlink", "search", "event" or "goal".
    public var type: String
    public var url: String
    /// Page title for pageviews, keyword for searches, event name for events, goal name for goals.
    public var title: String
    /// Epoch seconds UTC (rendered shifted by the site's UTC offset, as Matomo does).
    public var timestamp: Int
    /// Seconds on the page; only rendered for pageviews.
    public var timeSpent: Int
    public var eventCategory: String?
    public var eventAction: String?
    public var eventValue: Double?
    public var searchCategory: String?
    public var searchCount: Int?
    public var goalId: Int
    public var revenue: Double?

    public init(type: String = "action", url: String, title: String = "", timestamp: Int, timeSpent: Int = 0,
                eventCategory: String? = nil, eventAction: String? = nil, eventValue: Double? = nil,
                searchCategory: String? = nil, searchCount: Int? = nil,
                goalId: Int = 1, revenue: Double? = nil) {
        self.type = type
        self.url = url
        self.title = title
        self.timestamp = timestamp
        self.timeSpent = timeSpent
        self.eventCategory = eventCategory
        self.eventAction = eventAction
        self.eventValue = eventValue
        self.searchCategory = searchCategory
        self.searchCount = searchCount
        self.goalId = goalId
        self.revenue = revenue
    }
}

/// One row of Matomo's visit log.
public struct FakeVisit: Sendable {
    public var idVisit: Int
    public var siteId: Int
    /// 16 hex chars.
    public var visitorId: String
    /// Epoch seconds UTC.
    public var firstActionTimestamp: Int
    /// Epoch seconds UTC; rendered as `serverTimestamp` and decides the report day.
    public var lastActionTimestamp: Int
    public var actions: [FakeAction]
    /// "direct", "search", "website", "campaign", "social".
    public var referrerType: String
    public var referrerName: String
    public var referrerKeyword: String
    public var referrerUrl: String
    public var countryCode: String
    public var countryName: String
    public var deviceType: String
    public var browserName: String
    public var operatingSystemName: String
    public var userId: String?
    /// Appended to the visit JSON as string fields, as-is and in order.
    public var extraFields: [(String, String)]

    public init(idVisit: Int, siteId: Int, visitorId: String? = nil,
                firstActionTimestamp: Int, lastActionTimestamp: Int,
                actions: [FakeAction]? = nil,
                referrerType: String = "direct", referrerName: String = "", referrerKeyword: String = "", referrerUrl: String = "",
                countryCode: String = "fr", countryName: String? = nil,
                deviceType: String = "Desktop", browserName: String = "Chrome", operatingSystemName: String = "Windows",
                userId: String? = nil,
                extraFields: [(String, String)] = []) {
        self.idVisit = idVisit
        self.siteId = siteId
        self.visitorId = visitorId ?? hex16(UInt64(truncatingIfNeeded: idVisit) &* 0x9E37_79B9_7F4A_7C15 ^ 0x5bd1_e995)
        self.firstActionTimestamp = firstActionTimestamp
        self.lastActionTimestamp = lastActionTimestamp
        self.actions = actions ?? [FakeAction(type: "action", url: "https://shop.example.com/", title: "Home",
                                              timestamp: lastActionTimestamp, timeSpent: 0)]
        self.referrerType = referrerType
        self.referrerName = referrerName
        self.referrerKeyword = referrerKeyword
        self.referrerUrl = referrerUrl
        self.countryCode = countryCode
        self.countryName = countryName ?? Lookups.country(countryCode).name
        self.deviceType = deviceType
        self.browserName = browserName
        self.operatingSystemName = operatingSystemName
        self.userId = userId
        self.extraFields = extraFields
    }
}

public struct FakeMatomoConfiguration: Sendable {
    /// The only accepted `token_auth`; it must be POSTed (Matomo 5 "secure only" token).
    public var token: String = "fake-token"
    /// false: behave like a normal (not secure-only) token, also accepted from the query string.
    public var tokenMustBePosted: Bool = true
    public var sites: [FakeSite]
    public var version: String = "5.0.2"
    /// Old-server mode (PHP < 8.1): integers in Live rows, site rows and report metrics are sent as strings.
    public var numbersAsStrings: Bool = false
    /// API methods ("Live.getLastVisitsDetails") answered with Matomo's plugin-not-enabled error.
    public var disabledMethods: Set<String> = []
    /// Added before each answer.
    public var latency: Duration = .zero
    /// Added per visit in a Live answer, on top of `latency`: a real Matomo 5 spends ~0.4 ms per visit.
    public var rowCost: Duration = .zero
    /// The server's clock: decides "today", "yesterday" and lastN.
    public var now: @Sendable () -> Date = { Date() }
    /// Faults injected instead of answers (nil: none).
    public var faults: FaultPlan?
    /// Goal definitions per site (Goals.getGoals); sites not listed have `FakeGoal.defaults`.
    public var goals: [Int: [FakeGoal]] = [:]
    /// Rows a day archive of a row report keeps (pages, events); the rest is summed into `Others`.
    public var reportRowLimit: Int? = 500
    /// Answers forced by tests for some requests: (API method, parameters) → answer, or nil to answer normally.
    public var answerOverride: (@Sendable (String, [String: String]) -> FakeAnswer?)?

    public static let defaultSites: [FakeSite] = [
        FakeSite(id: 1, name: "Example Shop", timezone: "Europe/Paris",
                 createdAt: Date(timeIntervalSince1970: 1_577_836_800) /* 2020-01-01 */),
    ]

    public init(token: String = "fake-token", tokenMustBePosted: Bool = true, sites: [FakeSite] = FakeMatomoConfiguration.defaultSites,
                version: String = "5.0.2", numbersAsStrings: Bool = false, disabledMethods: Set<String> = [],
                latency: Duration = .zero, rowCost: Duration = .zero, now: @escaping @Sendable () -> Date = { Date() }) {
        self.token = token
        self.tokenMustBePosted = tokenMustBePosted
        self.sites = sites
        self.version = version
        self.numbersAsStrings = numbersAsStrings
        self.disabledMethods = disabledMethods
        self.latency = latency
        self.rowCost = rowCost
        self.now = now
    }
}

/// What the fake received, for assertions in tests.
public struct RecordedRequest: Sendable {
    public var httpMethod: String
    public var path: String
    public var query: [String: String]
    public var body: [String: String]
    /// `method` from the body or the query.
    public var apiMethod: String
    /// Methods inside `API.getBulkRequest`'s `urls[]`, in order.
    public var bulkMethods: [String]

    public init(httpMethod: String, path: String, query: [String: String], body: [String: String],
                apiMethod: String, bulkMethods: [String]) {
        self.httpMethod = httpMethod
        self.path = path
        self.query = query
        self.body = body
        self.apiMethod = apiMethod
        self.bulkMethods = bulkMethods
    }
}

/// 16 lowercase hex chars, like Matomo's visitorId / fingerprint.
func hex16(_ value: UInt64) -> String {
    let digits = Array("0123456789abcdef".utf8)
    var out = [UInt8](repeating: 0, count: 16)
    var v = value
    for i in (0..<16).reversed() {
        out[i] = digits[Int(v & 0xF)]
        v >>= 4
    }
    return String(decoding: out, as: UTF8.self)
}

/// Everything one API call needs, captured under the lock at the start of the HTTP request.
struct APIContext: Sendable {
    let configuration: FakeMatomoConfiguration
    let sites: [FakeSite]
    let zones: [Int: SiteZone]
    let snapshots: [Int: VisitSnapshot]
    /// What reports are built from: the log, or a frozen day's archive (DataFaults.swift).
    let archives: [Int: VisitSnapshot]
    let shiftTiesBetweenPages: Bool
    /// The server's clock, epoch seconds.
    let now: Int
    /// A valid token was POSTed; false means anonymous (an invalid token never gets this far).
    let authenticated: Bool

    func site(_ id: Int) -> FakeSite? { sites.first { $0.id == id } }
    func zone(_ site: FakeSite) -> SiteZone { zones[site.id] ?? SiteZone(site.timezone) }
    func today(_ site: FakeSite) -> Int { zone(site).localDay(of: now) }
    func visits(_ site: FakeSite) -> VisitSnapshot { snapshots[site.id] ?? VisitSnapshot(visits: [], lastTimes: []) }
    func archived(_ site: FakeSite) -> VisitSnapshot { archives[site.id] ?? visits(site) }

    func writer(capacity: Int = 1024) -> JSONWriter {
        JSONWriter(capacity: capacity, intsAsStrings: configuration.numbersAsStrings)
    }

    /// One site from `idSite`, or Matomo's unexpected-website error.
    func singleSite(_ raw: String) throws(MatomoError) -> FakeSite {
        guard let id = Int(raw.trimmingCharactersInWhitespace()), let site = site(id) else { throw .unknownSite(raw) }
        return site
    }

    /// `idSite=1`, `idSite=1,2` or `idSite=all`; `multi` when the answer is keyed by site id.
    func sitesParameter(_ raw: String) throws(MatomoError) -> (sites: [FakeSite], multi: Bool) {
        if raw == "all" { return (sites.sorted { $0.id < $1.id }, true) }
        if raw.contains(",") {
            var out: [FakeSite] = []
            for part in raw.split(separator: ",") {
                guard let id = Int(String(part).trimmingCharactersInWhitespace()), let s = site(id) else { throw .unknownSite(String(part)) }
                if !out.contains(where: { $0.id == s.id }) { out.append(s) }
            }
            return (out, true)
        }
        return ([try singleSite(raw)], false)
    }
}

/// Routes `method=Module.action` to its handler, in the order Matomo checks things: method name,
/// plugin, method, required parameters, access, site, period/date.
public enum APIDispatcher {
    /// Plugins a stock Matomo 5 has enabled: other modules answer "The plugin X is not enabled".
    static let enabledModules: Set<String> = [
        "API", "Actions", "Annotations", "Contents", "CoreAdminHome", "CoreHome", "CustomDimensions", "Dashboard",
        "DevicePlugins", "DevicesDetection", "Events", "Goals", "ImageGraph", "Insights", "LanguagesManager", "Live",
        "Marketplace", "MultiSites", "PagePerformance", "Referrers", "Resolution", "ScheduledReports", "SegmentEditor",
        "SitesManager", "Tour", "Transitions", "UserCountry", "UserId", "UserLanguage", "UsersManager", "VisitFrequency",
        "VisitTime", "VisitorInterest", "VisitsSummary",
    ]

    /// The methods the fake answers; public so tests can check every built-in table's method is among them.
    public static let implemented: Set<String> = [
        "API.getMatomoVersion", "API.getBulkRequest",
        "SitesManager.getSiteFromId", "SitesManager.getSitesWithAtLeastViewAccess", "SitesManager.getSitesIdWithAtLeastViewAccess",
        "Live.getLastVisitsDetails",
        "VisitsSummary.get", "Actions.get", "Referrers.getAll", "UserCountry.getCountry",
        "Actions.getPageUrls", "Goals.get", "Goals.getGoals", "Events.getCategory", "Events.getAction", "Events.getName",
        "API.getReportMetadata",
    ]

    /// Runs one API call and returns its JSON body; errors are thrown with Matomo's message and status.
    static func call(_ params: RequestParams, _ ctx: APIContext) throws(MatomoError) -> APIOutput {
        try check(params, ctx)
        if params["method"] == "Live.getLastVisitsDetails" {
            return try LiveHandler.getLastVisitsDetails(params, ctx)
        }
        return .bytes(try answer(params, ctx))
    }

    /// Method name, plugin and method checks, in Matomo's order.
    private static func check(_ params: RequestParams, _ ctx: APIContext) throws(MatomoError) {
        let method = try params.require("method")
        let parts = method.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else { throw .invalidMethodName }
        let module = String(parts[0]), action = String(parts[1])
        guard enabledModules.contains(module), !ctx.configuration.disabledMethods.contains(module) else {
            throw .pluginNotEnabled(module)
        }
        if ctx.configuration.disabledMethods.contains(method) { throw .pluginNotEnabled(module) }
        guard implemented.contains(method) else { throw .unknownMethod(module: module, method: action) }
    }

    /// The answer of a checked, implemented method.
    private static func answer(_ params: RequestParams, _ ctx: APIContext) throws(MatomoError) -> [UInt8] {
        let method = try params.require("method")
        switch method {
        case "API.getMatomoVersion":
            guard ctx.authenticated else { throw .noViewAccessAnySite }
            var w = ctx.writer(capacity: 32)
            w.beginObject(); w.key("value"); w.string(ctx.configuration.version); w.endObject()
            return w.bytes
        case "API.getBulkRequest":
            return try bulk(params, ctx)
        case "SitesManager.getSiteFromId":
            return try SitesHandler.getSiteFromId(params, ctx)
        case "SitesManager.getSitesWithAtLeastViewAccess":
            return SitesHandler.getSitesWithAtLeastViewAccess(ctx)
        case "SitesManager.getSitesIdWithAtLeastViewAccess":
            return SitesHandler.getSitesIdWithAtLeastViewAccess(ctx)
        case "Live.getLastVisitsDetails":
            return try LiveHandler.getLastVisitsDetails(params, ctx).materialize()
        case "VisitsSummary.get":
            return try ReportsHandler.report(.visitsSummary, params, ctx)
        case "Actions.get":
            return try ReportsHandler.report(.actions, params, ctx)
        case "Referrers.getAll":
            return try ReportsHandler.report(.referrers, params, ctx)
        case "UserCountry.getCountry":
            return try ReportsHandler.report(.countries, params, ctx)
        case "Actions.getPageUrls":
            return try ActionReportsHandler.pageUrls(params, ctx)
        case "Events.getCategory":
            return try ActionReportsHandler.events(.category, params, ctx)
        case "Events.getAction":
            return try ActionReportsHandler.events(.action, params, ctx)
        case "Events.getName":
            return try ActionReportsHandler.events(.name, params, ctx)
        case "Goals.get":
            return try GoalReportsHandler.get(params, ctx)
        case "Goals.getGoals":
            return try GoalReportsHandler.getGoals(params, ctx)
        case "API.getReportMetadata":
            return try ReportMetadataHandler.answer(params, ctx)
        default:
            let parts = method.split(separator: ".")
            throw .unknownMethod(module: String(parts[0]), method: String(parts[1]))
        }
    }

    /// API.getBulkRequest: each `urls[i]` is a query string run with the outer request's credentials;
    /// the answer is an array of the sub-answers, errors inline.
    static func bulk(_ params: RequestParams, _ ctx: APIContext) throws(MatomoError) -> [UInt8] {
        let urls = params.bulkURLs
        guard !urls.isEmpty else { throw .missingParameter("urls") }
        var w = ctx.writer(capacity: 4096)
        w.beginArray()
        for url in urls {
            var sub = RequestParams(query: decodeForm(Substring(url)))
            sub.query.removeAll { $0.0 == "token_auth" || $0.0 == "format" }
            do {
                w.raw(try call(sub, ctx).materialize())
            } catch {
                w.raw(JSONWriter.error(error.message))
            }
        }
        w.endArray()
        return w.bytes
    }
}

/// An API answer: bytes, or a Live visit list rendered while it is sent.
enum APIOutput: Sendable {
    case bytes([UInt8])
    case visits(VisitStream)

    func materialize() -> [UInt8] {
        switch self {
        case .bytes(let b): return b
        case .visits(let stream): return stream.materialize()
        }
    }
}

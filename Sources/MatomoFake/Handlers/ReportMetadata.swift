/// API.getReportMetadata for the reports the fake serves, shaped like Matomo 5's: and, like Matomo,
/// with the caller's `token_auth` inside `imageGraphUrl` and `imageGraphEvolutionUrl`, so a client
/// can be tested for never showing it.
enum ReportMetadataHandler {
    private struct Entry {
        var category: String
        var subcategory: String?
        var name: String
        var module: String
        var action: String
        var dimension: String?
        var parameters: [(String, String)] = []
        var documentation: String?
        var onlineGuideUrl: String? = nil
        /// Secondary dimensions (the event reports'), keyed like Matomo's.
        var dimensions: [(String, String)] = []
        var metrics: [(String, String)]
        var processed: [(String, String)] = []
        var subtables: String? = nil
        var related: [(name: String, action: String)] = []
        /// Goal metrics per row, as on the reports Matomo can split by goal.
        var goalMetrics: (metrics: [(String, String)], processed: [(String, String)])? = nil
        /// Referrers.getAll has no evolution graph.
        var evolution = true
    }

    private static let visitMetrics = [("nb_visits", "Visits"), ("nb_uniq_visitors", "Unique visitors"), ("nb_actions", "Actions"), ("nb_users", "Users")]

    private static let visitProcessed = [("nb_actions_per_visit", "Actions per Visit"), ("avg_time_on_site", "Avg. Time on Website"),
                                         ("bounce_rate", "Bounce Rate")]
    private static let eventsGuide = "https://matomo.org/docs/event-tracking/"
    private static let goalsGuide = "https://matomo.org/docs/tracking-goals-web-analytics/"
    private static let ecommerceGuide = "https://matomo.org/docs/ecommerce-analytics/"

    private static func entries(goals: [FakeGoal], ecommerce: Bool) -> [Entry] {
        var out: [Entry] = [
            Entry(category: "Visitors", subcategory: "Overview", name: "Visits Summary", module: "VisitsSummary", action: "get",
                  documentation: "This report provides a very basic overview of the visits.",
                  metrics: visitMetrics + [("nb_visits_converted", "Visits with Conversions")],
                  processed: [("bounce_rate", "Bounce Rate"), ("nb_actions_per_visit", "Actions per Visit"), ("avg_time_on_site", "Avg. Time on Website")]),
            Entry(category: "Actions", name: "Actions - Main metrics", module: "Actions", action: "get",
                  documentation: "This report provides a very basic overview of what actions your visitors take on your website.",
                  metrics: [("nb_pageviews", "Pageviews"), ("nb_uniq_pageviews", "Unique Pageviews"), ("nb_downloads", "Downloads"),
                            ("nb_outlinks", "Outlinks"), ("nb_searches", "Searches"), ("nb_keywords", "Unique Keywords")],
                  processed: [("avg_time_generation", "Avg. generation time")]),
            Entry(category: "Actions", subcategory: "Pages", name: "Page URLs", module: "Actions", action: "getPageUrls", dimension: "Page URL",
                  documentation: "This report contains information about the page URLs that have been visited.",
                  metrics: [("nb_hits", "Pageviews"), ("nb_visits", "Unique Pageviews")],
                  processed: [("avg_time_on_page", "Avg. time on page"), ("bounce_rate", "Bounce Rate"), ("exit_rate", "Exit rate")],
                  subtables: "getPageUrls", related: [("Entry pages", "getEntryPageUrls"), ("Exit pages", "getExitPageUrls")],
                  goalMetrics: ([("nb_conversions", "Conversions"), ("nb_conversions_attrib", "Conversions"), ("revenue_attrib", "Revenue")],
                                [("revenue_per_visit", "Revenue per Visit"), ("nb_conversions_page_rate", "Viewed before conversion rate")])),
            Entry(category: "Actions", subcategory: "Events", name: "Event Categories", module: "Events", action: "getCategory", dimension: "Event Category",
                  documentation: "This report shows the categories of each tracked event and how many times they occurred.",
                  onlineGuideUrl: eventsGuide, dimensions: [("Events_EventCategory", "Event Category"), ("Events_EventAction", "Event Action")],
                  metrics: eventMetrics, processed: [("avg_event_value", "The average of all values for this event")], subtables: "getActionFromCategoryId"),
            Entry(category: "Actions", subcategory: "Events", name: "Event Actions", module: "Events", action: "getAction", dimension: "Event Action",
                  documentation: "This report shows the actions of each tracked event.",
                  onlineGuideUrl: eventsGuide, dimensions: [("Events_EventAction", "Event Action"), ("Events_EventName", "Event Name")],
                  metrics: eventMetrics, processed: [("avg_event_value", "The average of all values for this event")], subtables: "getNameFromActionId"),
            Entry(category: "Actions", subcategory: "Events", name: "Event Names", module: "Events", action: "getName", dimension: "Event Name",
                  documentation: "This report shows the names of each tracked event.",
                  onlineGuideUrl: eventsGuide, dimensions: [("Events_EventName", "Event Name"), ("Events_EventAction", "Event Action")],
                  metrics: eventMetrics, processed: [("avg_event_value", "The average of all values for this event")], subtables: "getActionFromNameId"),
            Entry(category: "Referrers", subcategory: "All Channels", name: "Referrers", module: "Referrers", action: "getAll", dimension: "Referrer",
                  documentation: "This report shows all your Referrers in one unified report.", metrics: visitMetrics,
                  processed: visitProcessed, evolution: false),
            Entry(category: "Visitors", subcategory: "Locations", name: "Country", module: "UserCountry", action: "getCountry", dimension: "Country",
                  documentation: "This report shows which country your visitors were in when they accessed your website.", metrics: visitMetrics,
                  processed: visitProcessed,
                  goalMetrics: ([("nb_conversions", "Conversions"), ("revenue", "Revenue")], [("revenue_per_visit", "Revenue per Visit")])),
            Entry(category: "Goals", name: "Goals", module: "Goals", action: "get",
                  documentation: "This report gives an overview of how well your visitors convert a specific goal.",
                  onlineGuideUrl: goalsGuide, metrics: goalMetrics, processed: [("conversion_rate", "Conversion Rate")]),
        ]
        if ecommerce {
            // Matomo lists the ecommerce order and abandoned-cart reports first, without documentation.
            for (id, name) in [("ecommerceOrder", "Ecommerce orders"), ("ecommerceAbandonedCart", "Abandoned carts")] {
                out.insert(Entry(category: "Goals", name: name, module: "Goals", action: "get", parameters: [("idGoal", id)],
                                 documentation: nil, onlineGuideUrl: ecommerceGuide, metrics: goalMetrics,
                                 processed: [("conversion_rate", "Conversion Rate")]), at: out.count - 1)
            }
        }
        for g in goals {
            out.append(Entry(category: "Goals", name: "Goal \(g.name)", module: "Goals", action: "get", parameters: [("idGoal", "\(g.id)")],
                             documentation: "This report gives an overview of how well your visitors convert a specific goal.",
                             onlineGuideUrl: goalsGuide, metrics: goalMetrics, processed: [("conversion_rate", "Conversion Rate")]))
        }
        return out
    }

    private static let eventMetrics = [("nb_events", "Events"), ("sum_event_value", "Event value"), ("min_event_value", "Minimum Event value"),
                                       ("max_event_value", "Maximum Event value"), ("nb_events_with_value", "Events with a value")]
    private static let goalMetrics = [("nb_conversions", "Conversions"), ("nb_visits_converted", "Visits with Conversions"), ("revenue", "Revenue")]

    static func answer(_ params: RequestParams, _ ctx: APIContext) throws(MatomoError) -> [UInt8] {
        guard ctx.authenticated else { throw .noViewAccessAnySite }
        let site = try params["idSite"].map { raw throws(MatomoError) in try ctx.singleSite(raw) }
        let period = params["period"] ?? "day"
        let date = params["date"] ?? "today"
        let token = ctx.configuration.token
        var w = ctx.writer(capacity: 16_384)
        w.beginArray()
        for e in entries(goals: site.map { ctx.configuration.goals[$0.id] ?? FakeGoal.defaults } ?? [], ecommerce: site?.ecommerce ?? false) {
            w.beginObject()
            w.key("category"); w.string(e.category)
            if let s = e.subcategory { w.key("subcategory"); w.string(s) }
            w.key("name"); w.string(e.name)
            w.key("module"); w.string(e.module)
            w.key("action"); w.string(e.action)
            if !e.parameters.isEmpty {
                w.key("parameters"); w.beginObject()
                for (k, v) in e.parameters { w.key(k); if let n = Int(v) { w.int(n) } else { w.string(v) } }
                w.endObject()
            }
            if let d = e.dimension { w.key("dimension"); w.string(d) }
            if let d = e.documentation { w.key("documentation"); w.string(d) }
            if let u = e.onlineGuideUrl { w.key("onlineGuideUrl"); w.string(u) }
            if !e.dimensions.isEmpty { w.key("dimensions"); pairs(e.dimensions, into: &w) }
            w.key("metrics"); pairs(e.metrics, into: &w)
            w.key("metricsDocumentation"); pairs((e.metrics + e.processed).map { ($0.0, "\($0.1) (as this fake counts it)") }, into: &w)
            w.key("processedMetrics"); pairs(e.processed, into: &w)
            w.key("metricTypes"); pairs((e.metrics + e.processed).map { ($0.0, metricType($0.0)) }, into: &w)
            if let t = e.subtables { w.key("actionToLoadSubTables"); w.string(t) }
            if !e.related.isEmpty {
                w.key("relatedReports"); w.beginArray()
                for r in e.related {
                    w.beginObject(); w.key("name"); w.string(r.name); w.key("module"); w.string(e.module); w.key("action"); w.string(r.action); w.endObject()
                }
                w.endArray()
            }
            if let g = e.goalMetrics {
                w.key("metricsGoal"); pairs(g.metrics, into: &w)
                w.key("processedMetricsGoal"); pairs(g.processed, into: &w)
                w.key("metricTypesGoal"); pairs((g.processed + [("conversion_rate", "")] + g.metrics).map { ($0.0, metricType($0.0)) }, into: &w)
            }
            let extra = e.parameters.map { "&\($0.0)=\($0.1)" }.joined()
            let graph = "index.php?module=API&method=ImageGraph.get&idSite=\(site?.id ?? 0)&apiModule=\(e.module)&apiAction=\(e.action)&token_auth=\(token)\(extra)&period=\(period)&date=\(date)"
            w.key("imageGraphUrl"); w.string(graph)
            if e.evolution { w.key("imageGraphEvolutionUrl"); w.string(graph) }
            w.key("uniqueId"); w.string("\(e.module)_\(e.action)" + e.parameters.map { "_\($0.0)--\($0.1)" }.joined())
            w.endObject()
        }
        w.endArray()
        return w.bytes
    }

    private static func metricType(_ name: String) -> String {
        if name.hasSuffix("_rate") { return "percent" }
        if name.hasPrefix("revenue") { return "money" }
        if name.hasPrefix("avg_time") { return "duration_s" }
        return "number"
    }

    private static func pairs(_ list: [(String, String)], into w: inout JSONWriter) {
        w.beginObject()
        for (k, v) in list { w.key(k); w.string(v) }
        w.endObject()
    }
}

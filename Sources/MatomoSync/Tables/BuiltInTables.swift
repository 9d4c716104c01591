/// The built-in tables, one declaration each. The names are a public contract: users' SQL depends on them.
extension TableCatalog {
    public static let builtIn = TableCatalog(builtInSpecs)

    static let builtInSpecs: [TableSpec] = [
        TableSpec(name: .visits, method: "Live.getLastVisitsDetails", kind: .visitLog,
                  mergeKey: ["_site_id", "id_visit"], knownColumns: TableSpec.metaColumns + VisitColumns.known,
                  acceptsDateRange: false, rowMeaning: "visit"),
        TableSpec(name: .visitActions, method: "", kind: .derived,
                  mergeKey: ["_site_id", "id_visit", "position"], knownColumns: TableSpec.metaColumns + ActionColumns.known,
                  acceptsDateRange: false, rowMeaning: "action of a visit (its actionDetails entry)", derivedFrom: .visits),
        TableSpec(name: .visitsSummary, method: "VisitsSummary.get", kind: .dailyMetrics,
                  mergeKey: ["_site_id", "_date"],
                  knownColumns: TableSpec.metaColumns + [
                      Column("nb_uniq_visitors", .integer), Column("nb_users", .integer), Column("nb_visits", .integer),
                      Column("nb_actions", .integer), Column("nb_visits_converted", .integer), Column("bounce_count", .integer),
                      Column("sum_visit_length", .integer), Column("max_actions", .integer), Column("bounce_rate", .real),
                      Column("nb_actions_per_visit", .real), Column("avg_time_on_site", .integer),
                  ],
                  acceptsDateRange: true, rowMeaning: "day"),
        TableSpec(name: .actionsSummary, method: "Actions.get", kind: .dailyMetrics,
                  mergeKey: ["_site_id", "_date"],
                  knownColumns: TableSpec.metaColumns + [
                      Column("nb_pageviews", .integer), Column("nb_uniq_pageviews", .integer), Column("nb_downloads", .integer),
                      Column("nb_uniq_downloads", .integer), Column("nb_outlinks", .integer), Column("nb_uniq_outlinks", .integer),
                      Column("nb_searches", .integer), Column("nb_keywords", .integer),
                  ],
                  acceptsDateRange: true, rowMeaning: "day"),
        // Row reports: Matomo truncates archived reports itself (about 1,000 rows a day for referrers,
        // 500 for pages), keeping the rest in an `Others` row, so `filter_limit=-1` is bounded here,
        // unlike on the Live API.
        TableSpec(name: .referrers, method: "Referrers.getAll", kind: .dailyRows,
                  mergeKey: ["_site_id", "_date", "referer_type", "label"],
                  knownColumns: TableSpec.metaColumns + [Column("referer_type", .integer), Column("label", .text)] + rowReportMetrics
                      + [Column("url", .text), Column("logo", .text)],
                  acceptsDateRange: false, parameters: [("filter_limit", "-1")], rowMeaning: "referrer and day"),
        TableSpec(name: .countries, method: "UserCountry.getCountry", kind: .dailyRows,
                  mergeKey: ["_site_id", "_date", "code"],
                  knownColumns: TableSpec.metaColumns + [Column("code", .text), Column("label", .text)] + rowReportMetrics
                      + [Column("logo", .text), Column("logo_height", .integer)],
                  acceptsDateRange: true, parameters: [("filter_limit", "-1")], rowMeaning: "country and day"),
        TableSpec(name: .pages, method: "Actions.getPageUrls", kind: .dailyRows,
                  mergeKey: ["_site_id", "_date", "label"],
                  knownColumns: TableSpec.metaColumns + [
                      Column("label", .text), Column("url", .text), Column("nb_visits", .integer),
                      Column("nb_uniq_visitors", .integer), Column("nb_hits", .integer), Column("sum_time_spent", .integer),
                      Column("nb_hits_following_search", .integer),
                      Column("entry_nb_uniq_visitors", .integer), Column("entry_nb_visits", .integer),
                      Column("entry_nb_actions", .integer), Column("entry_sum_visit_length", .integer),
                      Column("entry_bounce_count", .integer), Column("exit_nb_uniq_visitors", .integer),
                      Column("exit_nb_visits", .integer), Column("avg_page_load_time", .real), Column("avg_time_on_page", .real),
                      Column("bounce_rate", .real), Column("exit_rate", .real), Column("goals", .json),
                      Column("actions_page_url", .text), Column("segment", .text),
                  ],
                  acceptsDateRange: true, parameters: [("flat", "1"), ("filter_limit", "-1")], rowMeaning: "page URL and day"),
        TableSpec(name: .goalsSummary, method: "Goals.get", kind: .dailyMetrics,
                  mergeKey: ["_site_id", "_date"],
                  knownColumns: TableSpec.metaColumns + [
                      Column("nb_conversions", .integer), Column("nb_visits_converted", .integer), Column("revenue", .real),
                      Column("conversion_rate", .real), Column("nb_conversions_new_visit", .integer),
                      Column("nb_visits_converted_new_visit", .integer), Column("revenue_new_visit", .real),
                      Column("conversion_rate_new_visit", .real), Column("nb_conversions_returning_visit", .integer),
                      Column("nb_visits_converted_returning_visit", .integer), Column("revenue_returning_visit", .real),
                      Column("conversion_rate_returning_visit", .real),
                  ],
                  acceptsDateRange: true, rowMeaning: "day"),
        eventTable(.eventCategories, "Events.getCategory", "event category and day"),
        eventTable(.eventActions, "Events.getAction", "event action and day"),
        eventTable(.eventNames, "Events.getName", "event name and day"),
        TableSpec(name: .goals, method: "Goals.getGoals", kind: .wholeList,
                  mergeKey: ["_site_id", "idgoal"],
                  knownColumns: TableSpec.metaColumns + [
                      Column("idsite", .integer), Column("idgoal", .integer), Column("name", .text), Column("description", .text),
                      Column("match_attribute", .text), Column("pattern", .text), Column("pattern_type", .text),
                      Column("case_sensitive", .integer), Column("allow_multiple", .integer), Column("revenue", .real),
                      Column("deleted", .integer), Column("event_value_as_revenue", .integer),
                  ],
                  acceptsDateRange: false, rowMeaning: "goal definition (fetched whole on each sync)"),
    ]

    static let rowReportMetrics: [Column] = [
        Column("nb_uniq_visitors", .integer), Column("nb_visits", .integer), Column("nb_actions", .integer),
        Column("nb_users", .integer), Column("max_actions", .integer), Column("sum_visit_length", .integer),
        Column("bounce_count", .integer), Column("nb_visits_converted", .integer), Column("goals", .json),
        Column("nb_conversions", .integer), Column("revenue", .real), Column("segment", .text),
    ]

    static func eventTable(_ name: TableName, _ method: String, _ meaning: String) -> TableSpec {
        TableSpec(name: name, method: method, kind: .dailyRows,
                  mergeKey: ["_site_id", "_date", "label"],
                  knownColumns: TableSpec.metaColumns + [
                      Column("label", .text), Column("nb_uniq_visitors", .integer), Column("nb_visits", .integer),
                      Column("nb_events", .integer), Column("nb_events_with_value", .integer), Column("sum_event_value", .real),
                      Column("min_event_value", .real), Column("max_event_value", .real), Column("avg_event_value", .real),
                      Column("segment", .text), Column("idsubdatatable", .integer),
                  ],
                  acceptsDateRange: true, parameters: [("filter_limit", "-1")], rowMeaning: meaning)
    }
}

/// visit_actions' columns: the snake_case fields of an `actionDetails` entry, plus the visit's id and
/// the entry's index. Which fields an action has depends on its type (pageview, event, goal, ...).
enum ActionColumns {
    static let known: [Column] = [
        Column("id_visit", .integer), Column("position", .integer), Column("type", .text), Column("url", .text),
        Column("page_title", .text), Column("page_id_action", .integer), Column("idpageview", .text),
        Column("server_time_pretty", .text), Column("page_id", .integer), Column("timestamp", .integer),
        Column("time_spent", .integer), Column("time_spent_pretty", .text), Column("pageview_position", .integer),
        Column("title", .text), Column("subtitle", .text), Column("icon", .text), Column("icon_svg", .text),
        Column("site_search_keyword", .text), Column("site_search_category", .text), Column("site_search_count", .integer),
        Column("event_category", .text), Column("event_action", .text), Column("event_name", .text),
        Column("event_value", .real), Column("goal_name", .text), Column("goal_id", .integer), Column("revenue", .real),
        Column("goal_page_id", .integer), Column("product_view_name", .text), Column("product_view_sku", .text),
        Column("product_view_price", .real), Column("product_view_categories", .json), Column("item_details", .json),
    ]
}

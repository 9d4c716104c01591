/// What a column means, for `tables --format json` and the README's table reference. Metrics share
/// their meaning across reports; a column not described here is a Matomo field passed through.
enum ColumnDocs {
    static func meaning(_ column: String, in spec: TableSpec) -> String {
        if let m = (spec.kind == .visitLog ? visit[column] : nil) ?? (spec.kind == .derived ? action[column] : nil) ?? specific[spec.name.rawValue + "." + column] ?? common[column] {
            return m
        }
        for (prefix, text) in prefixes where column.hasPrefix(prefix) {
            let rest = String(column.dropFirst(prefix.count))
            return text + (common[rest].map { ": " + $0.prefix(1).lowercased() + $0.dropFirst() } ?? " `\(rest)`")
        }
        return "Matomo's `\(column)`, as sent"
    }

    static let prefixes: [(String, String)] = [("entry_", "As an entry page"), ("exit_", "As an exit page")]

    static let common: [String: String] = [
        "_site_id": "Matomo site ID",
        "_date": "Site-local day the row belongs to",
        "_synced_at": "When matomo-sync wrote the row (UTC, ISO 8601)",
        "label": "The report's label (URL path, name, keyword...); `Others` for the summary row of a truncated report",
        "nb_visits": "Visits", "nb_uniq_visitors": "Unique visitors", "nb_users": "Logged-in users (distinct user IDs)",
        "nb_actions": "Actions (pageviews, downloads, outlinks, searches, events)", "max_actions": "Most actions in one visit",
        "sum_visit_length": "Total visit length, seconds", "bounce_count": "Visits with one action",
        "nb_visits_converted": "Visits that converted a goal", "goals": "Per-goal metrics (JSON keyed by `idgoal=N`)",
        "nb_conversions": "Goal conversions", "revenue": "Revenue, site currency", "segment": "Matomo segment selecting the row",
        "bounce_rate": "Bounce rate (0..1)", "nb_actions_per_visit": "Actions per visit", "avg_time_on_site": "Average visit length, seconds",
        "nb_pageviews": "Pageviews", "nb_uniq_pageviews": "Unique pageviews (once per visit)", "nb_downloads": "Downloads",
        "nb_uniq_downloads": "Unique downloads", "nb_outlinks": "Outlink clicks", "nb_uniq_outlinks": "Unique outlink clicks",
        "nb_searches": "Site searches", "nb_keywords": "Distinct search keywords",
        "referer_type": "Referrer type (1 direct, 2 search engine, 3 website, 6 campaign, 7 social)", "url": "URL",
        "logo": "Matomo's icon path", "code": "ISO country code", "logo_height": "Icon height, pixels",
        "nb_hits": "Pageviews of the URL", "sum_time_spent": "Total time on the page, seconds",
        "nb_hits_following_search": "Pageviews right after a site search", "avg_page_load_time": "Average page load time, seconds",
        "avg_time_on_page": "Average time on the page, seconds", "exit_rate": "Exit rate (0..1)",
        "actions_page_url": "Page URL path (Matomo's `Actions_PageUrl`)",
        "nb_events": "Events", "nb_events_with_value": "Events with a value", "sum_event_value": "Sum of event values",
        "min_event_value": "Smallest event value", "max_event_value": "Largest event value", "avg_event_value": "Average event value",
        "idsubdatatable": "Matomo's subtable ID (the next level of the report)",
        "conversion_rate": "Conversion rate (0..1)", "nb_conversions_new_visit": "Conversions by new visitors",
        "nb_visits_converted_new_visit": "Converted visits of new visitors", "revenue_new_visit": "Revenue from new visitors",
        "conversion_rate_new_visit": "Conversion rate of new visitors", "nb_conversions_returning_visit": "Conversions by returning visitors",
        "nb_visits_converted_returning_visit": "Converted visits of returning visitors", "revenue_returning_visit": "Revenue from returning visitors",
        "conversion_rate_returning_visit": "Conversion rate of returning visitors",
    ]

    static let specific: [String: String] = [
        "goals.idsite": "Site ID (as Matomo sends it)", "goals.idgoal": "Goal ID", "goals.name": "Goal name",
        "goals.description": "Goal description", "goals.match_attribute": "What triggers the goal (url, title, file, event_category, manually, ...)",
        "goals.pattern": "Pattern matched", "goals.pattern_type": "How the pattern matches (contains, exact, regex)",
        "goals.case_sensitive": "1 when the pattern is case-sensitive", "goals.allow_multiple": "1 when a visit can convert several times",
        "goals.revenue": "Default revenue of a conversion", "goals.deleted": "1 when deleted", "goals.event_value_as_revenue": "1 when the event value is the revenue",
        "countries.label": "Country name", "referrers.label": "Referrer: keyword, website, campaign or social network",
        "pages.label": "Page URL path (flattened)", "pages.url": "Full page URL",
        "event_categories.label": "Event category", "event_actions.label": "Event action", "event_names.label": "Event name",
    ]

    static let visit: [String: String] = [
        "id_site": "Site ID (Matomo's idSite)", "id_visit": "Visit ID (Matomo's idVisit)", "visit_ip": "Visitor IP (anonymised as configured)",
        "visitor_id": "Visitor ID, 16 hex digits", "fingerprint": "Visit's config fingerprint",
        "action_details": "Every action of the visit (JSON); also one row each in `visit_actions`",
        "goal_conversions": "Goal conversions in the visit", "server_timestamp": "Last action, epoch seconds (the sync's cursor)",
        "first_action_timestamp": "First action, epoch seconds", "last_action_timestamp": "Last action, epoch seconds",
        "user_id": "User ID set by the tracker", "visitor_type": "new or returning", "visit_count": "Visit number of this visitor",
        "visit_duration": "Visit length, seconds", "actions": "Actions in the visit", "interactions": "Interactions in the visit",
        "referrer_type": "Referrer type (direct, search, website, campaign, social)", "referrer_name": "Referrer name",
        "referrer_keyword": "Search keyword or campaign keyword", "referrer_url": "Referrer URL", "country_code": "ISO country code",
        "country": "Country", "region": "Region", "city": "City", "device_type": "Device type", "browser_name": "Browser",
        "operating_system_name": "Operating system", "events": "Events in the visit", "searches": "Site searches in the visit",
        "visit_converted": "1 when the visit converted a goal", "visit_ecommerce_status": "none, ordered, abandonedCart, orderedThenAbandonedCart",
        "latitude": "Latitude", "longitude": "Longitude", "language_code": "Browser language code", "resolution": "Screen resolution",
    ]

    static let action: [String: String] = [
        "id_visit": "The visit's ID (`visits.id_visit`)", "position": "Index of the action in the visit's `actionDetails`, from 0",
        "type": "action (pageview), download, outlink, search, event, goal, ecommerceOrder, ...", "url": "URL of the page, file or link",
        "page_title": "Page title", "timestamp": "When the action happened, epoch seconds", "time_spent": "Seconds spent on the page",
        "event_category": "Event category", "event_action": "Event action", "event_name": "Event name", "event_value": "Event value",
        "goal_id": "Goal converted", "goal_name": "Goal name", "revenue": "Revenue of the conversion or order",
        "site_search_keyword": "Site search keyword", "site_search_category": "Site search category",
        "site_search_count": "Results of the site search", "pageview_position": "Pageview number in the visit",
        "item_details": "Ordered items of an ecommerce order (JSON)",
    ]
}

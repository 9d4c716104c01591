/// The visit log's columns as Matomo 5 sends them, typed. Older servers send most of these as
/// strings (`"idVisit":"2347281"`); the declared type converts them back. Identifiers and codes
/// (`visitor_id`, `fingerprint`, `region_code`) are text even when they look numeric.
enum VisitColumns {
    static let known: [Column] = [
        Column("id_site", .integer), Column("id_visit", .integer), Column("visit_ip", .text),
        Column("visitor_id", .text), Column("fingerprint", .text), Column("action_details", .json),
        Column("goal_conversions", .integer), Column("site_currency", .text), Column("site_currency_symbol", .text),
        Column("server_date", .text), Column("visit_server_hour", .integer), Column("last_action_timestamp", .integer),
        Column("last_action_date_time", .text), Column("site_name", .text), Column("server_timestamp", .integer),
        Column("first_action_timestamp", .integer), Column("server_time_pretty", .text),
        Column("server_date_pretty", .text), Column("server_date_pretty_first_action", .text),
        Column("server_time_pretty_first_action", .text), Column("user_id", .text), Column("visitor_type", .text),
        Column("visitor_type_icon", .text), Column("visit_converted", .integer), Column("visit_converted_icon", .text),
        Column("visit_count", .integer), Column("visit_ecommerce_status", .text),
        Column("visit_ecommerce_status_icon", .text), Column("days_since_first_visit", .integer),
        Column("seconds_since_first_visit", .integer), Column("days_since_last_ecommerce_order", .integer),
        Column("seconds_since_last_ecommerce_order", .integer), Column("visit_duration", .integer),
        Column("visit_duration_pretty", .text), Column("searches", .integer), Column("actions", .integer),
        Column("interactions", .integer), Column("referrer_type", .text), Column("referrer_type_name", .text),
        Column("referrer_name", .text), Column("referrer_keyword", .text), Column("referrer_keyword_position", .integer),
        Column("referrer_url", .text), Column("referrer_search_engine_url", .text),
        Column("referrer_search_engine_icon", .text), Column("referrer_social_network_url", .text),
        Column("referrer_social_network_icon", .text), Column("language_code", .text), Column("language", .text),
        Column("device_type", .text), Column("device_type_icon", .text), Column("device_brand", .text),
        Column("device_model", .text), Column("operating_system", .text), Column("operating_system_name", .text),
        Column("operating_system_icon", .text), Column("operating_system_code", .text),
        Column("operating_system_version", .text), Column("browser_family", .text),
        Column("browser_family_description", .text), Column("browser", .text), Column("browser_name", .text),
        Column("browser_icon", .text), Column("browser_code", .text), Column("browser_version", .text),
        Column("events", .integer), Column("continent", .text), Column("continent_code", .text),
        Column("country", .text), Column("country_code", .text), Column("country_flag", .text),
        Column("region", .text), Column("region_code", .text), Column("city", .text), Column("location", .text),
        Column("latitude", .real), Column("longitude", .real), Column("visit_local_time", .text),
        Column("visit_local_hour", .integer), Column("days_since_last_visit", .integer),
        Column("seconds_since_last_visit", .integer), Column("resolution", .text), Column("plugins", .text),
        Column("plugins_icons", .json),
        // Present when ecommerce, goals or custom dimensions are on.
        Column("total_ecommerce_revenue", .real), Column("total_ecommerce_conversions", .integer),
        Column("total_ecommerce_items", .integer), Column("total_abandoned_carts", .integer),
        Column("total_abandoned_carts_revenue", .real), Column("total_abandoned_carts_items", .integer),
        Column("custom_variables", .json),
    ]
}

import Foundation

/// SitesManager.* answers, field for field like Matomo 5's `site` rows.
enum SitesHandler {
    static func getSiteFromId(_ params: RequestParams, _ ctx: APIContext) throws(MatomoError) -> [UInt8] {
        let raw = try params.require("idSite")
        guard ctx.authenticated else { throw .noViewAccess(site: raw) }
        let site = try ctx.singleSite(raw)
        var w = ctx.writer()
        write(site, &w)
        return w.bytes
    }

    /// Anonymous callers see no site at all (no error), as in Matomo.
    static func getSitesWithAtLeastViewAccess(_ ctx: APIContext) -> [UInt8] {
        var w = ctx.writer(capacity: 512 * max(1, ctx.sites.count))
        w.beginArray()
        if ctx.authenticated {
            for site in ctx.sites.sorted(by: { $0.id < $1.id }) { write(site, &w) }
        }
        w.endArray()
        return w.bytes
    }

    static func getSitesIdWithAtLeastViewAccess(_ ctx: APIContext) -> [UInt8] {
        var w = ctx.writer()
        w.beginArray()
        if ctx.authenticated {
            for site in ctx.sites.sorted(by: { $0.id < $1.id }) { w.int(site.id) }
        }
        w.endArray()
        return w.bytes
    }

    static func write(_ site: FakeSite, _ w: inout JSONWriter) {
        let created = Int(site.createdAt.timeIntervalSince1970)
        w.beginObject()
        w.key("idsite"); w.int(site.id)
        w.key("name"); w.string(site.name)
        w.key("main_url"); w.string(site.mainUrl)
        w.key("ts_created"); w.string(Fmt.dateTime(created))
        w.key("ecommerce"); w.int(site.ecommerce ? 1 : 0)
        w.key("sitesearch"); w.int(1)
        w.key("sitesearch_keyword_parameters"); w.string("")
        w.key("sitesearch_category_parameters"); w.string("")
        w.key("timezone"); w.string(site.timezone)
        w.key("currency"); w.string(site.currency)
        w.key("exclude_unknown_urls"); w.int(0)
        w.key("excluded_ips"); w.string("")
        w.key("excluded_parameters"); w.string("")
        w.key("excluded_user_agents"); w.string("")
        w.key("excluded_referrers"); w.string("")
        w.key("group"); w.string("")
        w.key("type"); w.string("website")
        w.key("keep_url_fragment"); w.int(0)
        w.key("creator_login"); w.string("anonymous")
        w.key("timezone_name"); w.string(Lookups.timezoneName(site.timezone))
        w.key("currency_name"); w.string(Lookups.currencyNames[site.currency] ?? site.currency)
        w.endObject()
    }
}

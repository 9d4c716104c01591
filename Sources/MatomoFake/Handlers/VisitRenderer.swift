/// Renders one visit exactly like a Matomo 5 Live.getLastVisitsDetails row: same 84 keys in the same
/// order and types (see Live.getLastVisitsDetails.range_last30_limit5_asc.json), then `extraFields`.
struct VisitRenderer {
    let site: FakeSite
    let zone: SiteZone
    let currencySymbol: String?

    init(site: FakeSite, zone: SiteZone) {
        self.site = site
        self.zone = zone
        self.currencySymbol = Lookups.currencySymbols[site.currency]
    }

    func render(_ stored: StoredVisit, fetchActions: Bool, into w: inout JSONWriter) {
        let v = stored.visit
        let counters = VisitCounters(v)
        let country = Lookups.country(v.countryCode)
        let device = Lookups.device(type: v.deviceType, os: v.operatingSystemName, browser: v.browserName)
        let hash = mix64(UInt64(truncatingIfNeeded: v.idVisit) ^ 0xA5A5_0000)
        let first = v.firstActionTimestamp, last = v.lastActionTimestamp
        let localLast = last + zone.offset(at: last)
        let localFirst = first + zone.offset(at: first)
        let duration = v.visitDuration

        w.beginObject()
        w.key("idSite"); w.int(site.id)
        w.key("idVisit"); w.int(v.idVisit)
        w.key("visitIp"); w.string("\(country.ipPrefix).\(hash % 254 + 1).\(hash >> 8 % 254 + 1)")
        w.key("visitorId"); w.string(v.visitorId)
        w.key("fingerprint"); w.string(hex16(mix64(hash ^ 0x1234_5678_9ABC)))
        w.key("actionDetails")
        if fetchActions { renderActions(stored, into: &w) } else { w.emptyArray() }
        w.key("goalConversions"); w.int(counters.goals)
        w.key("siteCurrency"); w.string(site.currency)
        w.key("siteCurrencySymbol"); w.stringOrNull(currencySymbol)
        // Matomo formats serverDate, visitServerHour and lastActionDateTime in UTC (PHP's default timezone).
        w.key("serverDate"); w.ymd(floorDiv(last, 86_400))
        w.key("visitServerHour"); w.intString(floorMod(last, 86_400) / 3600)
        w.key("lastActionTimestamp"); w.int(last)
        w.key("lastActionDateTime"); w.dateTime(last)
        w.key("siteName"); w.string(site.name)
        w.key("serverTimestamp"); w.int(last)
        w.key("firstActionTimestamp"); w.int(first)
        w.key("serverTimePretty"); w.hms(floorMod(localLast, 86_400))
        w.key("serverDatePretty"); w.longDate(floorDiv(localLast, 86_400))
        w.key("serverDatePrettyFirstAction"); w.longDate(floorDiv(localFirst, 86_400))
        w.key("serverTimePrettyFirstAction"); w.hms(floorMod(localFirst, 86_400))
        w.key("userId"); w.stringOrNull(v.userId)
        let returning = stored.visitCount > 1
        w.key("visitorType"); w.string(returning ? "returning" : "new")
        w.key("visitorTypeIcon"); if returning { w.string("plugins/Live/images/returningVisitor.png") } else { w.null() }
        w.key("visitConverted"); w.int(counters.goals > 0 ? 1 : 0)
        w.key("visitConvertedIcon"); if counters.goals > 0 { w.string("plugins/Morpheus/images/goal.svg") } else { w.null() }
        w.key("visitCount"); w.int(stored.visitCount)
        w.key("visitEcommerceStatus"); w.string("none")
        w.key("visitEcommerceStatusIcon"); w.null()
        w.key("daysSinceFirstVisit"); w.int(stored.secondsSinceFirstVisit / 86_400)
        w.key("secondsSinceFirstVisit"); w.int(stored.secondsSinceFirstVisit)
        w.key("daysSinceLastEcommerceOrder"); w.int(0)
        w.key("secondsSinceLastEcommerceOrder"); w.null()
        w.key("visitDuration"); w.int(duration)
        w.key("visitDurationPretty"); w.string(Fmt.prettyDuration(duration))
        w.key("searches"); w.int(counters.searches)
        w.key("actions"); w.int(counters.actions)
        w.key("interactions"); w.int(counters.interactions)
        renderReferrer(v, into: &w)
        w.key("languageCode"); w.string(country.languageCode)
        w.key("language"); w.string(country.language)
        w.key("deviceType"); w.string(device.deviceType)
        w.key("deviceTypeIcon"); w.string(device.deviceTypeIcon)
        w.key("deviceBrand"); w.string(device.brand)
        w.key("deviceModel"); w.string(device.model)
        w.key("operatingSystem"); w.string(device.operatingSystem)
        w.key("operatingSystemName"); w.string(device.osName)
        w.key("operatingSystemIcon"); w.string(device.osIcon)
        w.key("operatingSystemCode"); w.string(device.osCode)
        w.key("operatingSystemVersion"); w.string(device.osVersion)
        w.key("browserFamily"); w.string(device.browserFamily)
        w.key("browserFamilyDescription"); w.string(device.browserFamilyDescription)
        w.key("browser"); w.string(device.browser)
        w.key("browserName"); w.string(device.browserName)
        w.key("browserIcon"); w.string(device.browserIcon)
        w.key("browserCode"); w.string(device.browserCode)
        w.key("browserVersion"); w.string(device.browserVersion)
        if site.ecommerce {
            for key: StaticString in ["totalEcommerceRevenue", "totalEcommerceConversions", "totalEcommerceItems",
                                      "totalAbandonedCartsRevenue", "totalAbandonedCarts", "totalAbandonedCartsItems"] {
                w.key(key); w.int(0)
            }
        }
        w.key("events"); w.int(counters.events)
        w.key("continent"); w.string(country.continent)
        w.key("continentCode"); w.string(country.continentCode)
        w.key("country"); w.string(v.countryName)
        w.key("countryCode"); w.string(v.countryCode)
        w.key("countryFlag"); w.string(v.countryCode == country.code ? country.flag : "plugins/Morpheus/icons/dist/flags/\(v.countryCode).png")
        w.key("region"); w.null()
        w.key("regionCode"); w.null()
        w.key("city"); w.null()
        w.key("location"); w.string(v.countryName)
        w.key("latitude"); w.null()
        w.key("longitude"); w.null()
        // The visitor's clock: the sampled tracker sent UTC, so use the first action's UTC time.
        let visitorSeconds = floorMod(first, 86_400)
        w.key("visitLocalTime"); w.hms(visitorSeconds)
        w.key("visitLocalHour"); w.intString(visitorSeconds / 3600)
        w.key("daysSinceLastVisit"); w.int(stored.secondsSinceLastVisit / 86_400)
        w.key("secondsSinceLastVisit"); w.int(stored.secondsSinceLastVisit)
        w.key("resolution"); w.string(device.resolutions[Int(hash >> 16 % UInt64(device.resolutions.count))])
        w.key("plugins"); w.string("")
        w.key("pluginsIcons"); w.null()
        for (k, value) in v.extraFields {
            w.key(k); w.string(value)
        }
        w.endObject()
    }

    private func renderReferrer(_ v: FakeVisit, into w: inout JSONWriter) {
        let type = v.referrerType
        w.key("referrerType"); w.string(type)
        w.key("referrerTypeName"); w.string(Lookups.referrerTypeNames[type] ?? "")
        w.key("referrerName"); w.string(v.referrerName)
        w.key("referrerKeyword")
        w.string(type == "search" && v.referrerKeyword.isEmpty ? "Keyword not defined" : v.referrerKeyword)
        w.key("referrerKeywordPosition"); w.null()
        w.key("referrerUrl"); w.stringOrNull(v.referrerUrl.isEmpty ? nil : v.referrerUrl)
        if type == "search" && !v.referrerName.isEmpty {
            let url = Lookups.searchEngineURL(v.referrerName)
            let host = url.hasPrefix("http://") ? String(url.dropFirst(7)) : url
            w.key("referrerSearchEngineUrl"); w.string(url)
            w.key("referrerSearchEngineIcon"); w.string("plugins/Morpheus/icons/dist/searchEngines/\(host).png")
        } else {
            w.key("referrerSearchEngineUrl"); w.null()
            w.key("referrerSearchEngineIcon"); w.null()
        }
        if type == "social" && !v.referrerName.isEmpty {
            let url = Lookups.socialURL(v.referrerName, referrerUrl: v.referrerUrl)
            w.key("referrerSocialNetworkUrl"); w.string(url)
            w.key("referrerSocialNetworkIcon"); w.string("plugins/Morpheus/icons/dist/socials/\(url).png")
        } else {
            w.key("referrerSocialNetworkUrl"); w.null()
            w.key("referrerSocialNetworkIcon"); w.null()
        }
    }

    /// actionDetails: each type with its own keys, in Matomo's order; `timestamp` is the action's UTC
    /// time shifted by the site's UTC offset (Matomo's Date::factory(serverTime, siteTimezone) quirk).
    private func renderActions(_ stored: StoredVisit, into w: inout JSONWriter) {
        let v = stored.visit
        var position = 0
        var lastPageviewId: Int?
        w.beginArray()
        for (i, a) in v.actions.enumerated() {
            let local = a.timestamp + zone.offset(at: a.timestamp)
            let pageId = stored.firstPageId + i
            let pageIdAction = i < stored.pageIdActions.count ? stored.pageIdActions[i] : i + 1
            w.beginObject()
            switch a.type {
            case "action":
                position += 1
                lastPageviewId = pageId
                w.key("type"); w.string("action")
                w.key("url"); w.string(a.url)
                w.key("pageTitle"); w.string(a.title)
                w.key("pageIdAction"); w.int(pageIdAction)
                w.key("idpageview"); w.string(idPageview(v.idVisit, i))
                w.key("serverTimePretty"); w.shortDateTime(local)
                w.key("pageId"); w.int(pageId)
                w.key("timeSpent"); w.int(a.timeSpent)
                w.key("timeSpentPretty"); w.string(Fmt.prettyDuration(a.timeSpent))
                w.key("pageviewPosition"); w.int(position)
                w.key("title"); w.string(a.title)
                w.key("subtitle"); w.string(a.url)
                w.key("icon"); w.string("")
                w.key("iconSVG"); w.string("plugins/Morpheus/images/action.svg")
                w.key("timestamp"); w.int(local)
            case "search":
                position += 1
                w.key("type"); w.string("search")
                w.key("url"); w.null()
                w.key("pageIdAction"); w.null()
                w.key("idpageview"); w.string("")
                w.key("serverTimePretty"); w.shortDateTime(local)
                w.key("pageId"); w.int(pageId)
                w.key("siteSearchKeyword"); w.string(a.title)
                w.key("siteSearchCategory"); w.stringOrNull(a.searchCategory)
                w.key("siteSearchCount"); if let c = a.searchCount { w.int(c) } else { w.null() }
                w.key("pageviewPosition"); w.int(position)
                w.key("icon"); w.string("plugins/Morpheus/images/search.png")
                w.key("iconSVG"); w.string("plugins/Morpheus/images/search.svg")
                w.key("title"); w.string("Site Search")
                var subtitle = a.title
                if let c = a.searchCategory, !c.isEmpty { subtitle += " - Search Category: \(c)" }
                if let n = a.searchCount, n > 0 { subtitle += " - Search Results Count: \(n)" }
                w.key("subtitle"); w.string(subtitle)
                w.key("timestamp"); w.int(local)
            case "event":
                let category = a.eventCategory ?? "Event", action = a.eventAction ?? "Action"
                w.key("type"); w.string("event")
                w.key("url"); w.string(a.url)
                w.key("pageIdAction"); w.int(pageIdAction)
                w.key("idpageview"); w.string("")
                w.key("serverTimePretty"); w.shortDateTime(local)
                w.key("pageId"); w.int(pageId)
                w.key("eventCategory"); w.string(category)
                w.key("eventAction"); w.string(action)
                w.key("pageviewPosition"); w.int(position)
                w.key("timestamp"); w.int(local)
                w.key("icon"); w.string("plugins/Morpheus/images/event.png")
                w.key("iconSVG"); w.string("plugins/Morpheus/images/event.svg")
                w.key("title"); w.string("Event")
                // Mismatched quote copied from the real answer.
                w.key("subtitle"); w.string("Category: \"\(category)', Action: \"\(action)\"")
                if !a.title.isEmpty { w.key("eventName"); w.string(a.title) }
                if let value = a.eventValue { w.key("eventValue"); w.double(value) }
            case "goal":
                w.key("type"); w.string("goal")
                w.key("goalName"); w.string(a.title)
                w.key("goalId"); w.int(a.goalId)
                w.key("idpageview"); w.string("")
                w.key("revenue"); w.double(a.revenue ?? 0)
                w.key("goalPageId"); if let id = lastPageviewId { w.int(id) } else { w.null() }
                w.key("serverTimePretty"); w.shortDateTime(local)
                w.key("url"); w.string(a.url)
                w.key("referrerType"); w.string(v.referrerType)
                w.key("referrerName"); w.string(v.referrerName)
                w.key("referrerKeyword"); w.stringOrNull(v.referrerKeyword.isEmpty ? nil : v.referrerKeyword)
                w.key("icon"); w.string("plugins/Morpheus/images/goal.png")
                w.key("iconSVG"); w.string("plugins/Morpheus/images/goal.svg")
                w.key("title"); w.string("Goal conversion")
                var subtitle = a.title
                if let r = a.revenue, r > 0 { subtitle += " (\(money(r)) revenue)" }
                w.key("subtitle"); w.string(subtitle)
                w.key("timestamp"); w.int(local)
            default:
                // "download", "outlink" (and anything unknown, rendered the same way).
                let isOutlink = a.type == "outlink"
                w.key("type"); w.string(a.type)
                w.key("url"); w.string(a.url)
                w.key("pageTitle"); w.null()
                w.key("pageIdAction"); w.int(pageIdAction)
                w.key("idpageview"); w.string("")
                w.key("serverTimePretty"); w.shortDateTime(local)
                w.key("pageId"); w.int(pageId)
                w.key("pageviewPosition"); w.int(position)
                w.key("icon"); w.string(isOutlink ? "plugins/Morpheus/images/link.png" : "plugins/Morpheus/images/download.png")
                w.key("iconSVG"); w.string(isOutlink ? "plugins/Morpheus/images/link.svg" : "plugins/Morpheus/images/download.svg")
                w.key("title"); w.string(isOutlink ? "Outlink" : "Download")
                w.key("subtitle"); w.string(a.url)
                w.key("timestamp"); w.int(local)
            }
            w.endObject()
        }
        w.endArray()
    }

    private func idPageview(_ idVisit: Int, _ index: Int) -> String {
        String(hex16(mix64(UInt64(truncatingIfNeeded: idVisit) << 8 ^ UInt64(index))).suffix(6))
    }

    /// "€5", "€5.50": Matomo's English money format.
    private func money(_ value: Double) -> String {
        let symbol = currencySymbol ?? site.currency
        if value == value.rounded() { return "\(symbol)\(Int(value))" }
        let cents = Int((value * 100).rounded())
        return "\(symbol)\(cents / 100).\(cents % 100 < 10 ? "0" : "")\(cents % 100)"
    }
}

/// SplitMix64's finalizer: a cheap, well-spread hash for deterministic fake details.
@inline(__always) func mix64(_ x: UInt64) -> UInt64 {
    var z = x &+ 0x9E37_79B9_7F4A_7C15
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
}

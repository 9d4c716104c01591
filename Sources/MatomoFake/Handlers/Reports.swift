/// VisitsSummary.get, Actions.get, Referrers.getAll and UserCountry.getCountry, aggregated from the
/// stored visits (bucketed by the site-local day of their last action) so reports agree with the log.
enum ReportsHandler {
    enum Kind { case visitsSummary, actions, referrers, countries }

    static func report(_ kind: Kind, _ params: RequestParams, _ ctx: APIContext) throws(MatomoError) -> [UInt8] {
        let rawSite = try params.require("idSite")
        let period = try params.require("period")
        let date = try params.require("date")
        guard ctx.authenticated else { throw .noViewAccess(site: rawSite) }
        let (sites, multiSite) = try ctx.sitesParameter(rawSite)
        var selections: [PeriodSelection] = []
        for site in sites {
            selections.append(try PeriodSelection.parse(period: period, date: date, today: ctx.today(site)))
        }
        if kind == .referrers && (multiSite || selections.contains { $0.keyed }) { throw .referrersGetAllMultiple }

        let options = Options(
            formatMetrics: !["0", "false"].contains(params["format_metrics"]?.lowercased() ?? ""),
            offset: max(0, Int(params["filter_offset"] ?? "") ?? 0),
            limit: Int(params["filter_limit"] ?? "") ?? 100,
            columns: ShowColumns(params["showColumns"]))
        var w = ctx.writer(capacity: 4096)
        if multiSite {
            w.beginObject()
            for (site, selection) in zip(sites, selections) {
                w.key("\(site.id)")
                render(kind, selection, site: site, ctx: ctx, wrapped: true, options: options, into: &w)
            }
            w.endObject()
        } else {
            render(kind, selections[0], site: sites[0], ctx: ctx, wrapped: false, options: options, into: &w)
        }
        return w.bytes
    }

    struct Options {
        var formatMetrics: Bool
        var offset: Int
        var limit: Int
        var columns: ShowColumns?
    }

    /// One period, or an object keyed by period; inside such an object (or a multi-site one) an
    /// empty period is `[]`, alone it is zeros (VisitsSummary, Actions) or `[]` (row reports).
    private static func render(_ kind: Kind, _ selection: PeriodSelection, site: FakeSite, ctx: APIContext,
                               wrapped: Bool, options: Options, into w: inout JSONWriter) {
        let zone = ctx.zone(site)
        let snapshot = ctx.archived(site)
        func visits(_ b: Bucket) -> ArraySlice<StoredVisit> {
            snapshot.range(from: zone.startOfDay(b.first), to: zone.startOfDay(b.last + 1))
        }
        if selection.keyed {
            w.beginObject()
            for bucket in selection.buckets {
                w.key(bucket.key)
                renderBucket(kind, visits(bucket), period: selection.kind, zone: zone, wrapped: true, options: options, into: &w)
            }
            w.endObject()
        } else {
            renderBucket(kind, visits(selection.buckets[0]), period: selection.kind, zone: zone, wrapped: wrapped,
                         options: options, into: &w)
        }
    }

    private static func renderBucket(_ kind: Kind, _ visits: ArraySlice<StoredVisit>, period: PeriodKind, zone: SiteZone,
                                     wrapped: Bool, options: Options, into w: inout JSONWriter) {
        if visits.isEmpty && (wrapped || kind == .referrers || kind == .countries) {
            w.emptyArray()
            return
        }
        switch kind {
        case .visitsSummary: visitsSummary(visits, period: period, options: options, wrapped: wrapped, into: &w)
        case .actions: actionsSummary(visits, options: options, wrapped: wrapped, into: &w)
        case .referrers, .countries: rows(kind, visits, period: period, zone: zone, options: options, into: &w)
        }
    }

    // MARK: VisitsSummary.get

    private static func visitsSummary(_ visits: ArraySlice<StoredVisit>, period: PeriodKind, options: Options,
                                      wrapped: Bool, into w: inout JSONWriter) {
        var nbVisits = 0, actions = 0, converted = 0, bounces = 0, length = 0, maxActions = 0
        var visitors = Set<String>(), users = Set<String>()
        for s in visits {
            let c = VisitCounters(s.visit)
            nbVisits += 1
            actions += c.actions
            if c.goals > 0 { converted += 1 }
            if c.actions <= 1 { bounces += 1 }
            length += s.visit.visitDuration
            maxActions = max(maxActions, c.actions)
            visitors.insert(s.visit.visitorId)
            if let u = s.visit.userId { users.insert(u) }
        }
        var m: [(String, Metric)] = []
        // Matomo has no unique visitors for ranges.
        if period != .range {
            m.append(("nb_uniq_visitors", .int(visitors.count)))
            m.append(("nb_users", .int(users.count)))
        }
        m.append(("nb_visits", .int(nbVisits)))
        m.append(("nb_actions", .int(actions)))
        m.append(("nb_visits_converted", .int(converted)))
        m.append(("bounce_count", .int(bounces)))
        m.append(("sum_visit_length", .int(length)))
        m.append(("max_actions", .int(maxActions)))
        m.append(("bounce_rate", rate(bounces, nbVisits, options: options)))
        m.append(("nb_actions_per_visit", .double(nbVisits == 0 ? 0 : roundTo(Double(actions) / Double(nbVisits), 1))))
        m.append(("avg_time_on_site", .int(nbVisits == 0 ? 0 : Int((Double(length) / Double(nbVisits)).rounded()))))
        metrics(m, options: options, wrapped: wrapped, into: &w)
    }

    /// "21%" (Matomo's default format_metrics=bc), or 0.21 with format_metrics=0.
    private static func rate(_ part: Int, _ whole: Int, options: Options) -> Metric {
        let quotient = whole == 0 ? 0 : roundTo(Double(part) / Double(whole), 2)
        return options.formatMetrics ? .string("\(Int((quotient * 100).rounded()))%") : .double(quotient)
    }

    /// One value of a metrics object.
    enum Metric {
        case int(Int)
        case double(Double)
        case string(String)

        func write(into w: inout JSONWriter) {
            switch self {
            case .int(let v): w.int(v)
            case .double(let v): w.double(v)
            case .string(let v): w.string(v)
            }
        }
    }

    /// A metrics object as Matomo renders it after `showColumns`: the object, in the report's own
    /// column order; with one column left, that bare value (inside a date- or site-keyed answer)
    /// or `{"value":v}` (alone); with none left, `[]`.
    private static func metrics(_ all: [(String, Metric)], options: Options, wrapped: Bool, into w: inout JSONWriter) {
        let kept = options.columns.map { columns in all.filter { columns.keeps($0.0) } } ?? all
        if kept.isEmpty {
            w.emptyArray()
        } else if kept.count == 1 && options.columns != nil {
            if wrapped {
                kept[0].1.write(into: &w)
            } else {
                w.beginObject(); w.key("value"); kept[0].1.write(into: &w); w.endObject()
            }
        } else {
            w.beginObject()
            for (key, value) in kept {
                w.key(key); value.write(into: &w)
            }
            w.endObject()
        }
    }

    private static func roundTo(_ v: Double, _ digits: Int) -> Double {
        var p = 1.0
        for _ in 0..<digits { p *= 10 }
        return (v * p).rounded() / p
    }

    // MARK: Actions.get

    private static func actionsSummary(_ visits: ArraySlice<StoredVisit>, options: Options, wrapped: Bool, into w: inout JSONWriter) {
        var pageviews = 0, uniqPageviews = 0, downloads = 0, uniqDownloads = 0, outlinks = 0, uniqOutlinks = 0, searches = 0
        var keywords = Set<String>()
        for s in visits {
            // "Unique" counts are per visit: a URL seen twice in one visit counts once.
            var pages = Set<String>(), files = Set<String>(), links = Set<String>()
            for a in s.visit.actions {
                switch a.type {
                case "action": pageviews += 1; pages.insert(a.url)
                case "download": downloads += 1; files.insert(a.url)
                case "outlink": outlinks += 1; links.insert(a.url)
                case "search": searches += 1; keywords.insert(a.title)
                default: break
                }
            }
            uniqPageviews += pages.count
            uniqDownloads += files.count
            uniqOutlinks += links.count
        }
        metrics([
            ("nb_pageviews", .int(pageviews)), ("nb_uniq_pageviews", .int(uniqPageviews)),
            ("nb_downloads", .int(downloads)), ("nb_uniq_downloads", .int(uniqDownloads)),
            ("nb_outlinks", .int(outlinks)), ("nb_uniq_outlinks", .int(uniqOutlinks)),
            ("nb_searches", .int(searches)), ("nb_keywords", .int(keywords.count)),
        ], options: options, wrapped: wrapped, into: &w)
    }

    // MARK: Row reports (Referrers.getAll, UserCountry.getCountry)

    private struct Row {
        var label: String
        var referrerType = 0
        var code = ""
        var segment = ""
        /// A social network's domain: Matomo adds `url` and `logo` to those rows.
        var socialURL: String?
        var visits = 0, actions = 0, maxActions = 0, length = 0, bounces = 0, converted = 0
        var conversions = 0
        var revenue = 0.0
        var goals: [Int: (conversions: Int, visits: Int, revenue: Double)] = [:]
        var visitors = Set<String>(), users = Set<String>()
        /// "day|visitorId": Matomo's sum_daily_* metrics add up each day's distinct count.
        var dailyVisitors = Set<String>(), dailyUsers = Set<String>()

        init(label: String) { self.label = label }
    }

    private static func rowKey(_ kind: Kind, _ v: FakeVisit) -> (key: String, make: () -> Row)? {
        if kind == .countries {
            let code = v.countryCode
            return (code, {
                var r = Row(label: v.countryName)
                r.code = code
                r.segment = "countryCode==\(phpURLEncode(code))"
                return r
            })
        }
        // Direct entries have no subtable in getReferrerType, so getAll's mergeSubtables drops them.
        guard let typeID = Lookups.referrerTypeIDs[v.referrerType], v.referrerType != "direct" else { return nil }
        let label: String, segment: String
        switch v.referrerType {
        case "search":
            label = v.referrerKeyword.isEmpty ? "Keyword not defined" : v.referrerKeyword
            segment = "referrerType==search;referrerKeyword==\(phpURLEncode(v.referrerKeyword))"
        case "website":
            label = v.referrerName
            segment = "referrerName==\(phpURLEncode(v.referrerName))"
        default:
            label = v.referrerName
            segment = "referrerType==\(v.referrerType);referrerName==\(phpURLEncode(v.referrerName))"
        }
        return ("\(typeID)|\(label)", {
            var r = Row(label: label)
            r.referrerType = typeID
            r.segment = segment
            if v.referrerType == "social" { r.socialURL = Lookups.socialURL(v.referrerName, referrerUrl: v.referrerUrl) }
            return r
        })
    }

    private static func rows(_ kind: Kind, _ visits: ArraySlice<StoredVisit>, period: PeriodKind, zone: SiteZone,
                             options: Options, into w: inout JSONWriter) {
        var table: [String: Row] = [:]
        for s in visits {
            let v = s.visit
            guard let (key, make) = rowKey(kind, v) else { continue }
            let c = VisitCounters(v)
            var row = table[key] ?? make()
            row.visits += 1
            row.actions += c.actions
            row.maxActions = max(row.maxActions, c.actions)
            row.length += v.visitDuration
            if c.actions <= 1 { row.bounces += 1 }
            if c.goals > 0 { row.converted += 1 }
            let day = zone.localDay(of: v.lastActionTimestamp)
            row.visitors.insert(v.visitorId)
            row.dailyVisitors.insert("\(day)|\(v.visitorId)")
            if let u = v.userId {
                row.users.insert(u)
                row.dailyUsers.insert("\(day)|\(u)")
            }
            var goalsInVisit = Set<Int>()
            for a in v.actions where a.type == "goal" {
                row.conversions += 1
                row.revenue += a.revenue ?? 0
                var g = row.goals[a.goalId] ?? (0, 0, 0)
                g.conversions += 1
                g.revenue += a.revenue ?? 0
                if goalsInVisit.insert(a.goalId).inserted { g.visits += 1 }
                row.goals[a.goalId] = g
            }
            table[key] = row
        }
        // Matomo sorts by nb_visits desc, then by label.
        var sorted = table.values.sorted {
            if $0.visits != $1.visits { return $0.visits > $1.visits }
            let a = $0.label.lowercased(), b = $1.label.lowercased()
            return a != b ? a < b : $0.label < $1.label
        }
        let start = min(options.offset, sorted.count)
        sorted = Array(sorted[start...])
        if options.limit >= 0 && options.limit < sorted.count { sorted = Array(sorted.prefix(options.limit)) }

        func keep(_ column: String) -> Bool { options.columns?.keeps(column) ?? true }
        w.beginArray()
        for row in sorted {
            w.beginObject()
            w.key("label"); w.string(row.label)
            if period == .day {
                // Day archives come straight from SQL: SUM() columns arrive as strings for getCountry.
                let sums = kind == .countries
                if keep("nb_uniq_visitors") { w.key("nb_uniq_visitors"); w.int(row.visitors.count) }
                if keep("nb_visits") { w.key("nb_visits"); w.int(row.visits) }
                if keep("nb_actions") { w.key("nb_actions"); sums ? w.intString(row.actions) : w.int(row.actions) }
                if keep("nb_users") { w.key("nb_users"); w.int(row.users.count) }
                if keep("max_actions") { w.key("max_actions"); w.int(row.maxActions) }
                if keep("sum_visit_length") { w.key("sum_visit_length"); sums ? w.intString(row.length) : w.int(row.length) }
                if keep("bounce_count") { w.key("bounce_count"); sums ? w.intString(row.bounces) : w.int(row.bounces) }
                if keep("nb_visits_converted") { w.key("nb_visits_converted"); sums ? w.intString(row.converted) : w.int(row.converted) }
                goals(row, keep: keep, into: &w)
            } else {
                if keep("nb_visits") { w.key("nb_visits"); w.int(row.visits) }
                if keep("nb_actions") { w.key("nb_actions"); w.int(row.actions) }
                if keep("max_actions") { w.key("max_actions"); w.int(row.maxActions) }
                if keep("sum_visit_length") { w.key("sum_visit_length"); w.int(row.length) }
                if keep("bounce_count") { w.key("bounce_count"); w.int(row.bounces) }
                if keep("nb_visits_converted") { w.key("nb_visits_converted"); w.int(row.converted) }
                if keep("sum_daily_nb_uniq_visitors") { w.key("sum_daily_nb_uniq_visitors"); w.int(row.dailyVisitors.count) }
                if keep("sum_daily_nb_users") { w.key("sum_daily_nb_users"); w.int(row.dailyUsers.count) }
                goals(row, keep: keep, into: &w)
            }
            if kind == .countries {
                w.key("code"); w.string(row.code)
                w.key("logo"); w.string("plugins/Morpheus/icons/dist/flags/\(row.code).png")
                w.key("segment"); w.string(row.segment)
                w.key("logoHeight"); w.int(16)
            } else {
                if let url = row.socialURL {
                    w.key("url"); w.string(url)
                    w.key("logo"); w.string("plugins/Morpheus/icons/dist/socials/\(url).png")
                }
                w.key("segment"); w.string(row.segment)
                w.key("referer_type"); w.int(row.referrerType)
            }
            w.endObject()
        }
        w.endArray()
    }

    /// `"goals":{"idgoal=1":{...}},"nb_conversions":1,"revenue":5`, only for rows that converted.
    private static func goals(_ row: Row, keep: (String) -> Bool, into w: inout JSONWriter) {
        guard row.conversions > 0 else { return }
        if keep("goals") {
            w.key("goals")
            w.beginObject()
            for id in row.goals.keys.sorted() {
                let g = row.goals[id]!
                w.key("idgoal=\(id)")
                w.beginObject()
                w.key("nb_conversions"); w.int(g.conversions)
                w.key("nb_visits_converted"); w.int(g.visits)
                w.key("revenue"); w.double(g.revenue)
                w.endObject()
            }
            w.endObject()
        }
        if keep("nb_conversions") { w.key("nb_conversions"); w.int(row.conversions) }
        if keep("revenue") { w.key("revenue"); w.double(row.revenue) }
    }
}

/// `showColumns=a,b`: the columns a report keeps (rows keep their label and metadata too).
struct ShowColumns: Equatable {
    var names: Set<String>

    init?(_ raw: String?) {
        guard let raw, !raw.isEmpty else { return nil }
        names = Set(raw.split(separator: ",").map { String($0).trimmingCharactersInWhitespace() })
    }

    func keeps(_ column: String) -> Bool { names.contains(column) }
}

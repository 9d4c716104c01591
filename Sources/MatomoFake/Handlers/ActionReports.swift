/// Actions.getPageUrls (flat, or Matomo's folder view) and Events.getCategory / getAction / getName, aggregated from the stored
/// visits' actions, so the reports agree with the visit log's `actionDetails`.
enum ActionReportsHandler {
    // MARK: Actions.getPageUrls

    private struct PageRow {
        var label: String
        var url: String
        var hits = 0, timeSpent = 0, hitsAfterSearch = 0
        var visits = Set<Int>(), visitors = Set<String>()
        var entryVisits = 0, entryActions = 0, entryLength = 0, entryBounces = 0, entryVisitors = Set<String>()
        var exitVisits = 0, exitVisitors = Set<String>()
        /// A folder of the hierarchical view (`flat` not 1): its pages' sums, a subtable id, no URL.
        var folder: (id: Int, nbVisits: Int, prefix: String)? = nil
        var nbVisits: Int { folder?.nbVisits ?? visits.count }

        /// A folder row summing its pages as Matomo does: counts added up, unique visitors dropped.
        /// The order a folder's optional counts first appear in its pages (Matomo's row takes its
        /// keys from its pages in turn): a page lists its entry counts before its exit counts.
        var groups: [String] = []

        mutating func absorb(_ page: PageRow) {
            for (group, present) in [("entry", page.entryVisits > 0), ("exit", page.exitVisits > 0)] where present && !groups.contains(group) {
                groups.append(group)
            }
            hits += page.hits; timeSpent += page.timeSpent; hitsAfterSearch += page.hitsAfterSearch
            entryVisits += page.entryVisits; entryActions += page.entryActions; entryLength += page.entryLength
            entryBounces += page.entryBounces; exitVisits += page.exitVisits
            folder?.nbVisits += page.visits.count
        }
    }

    /// The page report: with `flat=1` one row per URL path and query; otherwise Matomo's first level:
    /// pages directly under the root as rows, deeper pages summed into one row per first folder
    /// (labelled without its slash, with `idsubdatatable` and a `pageUrl=^` segment).
    static func pageUrls(_ params: RequestParams, _ ctx: APIContext) throws(MatomoError) -> [UInt8] {
        try ReportFrame.render(params, ctx, rowLimit: ctx.configuration.reportRowLimit, emptyAlone: { w, _ in w.emptyArray() }) { visits, period, _, frame, w in
            var table: [String: PageRow] = [:]
            for s in visits {
                let v = s.visit
                let c = VisitCounters(v)
                let pageviews = v.actions.indices.filter { v.actions[$0].type == "action" }
                for (n, i) in pageviews.enumerated() {
                    let a = v.actions[i]
                    let label = path(of: a.url)
                    var row = table[label] ?? PageRow(label: label, url: a.url)
                    row.hits += 1
                    row.timeSpent += a.timeSpent
                    if i > 0, v.actions[i - 1].type == "search" { row.hitsAfterSearch += 1 }
                    row.visits.insert(v.idVisit)
                    row.visitors.insert(v.visitorId)
                    if n == 0 {
                        row.entryVisits += 1
                        row.entryActions += c.actions
                        row.entryLength += v.visitDuration
                        if c.actions <= 1 { row.entryBounces += 1 }
                        row.entryVisitors.insert(v.visitorId)
                    }
                    if n == pageviews.count - 1 {
                        row.exitVisits += 1
                        row.exitVisitors.insert(v.visitorId)
                    }
                    table[label] = row
                }
            }
            var top = table
            if params["flat"] != "1" {
                top = [:]
                var folderIds: [String: Int] = [:]
                for page in table.values.sorted(by: { $0.label < $1.label }) {
                    let path = page.label.split(separator: "?", maxSplits: 1).first.map(String.init) ?? page.label
                    let parts = path.split(separator: "/", omittingEmptySubsequences: true)
                    guard parts.count > 1 else { top[page.label] = page; continue }
                    let name = String(parts[0])
                    if folderIds[name] == nil { folderIds[name] = folderIds.count + 1 }
                    let root = page.url.range(of: page.label).map { String(page.url[..<$0.lowerBound]) } ?? ""
                    var folder = top["folder:" + name] ?? PageRow(label: name, url: "", folder: (folderIds[name]!, 0, root + "/" + name))
                    folder.absorb(page)
                    top["folder:" + name] = folder
                }
            }
            let sorted = top.values.sorted {
                $0.nbVisits != $1.nbVisits ? $0.nbVisits > $1.nbVisits : $0.label < $1.label
            }
            let rows = frame.page(sorted) { rest in
                var o = PageRow(label: "Others", url: "")
                for r in rest {
                    o.hits += r.hits; o.timeSpent += r.timeSpent; o.hitsAfterSearch += r.hitsAfterSearch
                    o.visits.formUnion(r.visits); o.visitors.formUnion(r.visitors)
                    o.entryVisits += r.entryVisits; o.entryActions += r.entryActions; o.entryLength += r.entryLength
                    o.entryBounces += r.entryBounces; o.entryVisitors.formUnion(r.entryVisitors)
                    o.exitVisits += r.exitVisits; o.exitVisitors.formUnion(r.exitVisitors)
                }
                return o
            }
            w.beginArray()
            for r in rows {
                if let folder = r.folder {
                    folderRow(r, folder, frame, into: &w)
                    continue
                }
                w.beginObject()
                w.key("label"); w.string(r.label)
                w.key("nb_visits"); w.int(r.visits.count)
                if period != .range { w.key("nb_uniq_visitors"); w.int(r.visitors.count) }
                w.key("nb_hits"); w.int(r.hits)
                w.key("sum_time_spent"); w.int(r.timeSpent)
                // Matomo leaves zero counts of these out, and sends the sums of SQL as strings.
                if r.hitsAfterSearch > 0 { w.key("nb_hits_following_search"); w.intString(r.hitsAfterSearch) }
                if r.entryVisits > 0 {
                    if period != .range { w.key("entry_nb_uniq_visitors"); w.int(r.entryVisitors.count) }
                    w.key("entry_nb_visits"); w.intString(r.entryVisits)
                    w.key("entry_nb_actions"); w.intString(r.entryActions)
                    w.key("entry_sum_visit_length"); w.intString(r.entryLength)
                    w.key("entry_bounce_count"); w.intString(r.entryBounces)
                }
                if r.exitVisits > 0 {
                    if period != .range { w.key("exit_nb_uniq_visitors"); w.int(r.exitVisitors.count) }
                    w.key("exit_nb_visits"); w.intString(r.exitVisits)
                }
                w.key("avg_page_load_time"); w.int(0)
                w.key("avg_time_on_page"); w.int(r.hits == 0 ? 0 : Int((Double(r.timeSpent) / Double(r.hits)).rounded()))
                w.key("bounce_rate"); frame.rate(r.entryBounces, r.entryVisits, into: &w)
                w.key("exit_rate"); frame.rate(r.exitVisits, r.visits.count, into: &w)
                if r.label != "Others" {
                    w.key("url"); w.string(r.url)
                    if params["flat"] == "1" { w.key("Actions_PageUrl"); w.string(r.label) }
                    w.key("segment"); w.string("pageUrl==" + phpURLEncode(phpURLEncode(r.url)))
                }
                w.endObject()
            }
            w.endArray()
        }
    }

    /// A folder of the hierarchical page report, with the keys (and their order) Matomo 5 gives one.
    private static func folderRow(_ r: PageRow, _ folder: (id: Int, nbVisits: Int, prefix: String), _ frame: ReportFrame, into w: inout JSONWriter) {
        w.beginObject()
        w.key("label"); w.string(r.label)
        w.key("nb_visits"); w.int(folder.nbVisits)
        w.key("nb_hits"); w.int(r.hits)
        w.key("sum_time_spent"); w.int(r.timeSpent)
        if r.hitsAfterSearch > 0 { w.key("nb_hits_following_search"); w.int(r.hitsAfterSearch) }
        for group in r.groups {
            if group == "exit" {
                w.key("exit_nb_visits"); w.int(r.exitVisits)
            } else {
                w.key("entry_nb_visits"); w.int(r.entryVisits)
                w.key("entry_nb_actions"); w.int(r.entryActions)
                w.key("entry_sum_visit_length"); w.int(r.entryLength)
                w.key("entry_bounce_count"); w.int(r.entryBounces)
            }
        }
        w.key("avg_page_load_time"); w.int(0)
        w.key("avg_time_on_page"); w.int(r.hits == 0 ? 0 : Int((Double(r.timeSpent) / Double(r.hits)).rounded()))
        w.key("bounce_rate"); frame.rate(r.entryBounces, r.entryVisits, into: &w)
        w.key("exit_rate"); frame.rate(r.exitVisits, folder.nbVisits, into: &w)
        w.key("segment"); w.string("pageUrl=^" + phpURLEncode(phpURLEncode(folder.prefix)))
        w.key("idsubdatatable"); w.int(folder.id)
        w.endObject()
    }

    /// `/products/hats?x=1` from `https://shop.example.com/products/hats?x=1`.
    static func path(of url: String) -> String {
        guard let scheme = url.range(of: "://") else { return url }
        let rest = url[scheme.upperBound...]
        guard let slash = rest.firstIndex(where: { $0 == "/" || $0 == "?" }) else { return "/" }
        let p = String(rest[slash...])
        return p.hasPrefix("?") ? "/" + p : p
    }

    // MARK: Events

    enum EventDimension { case category, action, name }

    private struct EventRow {
        var label: String
        var events = 0, withValue = 0
        var sum = 0.0, minValue: Double?, maxValue: Double?
        var visits = Set<Int>(), visitors = Set<String>()
        var subtable = 0
        /// Distinct (category, action, name) of the row's events: Matomo sums a row made of several in
        /// PHP (integers) and passes one made of a single one straight from SQL (strings).
        var parts = Set<String>()
    }

    static func events(_ dimension: EventDimension, _ params: RequestParams, _ ctx: APIContext) throws(MatomoError) -> [UInt8] {
        try ReportFrame.render(params, ctx, rowLimit: ctx.configuration.reportRowLimit, emptyAlone: { w, _ in w.emptyArray() }) { visits, period, _, frame, w in
            var table: [String: EventRow] = [:]
            var order: [String] = []
            for s in visits {
                for a in s.visit.actions where a.type == "event" {
                    let label: String
                    switch dimension {
                    case .category: label = a.eventCategory ?? "Event"
                    case .action: label = a.eventAction ?? "Action"
                    case .name: label = a.title.isEmpty ? "Event name not defined" : a.title
                    }
                    if table[label] == nil { order.append(label) }
                    var row = table[label] ?? EventRow(label: label, subtable: order.count)
                    row.events += 1
                    if let value = a.eventValue {
                        row.withValue += 1
                        row.sum += value
                        row.minValue = Swift.min(row.minValue ?? value, value)
                        row.maxValue = Swift.max(row.maxValue ?? value, value)
                    }
                    row.visits.insert(s.visit.idVisit)
                    row.visitors.insert(s.visit.visitorId)
                    row.parts.insert("\(a.eventCategory ?? "")\u{0}\(a.eventAction ?? "")\u{0}\(a.title)")
                    table[label] = row
                }
            }
            // Matomo sorts events by nb_events, descending.
            let sorted = table.values.sorted { $0.events != $1.events ? $0.events > $1.events : $0.label < $1.label }
            let rows = frame.page(sorted) { rest in
                var o = EventRow(label: "Others")
                for r in rest {
                    o.events += r.events; o.withValue += r.withValue; o.sum += r.sum
                    if let m = r.minValue { o.minValue = Swift.min(o.minValue ?? m, m) }
                    if let m = r.maxValue { o.maxValue = Swift.max(o.maxValue ?? m, m) }
                    o.visits.formUnion(r.visits); o.visitors.formUnion(r.visitors); o.parts.formUnion(r.parts)
                }
                return o
            }
            let segmentKey: String
            switch dimension {
            case .category: segmentKey = "eventCategory"
            case .action: segmentKey = "eventAction"
            case .name: segmentKey = "eventName"
            }
            w.beginArray()
            for r in rows {
                w.beginObject()
                w.key("label"); w.string(r.label)
                if period != .range { w.key("nb_uniq_visitors"); w.int(r.visitors.count) }
                let summed = r.parts.count > 1
                w.key("nb_visits"); summed ? w.int(r.visits.count) : w.intString(r.visits.count)
                w.key("nb_events"); summed ? w.int(r.events) : w.intString(r.events)
                w.key("nb_events_with_value"); summed ? w.int(r.withValue) : w.intString(r.withValue)
                w.key("sum_event_value"); number(r.sum, into: &w)
                w.key("min_event_value"); number(r.minValue ?? 0, into: &w)
                w.key("max_event_value"); number(r.maxValue ?? 0, into: &w)
                w.key("avg_event_value"); number(r.withValue == 0 ? 0 : (r.sum / Double(r.withValue) * 100).rounded() / 100, into: &w)
                if r.label != "Others" {
                    w.key("segment"); w.string("\(segmentKey)==\(phpURLEncode(r.label))")
                    w.key("idsubdatatable"); w.int(r.subtable)
                }
                w.endObject()
            }
            w.endArray()
        }
    }

    /// 95 rather than 95.0, as PHP encodes a whole float.
    static func number(_ v: Double, into w: inout JSONWriter) {
        if v == v.rounded(), abs(v) < 1e15 { w.int(Int(v)) } else { w.double(v) }
    }
}

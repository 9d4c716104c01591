/// The frame every dated report shares: `idSite` (one site, a list or `all`), `period`, `date`, the
/// answer keyed by site and by date when several are asked, and each period rendered by `body`.
/// A period without visits is `[]` inside a keyed answer; alone it is what `emptyAlone` writes.
struct ReportFrame {
    var formatMetrics: Bool
    var offset: Int
    var limit: Int
    /// Rows of a day archive beyond this are summed into an `Others` row, as Matomo truncates archives.
    var rowLimit: Int?

    static func render(_ params: RequestParams, _ ctx: APIContext, rowLimit: Int? = nil,
                       emptyAlone: (inout JSONWriter, ReportFrame) -> Void,
                       body: (ArraySlice<StoredVisit>, PeriodKind, SiteZone, ReportFrame, inout JSONWriter) -> Void) throws(MatomoError) -> [UInt8] {
        let rawSite = try params.require("idSite")
        let period = try params.require("period")
        let date = try params.require("date")
        guard ctx.authenticated else { throw .noViewAccess(site: rawSite) }
        let (sites, multiSite) = try ctx.sitesParameter(rawSite)
        var selections: [PeriodSelection] = []
        for site in sites {
            selections.append(try PeriodSelection.parse(period: period, date: date, today: ctx.today(site)))
        }
        let frame = ReportFrame(
            formatMetrics: !["0", "false"].contains(params["format_metrics"]?.lowercased() ?? ""),
            offset: max(0, Int(params["filter_offset"] ?? "") ?? 0),
            limit: Int(params["filter_limit"] ?? "") ?? 100,
            rowLimit: rowLimit)
        var w = ctx.writer(capacity: 4096)
        func one(_ site: FakeSite, _ selection: PeriodSelection, wrapped: Bool) {
            let zone = ctx.zone(site)
            let snapshot = ctx.archived(site)
            func visits(_ b: Bucket) -> ArraySlice<StoredVisit> {
                snapshot.range(from: zone.startOfDay(b.first), to: zone.startOfDay(b.last + 1))
            }
            func bucket(_ b: Bucket, wrapped: Bool) {
                let v = visits(b)
                if v.isEmpty {
                    if wrapped { w.emptyArray() } else { emptyAlone(&w, frame) }
                } else {
                    body(v, selection.kind, zone, frame, &w)
                }
            }
            if selection.keyed {
                w.beginObject()
                for b in selection.buckets {
                    w.key(b.key)
                    bucket(b, wrapped: true)
                }
                w.endObject()
            } else {
                bucket(selection.buckets[0], wrapped: wrapped)
            }
        }
        if multiSite {
            w.beginObject()
            for (site, selection) in zip(sites, selections) {
                w.key("\(site.id)")
                one(site, selection, wrapped: true)
            }
            w.endObject()
        } else {
            one(sites[0], selections[0], wrapped: false)
        }
        return w.bytes
    }

    /// Applies the archive's truncation (an `Others` row summing the rest), then filter_offset and
    /// filter_limit, to rows sorted as Matomo sorts them.
    func page<Row>(_ rows: [Row], others: ([Row]) -> Row) -> [Row] {
        var out = rows
        if let rowLimit, rowLimit > 0, out.count > rowLimit {
            out = Array(out.prefix(rowLimit - 1)) + [others(Array(out.dropFirst(rowLimit - 1)))]
        }
        let start = min(offset, out.count)
        out = Array(out[start...])
        if limit >= 0 && limit < out.count { out = Array(out.prefix(limit)) }
        return out
    }

    /// A rate: 0.35 with format_metrics=0, "35%" otherwise.
    func rate(_ part: Int, _ whole: Int, digits: Int = 2, into w: inout JSONWriter) {
        var p = 1.0
        for _ in 0..<digits { p *= 10 }
        let q = whole == 0 ? 0 : (Double(part) / Double(whole) * p).rounded() / p
        if formatMetrics {
            let percent = (q * 10_000).rounded() / 100
            w.string(percent == percent.rounded() ? "\(Int(percent))%" : "\(percent)%")
        } else {
            w.double(q)
        }
    }
}

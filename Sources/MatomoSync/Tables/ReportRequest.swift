/// The parameters of every report request, built from the table's declaration alone: the site, the
/// period, raw metrics, the declaration's own parameters, then the dates. The sync, the whole-list
/// fetch and the probe of a declared report all ask here, so they cannot drift apart.
extension TableSpec {
    /// A dated report for `date` (one day, or `first,last`).
    func reportParameters(siteId: Int, date: String) -> [(String, String)] {
        dailyBase(siteId: siteId, parameters: parameters) + [("date", date)]
    }

    /// One sub-request of `API.getBulkRequest` (a method refusing several dates, one day each).
    func bulkParameters(siteId: Int, date: String) -> [(String, String)] {
        [("method", method)] + reportParameters(siteId: siteId, date: date)
    }

    /// A list fetched whole (`Goals.getGoals`): no period, no dates.
    func listParameters(siteId: Int) -> [(String, String)] {
        [("idSite", String(siteId))] + parameters
    }

    /// The probe of a declared report: its parameters with at most `limit` rows.
    func probeParameters(siteId: Int, date: String, limit: Int) -> [(String, String)] {
        dailyBase(siteId: siteId, parameters: parameters.filter { $0.0 != "filter_limit" } + [("filter_limit", String(limit))])
            + [("date", date)]
    }

    private func dailyBase(siteId: Int, parameters: [(String, String)]) -> [(String, String)] {
        [("idSite", String(siteId)), ("period", "day"), ("format_metrics", "0")] + parameters
    }
}

/// A goal definition (Matomo's `goal` table), answered by Goals.getGoals.
public struct FakeGoal: Sendable {
    public var id: Int
    public var name: String
    /// "url", "title", "file", "event_category", "manually", ...
    public var matchAttribute: String
    public var pattern: String?
    public var patternType: String?
    public var revenue: Double
    public var allowMultiple: Bool

    public init(id: Int, name: String, matchAttribute: String = "manually", pattern: String? = nil,
                patternType: String? = nil, revenue: Double = 0, allowMultiple: Bool = false) {
        self.id = id
        self.name = name
        self.matchAttribute = matchAttribute
        self.pattern = pattern
        self.patternType = patternType
        self.revenue = revenue
        self.allowMultiple = allowMultiple
    }

    /// What every fake site has unless the configuration says otherwise.
    public static let defaults: [FakeGoal] = [
        FakeGoal(id: 1, name: "Newsletter signup", matchAttribute: "url", pattern: "/newsletter/thanks", patternType: "contains"),
        FakeGoal(id: 2, name: "Contact form sent", revenue: 2),
    ]
}

/// Goals.get and Goals.getGoals: conversions are the stored visits' `goal` actions.
enum GoalReportsHandler {
    static func getGoals(_ params: RequestParams, _ ctx: APIContext) throws(MatomoError) -> [UInt8] {
        let rawSite = try params.require("idSite")
        guard ctx.authenticated else { throw .noViewAccess(site: rawSite) }
        let site = try ctx.singleSite(rawSite)
        var w = ctx.writer(capacity: 512)
        w.beginArray()
        for g in ctx.configuration.goals[site.id] ?? FakeGoal.defaults {
            w.beginObject()
            w.key("idsite"); w.int(site.id)
            w.key("idgoal"); w.int(g.id)
            w.key("name"); w.string(g.name)
            w.key("description"); w.string("")
            w.key("match_attribute"); w.string(g.matchAttribute)
            // Manually triggered goals have no pattern.
            if let pattern = g.pattern {
                w.key("pattern"); w.string(pattern)
                w.key("pattern_type"); w.string(g.patternType ?? "contains")
                w.key("case_sensitive"); w.int(0)
            }
            w.key("allow_multiple"); w.int(g.allowMultiple ? 1 : 0)
            w.key("revenue"); ActionReportsHandler.number(g.revenue, into: &w)
            w.key("deleted"); w.int(0)
            w.key("event_value_as_revenue"); w.int(0)
            w.endObject()
        }
        w.endArray()
        return w.bytes
    }

    private struct Totals {
        var conversions = 0, converted = 0
        var revenue = 0.0
        var visits = 0
    }

    /// Overall, or for `idGoal=N`; a goal that does not exist answers zeros, as Matomo does.
    static func get(_ params: RequestParams, _ ctx: APIContext) throws(MatomoError) -> [UInt8] {
        let goalFilter = params["idGoal"].flatMap { Int($0) }.flatMap { $0 == 0 ? nil : $0 }
        return try ReportFrame.render(params, ctx, emptyAlone: { w, frame in
            render([.init(), .init(), .init()], frame: frame, allGroups: true, into: &w)
        }) { visits, _, _, frame, w in
            // all, new visits, returning visits
            var t = [Totals(), Totals(), Totals()]
            for s in visits {
                let group = s.visitCount <= 1 ? 1 : 2
                var converted = false
                for a in s.visit.actions where a.type == "goal" && (goalFilter == nil || a.goalId == goalFilter) {
                    converted = true
                    for i in [0, group] {
                        t[i].conversions += 1
                        t[i].revenue += a.revenue ?? 0
                    }
                }
                for i in [0, group] {
                    t[i].visits += 1
                    if converted { t[i].converted += 1 }
                }
            }
            render(t, frame: frame, allGroups: false, into: &w)
        }
    }

    /// A period with visits leaves out the new- or returning-visit metrics when it has no such visits,
    /// as Matomo 5 does; a period without visits (a goal that does not exist) has all of them, zero.
    private static func render(_ t: [Totals], frame: ReportFrame, allGroups: Bool, into w: inout JSONWriter) {
        w.beginObject()
        for (i, suffix) in ["", "_new_visit", "_returning_visit"].enumerated() where allGroups || i == 0 || t[i].visits > 0 {
            w.key("nb_conversions" + suffix); w.int(t[i].conversions)
            w.key("nb_visits_converted" + suffix); w.int(t[i].converted)
            w.key("revenue" + suffix); ActionReportsHandler.number((t[i].revenue * 100).rounded() / 100, into: &w)
            w.key("conversion_rate" + suffix); frame.rate(t[i].converted, t[i].visits, digits: 4, into: &w)
        }
        w.endObject()
    }
}

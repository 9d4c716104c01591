import MatomoAPI

/// Rows of a derived table, made from one answer row of its source table.
enum DerivedRows {
    /// visit_actions: one row per `actionDetails` entry, with the visit's id and the entry's index.
    static func visitActions(_ visit: JSONRow) throws -> (idVisit: Int64, rows: [JSONRow])? {
        guard let id = visit.field("idVisit")?.intValue else { return nil }
        let actions: [(position: Int, action: JSONRow)]
        do {
            actions = try ReportParsing.actions(visit.field("actionDetails"))
        } catch let error as JSONReadError {
            throw MatomoError.invalidJSON(method: "Live.getLastVisitsDetails", detail: "actionDetails of visit \(id): \(error.description)")
        }
        return (id, actions.map { [("idVisit", .int(id)), ("position", .int(Int64($0.position)))] + $0.action })
    }
}

extension SyncEngine {
    /// Collects the derived rows of one stored visit page: the rows and the visit ids they replace.
    struct DerivedPage {
        var rows: [[Cell]] = []
        var ids: [Int64] = []

        mutating func add(_ visit: JSONRow, day: String, siteId: Int, run: inout TableRun) throws {
            guard !run.derived.isEmpty, let (id, actions) = try DerivedRows.visitActions(visit) else { return }
            ids.append(id)
            for a in actions {
                rows.append(run.derived[0].shaper.shape(a, siteId: siteId, date: day, syncedAt: run.syncedAt))
            }
        }

        var writes: [([[Cell]], ReplaceScope)] {
            [(rows, .keys(column: "id_visit", values: ids))]
        }
    }
}

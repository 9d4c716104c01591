import Foundation

/// How `status` (and any other reader of the state table) names a stored table's kind and cursor:
/// from the catalog, so a table added to it is shown the way its kind is walked.
extension TableCatalog {
    /// The declaration a stored table stands for: its name, after any table prefix. Longest name
    /// first, so `shop_goals_summary` is `goals_summary`, not `goals`.
    public func spec(stored table: String) -> TableSpec? {
        specs.sorted { $0.name.rawValue.count > $1.name.rawValue.count }.first { spec in
            let name = spec.name.rawValue
            guard table.hasSuffix(name) else { return false }
            let prefix = table.dropLast(name.count)
            return prefix.isEmpty || SyncOptions.isValidTablePrefix(String(prefix))
        }
    }

    /// The position of a stored table in the catalog's order (unknown tables last).
    public func order(stored table: String) -> Int {
        spec(stored: table).flatMap { spec in specs.firstIndex { $0.name == spec.name } } ?? specs.count
    }

    /// The cursor in words for the table's kind; the raw text for a table the catalog does not know.
    public func cursorText(stored table: String, state: TableState) -> String {
        var text: String
        switch spec(stored: table)?.kind {
        case .visitLog?:
            text = state.cursor.flatMap(VisitCursor.init).map { Timestamps.iso(Date(timeIntervalSince1970: TimeInterval($0.timestamp))) } ?? "-"
        case .dailyMetrics?, .dailyRows?:
            let cursor = ReportCursor(state.cursor)
            text = cursor.day.map { "\($0)" + (cursor.singleDate ? " (one date per request)" : "") } ?? "-"
        case .wholeList?:
            text = "whole list"
        case .derived?:
            text = "with \(spec(stored: table)?.derivedFrom?.rawValue ?? "its source")"
        case nil:
            text = state.cursor ?? "-"
        }
        if state.phase == .fullRefresh { text += " (full refresh in progress)" }
        return text
    }

    /// The catalog's word for a stored table's kind, for `status --format json`.
    public func kindName(stored table: String) -> String? {
        spec(stored: table)?.kind.rawValue
    }
}

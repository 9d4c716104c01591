/// The catalog in words: the `tables` command's rows and JSON, and the README's table reference
/// (a test checks the README holds exactly `markdown`).
extension TableCatalog {
    /// One line per table: name, kind, method with its fixed parameters, one row per, merge key, cursor, sync methods.
    public var summaryRows: [[String]] {
        specs.map { s in
            [s.name.rawValue, s.kind.rawValue, s.methodText, s.rowMeaning, s.mergeKey.joined(separator: ", "),
             s.cursorMeaning, s.syncMethods.joined(separator: ", ")]
        }
    }

    public static let summaryColumns = ["table", "kind", "method", "one row per", "merge key", "cursor", "sync methods"]

    /// The catalog as a JSON array, one object per table, with its columns.
    public var json: String {
        let tables = specs.map { s -> String in
            let columns = s.knownColumns.map { c in
                "{\"name\":\(RowShaper.jsonStringLiteral(c.name)),\"type\":\(RowShaper.jsonStringLiteral(c.type.rawValue)),\"meaning\":\(RowShaper.jsonStringLiteral(ColumnDocs.meaning(c.name, in: s)))}"
            }
            let params = s.parameters.map { "\(RowShaper.jsonStringLiteral($0.0)):\(RowShaper.jsonStringLiteral($0.1))" }
            return "{\"name\":\(RowShaper.jsonStringLiteral(s.name.rawValue)),\"kind\":\(RowShaper.jsonStringLiteral(s.kind.rawValue)),"
                + "\"method\":\(s.method.isEmpty ? "null" : RowShaper.jsonStringLiteral(s.method)),\"parameters\":{\(params.joined(separator: ","))},"
                + "\"derived_from\":\(s.derivedFrom.map { RowShaper.jsonStringLiteral($0.rawValue) } ?? "null"),"
                + "\"one_row_per\":\(RowShaper.jsonStringLiteral(s.rowMeaning)),"
                + "\"merge_key\":[\(s.mergeKey.map(RowShaper.jsonStringLiteral).joined(separator: ","))],"
                + "\"cursor\":\(RowShaper.jsonStringLiteral(s.cursorMeaning)),"
                + "\"sync_methods\":[\(s.syncMethods.map(RowShaper.jsonStringLiteral).joined(separator: ","))],"
                + "\"several_dates_per_request\":\(s.acceptsDateRange),\"user_declared\":\(s.userDeclared),"
                + "\"columns\":[\(columns.joined(separator: ","))]}"
        }
        return "[" + tables.joined(separator: ",\n ") + "]"
    }

    /// The README's table reference.
    public var markdown: String {
        var out = "| table | Matomo method | one row per | merge key |\n|---|---|---|---|\n"
        for s in specs {
            out += "| `\(s.name)` | \(s.method.isEmpty ? "none: derived from `\(s.derivedFrom?.rawValue ?? "")`" : "`\(s.methodText)`") | \(s.rowMeaning) | `\(s.mergeKey.joined(separator: ", "))` |\n"
        }
        for s in specs {
            out += "\n#### `\(s.name)`\n\n"
            switch s.kind {
            case .visitLog: out += "The visit log, walked by `serverTimestamp`; a visit is stored once it is an hour old and updated when fetched again.\n"
            case .derived: out += "Made from each visit's `actionDetails` in the same commit as the visit: no request of its own. A visit fetched again replaces its actions exactly. Synced whenever `\(s.derivedFrom?.rawValue ?? "")` is; leave it out of `--tables` (or set it to `false` in the config) to turn it off.\n"
            case .dailyMetrics: out += "One row per site-local day; a re-pulled day replaces its row.\(s.acceptsDateRange ? " Several days per request." : "")\n"
            case .dailyRows: out += "One row per label and site-local day; a re-pulled day replaces that day's rows exactly. A truncated report's `Others` row is kept.\(s.acceptsDateRange ? " Several days per request." : " One day per sub-request of `API.getBulkRequest` (the method refuses several dates).")\n"
            case .wholeList: out += "Fetched whole on each sync; the answer replaces the site's rows (`_date` is the site-local day of that sync).\n"
            }
            out += "\n| column | type | meaning |\n|---|---|---|\n"
            for c in s.knownColumns {
                out += "| `\(c.name)` | \(c.type.rawValue) | \(ColumnDocs.meaning(c.name, in: s)) |\n"
            }
        }
        return out
    }
}

extension TableSpec {
    /// `Actions.getPageUrls` with `flat=1`: the method and the parameters that shape its rows.
    public var methodText: String {
        if method.isEmpty { return "" }
        let shown = parameters.filter { $0.0 != "filter_limit" }
        return shown.isEmpty ? method : method + " (" + shown.map { "\($0.0)=\($0.1)" }.joined(separator: ", ") + ")"
    }
}

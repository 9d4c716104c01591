import MatomoAPI

/// One day of a report as Matomo answered it.
public enum DayReport: Sendable {
    /// `[]`: Matomo's way of saying the day has no data in a multi-day answer.
    case empty
    /// A metrics object (VisitsSummary.get, Actions.get).
    case metrics(JSONRow)
    /// Rows (Referrers.getAll, UserCountry.getCountry).
    case rows([JSONRow])
    /// A bare value: with one column in `showColumns` Matomo collapses each day's metrics object to
    /// that column's value (`{"2026-11-25":54}`).
    case value(JSONField)
}

/// Reads Matomo's answers into rows. Shapes differ by request: one day answers the report itself,
/// several days answer an object keyed by `YYYY-MM-DD`, bulk requests answer an array of answers.
public enum ReportParsing {
    /// `Live.getLastVisitsDetails`: an array of visit objects.
    public static func visits(_ body: [UInt8], method: String) throws -> [JSONRow] {
        do {
            var reader = JSONReader(body)
            var rows: [JSONRow] = []
            guard try reader.peek() == .array else {
                throw MatomoError.unexpectedAnswer(method: method, detail: "expected an array of visits")
            }
            try reader.readArray { r in
                guard try r.peek() == .object else { throw MatomoError.unexpectedAnswer(method: method, detail: "a visit is not an object") }
                rows.append(try r.readRow())
            }
            try reader.expectEnd()
            return rows
        } catch let error as JSONReadError {
            throw MatomoError.invalidJSON(method: method, detail: error.description)
        }
    }

    /// A list answer without dates (`Goals.getGoals`): an array of objects; `{}` or `[]` when empty.
    public static func list(_ body: [UInt8], method: String) throws -> [JSONRow] {
        do {
            var reader = JSONReader(body)
            var rows: [JSONRow] = []
            switch try reader.peek() {
            case .array:
                try reader.readArray { r in
                    guard try r.peek() == .object else { throw MatomoError.unexpectedAnswer(method: method, detail: "an entry is not an object") }
                    rows.append(try r.readRow())
                }
            case .object:
                // PHP encodes an array keyed by id as an object (`{"1":{...}}`); an error object is not a list.
                try reader.readObject { r, key in
                    guard try r.peek() == .object else { throw MatomoError.unexpectedAnswer(method: method, detail: "expected a list, got an object with '\(key)'") }
                    rows.append(try r.readRow())
                }
            default:
                throw MatomoError.unexpectedAnswer(method: method, detail: "expected a list")
            }
            try reader.expectEnd()
            return rows
        } catch let error as JSONReadError {
            throw MatomoError.invalidJSON(method: method, detail: error.description)
        }
    }

    /// The entries of a visit's `actionDetails` (kept verbatim in the visit row), in order.
    public static func actions(_ field: JSONField?) throws -> [(position: Int, action: JSONRow)] {
        guard case .json(let text)? = field else { return [] }
        var reader = JSONReader(Array(text.utf8))
        guard try reader.peek() == .array else { return [] }
        var rows: [(Int, JSONRow)] = []
        var position = 0
        try reader.readArray { r in
            if try r.peek() == .object { rows.append((position, try r.readRow())) } else { try r.skipValue() }
            position += 1
        }
        return rows
    }

    /// A `period=day&date=A,B` answer, or a single-day answer for `singleDay`.
    public static func days(_ body: [UInt8], method: String, singleDay: LocalDay?) throws -> [(LocalDay, DayReport)] {
        do {
            var reader = JSONReader(body)
            if try reader.peek() == .array {
                let report = try dayReport(&reader, method: method)
                guard let singleDay else {
                    throw MatomoError.unexpectedAnswer(method: method, detail: "expected an answer keyed by date")
                }
                return [(singleDay, report)]
            }
            var out: [(LocalDay, DayReport)] = []
            var keyedByDate = true
            var metrics: JSONRow = []
            try reader.readObject { r, key in
                if keyedByDate, let day = LocalDay(key) {
                    out.append((day, try dayReport(&r, method: method)))
                } else {
                    keyedByDate = false
                    metrics.append((key, try r.readField()))
                }
            }
            if !keyedByDate {
                guard let singleDay, out.isEmpty else {
                    throw MatomoError.unexpectedAnswer(method: method, detail: "expected an answer keyed by date")
                }
                return [(singleDay, .metrics(metrics))]
            }
            return out
        } catch let error as JSONReadError {
            throw MatomoError.invalidJSON(method: method, detail: error.description)
        }
    }

    /// One column per day, from a request with `showColumns=column`. Real Matomo answers a bare value
    /// per day when one column remains (`{"2026-11-25":54}`, one date: `{"value":54}`), an object when
    /// several do, and `[]` for a day without data; nil stands for that empty day.
    public static func column(_ column: String, _ body: [UInt8], method: String, singleDay: LocalDay?) throws -> [(LocalDay, JSONField?)] {
        try days(body, method: method, singleDay: singleDay).map { day, report in
            switch report {
            case .empty: return (day, nil)
            case .value(let field): return (day, field)
            case .metrics(let row):
                if let field = row.field(column) { return (day, field) }
                if row.count == 1, let field = row.field("value") { return (day, field) }
                if row.isEmpty { return (day, nil) }
                throw MatomoError.unexpectedAnswer(method: method, detail: "no \(column) for \(day)")
            case .rows:
                throw MatomoError.unexpectedAnswer(method: method, detail: "rows where one \(column) per day was expected")
            }
        }
    }

    /// An `API.getBulkRequest` answer holding one single-day answer per day, in request order.
    public static func bulkDays(_ body: [UInt8], method: String, days: [LocalDay]) throws -> [(LocalDay, DayReport)] {
        do {
            var reader = JSONReader(body)
            guard try reader.peek() == .array else {
                throw MatomoError.unexpectedAnswer(method: "API.getBulkRequest", detail: "expected an array")
            }
            var out: [(LocalDay, DayReport)] = []
            try reader.readArray { r in
                guard out.count < days.count else {
                    throw MatomoError.unexpectedAnswer(method: "API.getBulkRequest", detail: "more answers than requests")
                }
                let day = days[out.count]
                if try r.peek() == .object {
                    let row = try r.readRow()
                    if row.field("result")?.text == "error" {
                        throw MatomoError.api(method: method, status: 200, message: row.field("message")?.text ?? "(no message)")
                    }
                    out.append((day, .metrics(row)))
                } else {
                    out.append((day, try dayReport(&r, method: method)))
                }
            }
            guard out.count == days.count else {
                throw MatomoError.unexpectedAnswer(method: "API.getBulkRequest", detail: "\(counted(out.count, "answer")) for \(counted(days.count, "request"))")
            }
            return out
        } catch let error as JSONReadError {
            throw MatomoError.invalidJSON(method: "API.getBulkRequest", detail: error.description)
        }
    }

    private static func dayReport(_ r: inout JSONReader, method: String) throws -> DayReport {
        switch try r.peek() {
        case .array:
            var rows: [JSONRow] = []
            try r.readArray { e in
                guard try e.peek() == .object else { throw MatomoError.unexpectedAnswer(method: method, detail: "a report row is not an object") }
                rows.append(try e.readRow())
            }
            return rows.isEmpty ? .empty : .rows(rows)
        case .object:
            return .metrics(try r.readRow())
        case .number, .string:
            return .value(try r.readField())
        default:
            throw MatomoError.unexpectedAnswer(method: method, detail: "a day's report is neither an object nor an array")
        }
    }
}

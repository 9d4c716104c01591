/// The `date` parameter, resolved against the site's "today".
enum DateSpec: Equatable {
    case single(Int)
    /// lastN: N periods ending with the current one.
    case last(Int)
    /// previousN: N periods ending with the one before the current one.
    case previous(Int)
    /// "YYYY-MM-DD,YYYY-MM-DD"
    case between(Int, Int)

    var isMulti: Bool { if case .single = self { return false } else { return true } }

    static func parse(_ raw: String, today: Int) throws(MatomoError) -> DateSpec {
        let s = raw.trimmingCharactersInWhitespace()
        if let n = Self.count(s, prefix: "last") { return .last(n) }
        if let n = Self.count(s, prefix: "previous") { return .previous(n) }
        if let comma = s.firstIndex(of: ",") {
            guard let a = Self.oneDate(s[..<comma], today: today),
                  let b = Self.oneDate(s[s.index(after: comma)...], today: today), a <= b else {
                throw .invalidDate
            }
            return .between(a, b)
        }
        guard let d = Self.oneDate(Substring(s), today: today) else { throw .invalidDate }
        return .single(d)
    }

    private static func oneDate(_ s: Substring, today: Int) -> Int? {
        switch s {
        case "today", "now": return today
        case "yesterday", "yesterdaySameTime": return today - 1
        default: return Civil.parse(s)
        }
    }

    private static func count(_ s: String, prefix: String) -> Int? {
        guard s.hasPrefix(prefix), let n = Int(s.dropFirst(prefix.count)), n >= 1, n <= 36_500 else { return nil }
        return n
    }
}

enum PeriodKind: String {
    case day, week, month, year, range
}

/// One period of an answer: a day, a week, ... or a range; days are inclusive site-local day numbers.
struct Bucket {
    var key: String
    var first: Int
    var last: Int
}

/// What a report request asks for: the period kind and its buckets; `keyed` when the answer is an
/// object keyed by period (several dates).
struct PeriodSelection {
    var kind: PeriodKind
    var buckets: [Bucket]
    var keyed: Bool

    static func parse(period rawPeriod: String, date rawDate: String, today: Int) throws(MatomoError) -> PeriodSelection {
        guard let kind = PeriodKind(rawValue: rawPeriod) else { throw .invalidPeriod(rawPeriod) }
        let spec = try DateSpec.parse(rawDate, today: today)
        if kind == .range {
            let (a, b): (Int, Int)
            switch spec {
            case .single: throw .notARange(rawDate)
            case .last(let n): (a, b) = (today - n + 1, today)
            case .previous(let n): (a, b) = (today - n, today - 1)
            case .between(let x, let y): (a, b) = (x, y)
            }
            return PeriodSelection(kind: .range, buckets: [Bucket(key: "\(Fmt.ymd(a)),\(Fmt.ymd(b))", first: a, last: b)], keyed: false)
        }
        switch spec {
        case .single(let d):
            return PeriodSelection(kind: kind, buckets: [bucket(kind, containing: d)], keyed: false)
        case .last(let n):
            let current = bucket(kind, containing: today)
            return PeriodSelection(kind: kind, buckets: walkBack(kind, from: current, count: n), keyed: true)
        case .previous(let n):
            let current = bucket(kind, containing: today)
            let before = bucket(kind, containing: current.first - 1)
            return PeriodSelection(kind: kind, buckets: walkBack(kind, from: before, count: n), keyed: true)
        case .between(let a, let b):
            var out: [Bucket] = []
            var cursor = bucket(kind, containing: a)
            while cursor.first <= b {
                out.append(cursor)
                cursor = bucket(kind, containing: cursor.last + 1)
            }
            return PeriodSelection(kind: kind, buckets: out, keyed: true)
        }
    }

    private static func walkBack(_ kind: PeriodKind, from last: Bucket, count: Int) -> [Bucket] {
        var out = [last]
        while out.count < count { out.append(bucket(kind, containing: out[out.count - 1].first - 1)) }
        return out.reversed()
    }

    /// The day/week/month/year containing `day`, keyed the way Matomo keys multi-period answers.
    static func bucket(_ kind: PeriodKind, containing day: Int) -> Bucket {
        switch kind {
        case .day, .range:
            return Bucket(key: Fmt.ymd(day), first: day, last: day)
        case .week:
            let monday = day - (Civil.isoWeekday(day) - 1)
            return Bucket(key: "\(Fmt.ymd(monday)),\(Fmt.ymd(monday + 6))", first: monday, last: monday + 6)
        case .month:
            let c = Civil.date(day)
            let first = Civil.day(year: c.year, month: c.month, day: 1)
            return Bucket(key: Fmt.ym(day), first: first, last: first + Civil.daysInMonth(year: c.year, month: c.month) - 1)
        case .year:
            let c = Civil.date(day)
            return Bucket(key: "\(c.year)", first: Civil.day(year: c.year, month: 1, day: 1),
                          last: Civil.day(year: c.year, month: 12, day: 31))
        }
    }
}

extension String {
    func trimmingCharactersInWhitespace() -> String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" || f == "\n" || f == "\r" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" || l == "\n" || l == "\r" { s = s.dropLast() }
        return String(s)
    }
}

import Foundation

/// A site's timezone: an IANA zone (DST transitions precomputed, so per-visit lookups stay cheap when
/// rendering many visits) or one of Matomo's fixed "UTC+5.5" offsets.
struct SiteZone: Sendable {
    /// Sorted instants (epoch seconds) at which the offset changes, and the offset from each on.
    private let transitions: [Int]
    private let offsets: [Int]
    private let initialOffset: Int
    private let zone: TimeZone?

    init(_ identifier: String) {
        if let fixed = SiteZone.fixedOffset(identifier) {
            transitions = []; offsets = []; initialOffset = fixed; zone = nil
            return
        }
        guard let tz = TimeZone(identifier: identifier) else {
            transitions = []; offsets = []; initialOffset = 0; zone = nil
            return
        }
        // 1970-01-01 ... 2100-01-01 covers every timestamp the fake deals with.
        var ts: [Int] = []
        var os: [Int] = []
        var cursor = Date(timeIntervalSince1970: 0)
        let end = Date(timeIntervalSince1970: 4_102_444_800)
        while let next = tz.nextDaylightSavingTimeTransition(after: cursor), next < end, ts.count < 1000 {
            ts.append(Int(next.timeIntervalSince1970))
            os.append(tz.secondsFromGMT(for: next))
            cursor = next
        }
        transitions = ts
        offsets = os
        initialOffset = tz.secondsFromGMT(for: Date(timeIntervalSince1970: 0))
        zone = tz
    }

    /// "UTC" → 0, "UTC+5.5" → 19800, "UTC-3" → -10800; nil for IANA names.
    static func fixedOffset(_ identifier: String) -> Int? {
        if identifier == "UTC" || identifier == "GMT" { return 0 }
        guard identifier.hasPrefix("UTC"), identifier.count > 4 else { return nil }
        let rest = identifier.dropFirst(3)
        guard let sign = rest.first, sign == "+" || sign == "-", let hours = Double(rest.dropFirst()) else { return nil }
        let seconds = Int((hours * 3600).rounded())
        return sign == "-" ? -seconds : seconds
    }

    /// Seconds east of UTC at instant `t`.
    func offset(at t: Int) -> Int {
        if transitions.isEmpty {
            if let zone { return zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(t))) }
            return initialOffset
        }
        // Last transition <= t.
        var lo = 0, hi = transitions.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if transitions[mid] <= t { lo = mid + 1 } else { hi = mid }
        }
        return lo == 0 ? initialOffset : offsets[lo - 1]
    }

    /// The site-local calendar day (days since 1970-01-01) of instant `t`.
    func localDay(of t: Int) -> Int { floorDiv(t + offset(at: t), 86_400) }

    /// The instant at which site-local day `day` starts.
    func startOfDay(_ day: Int) -> Int {
        let local = day * 86_400
        let guess = local - offset(at: local)
        return local - offset(at: guess)
    }
}

@inline(__always) func floorDiv(_ a: Int, _ b: Int) -> Int {
    let q = a / b
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
}

@inline(__always) func floorMod(_ a: Int, _ b: Int) -> Int { a - floorDiv(a, b) * b }

/// Calendar arithmetic on day numbers (days since 1970-01-01), proleptic Gregorian (H. Hinnant's algorithms).
enum Civil {
    static func date(_ day: Int) -> (year: Int, month: Int, day: Int) {
        let z = day + 719_468
        let era = floorDiv(z, 146_097)
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (m <= 2 ? y + 1 : y, m, d)
    }

    static func day(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = floorDiv(y, 400)
        let yoe = y - era * 400
        let mp = month > 2 ? month - 3 : month + 9
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func daysInMonth(year: Int, month: Int) -> Int {
        let next = month == 12 ? day(year: year + 1, month: 1, day: 1) : day(year: year, month: month + 1, day: 1)
        return next - day(year: year, month: month, day: 1)
    }

    /// ISO weekday, Monday = 1 ... Sunday = 7 (1970-01-01 was a Thursday).
    static func isoWeekday(_ day: Int) -> Int { floorMod(day + 3, 7) + 1 }

    /// Parses a strict "YYYY-MM-DD" with a real calendar date.
    static func parse(_ s: Substring) -> Int? {
        let u = Array(s.utf8)
        guard u.count == 10, u[4] == UInt8(ascii: "-"), u[7] == UInt8(ascii: "-") else { return nil }
        func num(_ r: Range<Int>) -> Int? {
            var v = 0
            for i in r {
                guard u[i] >= 48, u[i] <= 57 else { return nil }
                v = v * 10 + Int(u[i] - 48)
            }
            return v
        }
        guard let y = num(0..<4), let m = num(5..<7), let d = num(8..<10),
              (1...12).contains(m), d >= 1, d <= daysInMonth(year: y, month: m) else { return nil }
        return day(year: y, month: m, day: d)
    }
}

/// The text formats Matomo (English locale) uses in API answers, built by hand for speed.
enum Fmt {
    static let monthNames = ["January", "February", "March", "April", "May", "June", "July", "August",
                             "September", "October", "November", "December"]
    static let monthAbbr = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    static let weekdayNames = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]

    private static func pad2(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
    private static func pad4(_ v: Int) -> String {
        v >= 1000 ? "\(v)" : String(repeating: "0", count: 4 - "\(v)".count) + "\(v)"
    }

    /// "2026-11-17"
    static func ymd(_ day: Int) -> String {
        let c = Civil.date(day)
        return "\(pad4(c.year))-\(pad2(c.month))-\(pad2(c.day))"
    }

    /// "2026-11"
    static func ym(_ day: Int) -> String {
        let c = Civil.date(day)
        return "\(pad4(c.year))-\(pad2(c.month))"
    }

    /// "07:18:35" for seconds since local midnight.
    static func hms(_ secondsOfDay: Int) -> String {
        "\(pad2(secondsOfDay / 3600)):\(pad2(secondsOfDay / 60 % 60)):\(pad2(secondsOfDay % 60))"
    }

    /// "2026-11-17 06:18:35" for a (local or UTC) seconds value.
    static func dateTime(_ t: Int) -> String {
        "\(ymd(floorDiv(t, 86_400))) \(hms(floorMod(t, 86_400)))"
    }

    /// "Tuesday, November 17, 2026"
    static func longDate(_ day: Int) -> String {
        let c = Civil.date(day)
        return "\(weekdayNames[Civil.isoWeekday(day) - 1]), \(monthNames[c.month - 1]) \(c.day), \(c.year)"
    }

    /// Matomo's sentence durations: "0s", "3 min 40s", "1 hours 5 min", "2 days 3 hours", "1 years 10 days".
    static func prettyDuration(_ seconds: Int) -> String {
        let s = max(0, seconds)
        let secondsInYear = 86_400 * 365.25
        let years = Int((Double(s) / secondsInYear).rounded(.down))
        if years > 0 {
            let days = Int(((Double(s) - Double(years) * secondsInYear) / 86_400).rounded(.down))
            return "\(years) years \(days) days"
        }
        let days = s / 86_400, hours = s % 86_400 / 3600, minutes = s % 3600 / 60, secs = s % 60
        if days > 0 { return "\(days) days \(hours) hours" }
        if hours > 0 { return "\(hours) hours \(minutes) min" }
        if minutes > 0 { return "\(minutes) min \(secs)s" }
        return "\(secs)s"
    }
}

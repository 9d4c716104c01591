import Foundation

/// A calendar day in a site's timezone, as Matomo's `date=YYYY-MM-DD` means it.
/// Stored as a day number so that day arithmetic is integer arithmetic.
public struct LocalDay: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Days since 1970-01-01.
    public let dayNumber: Int

    public init(dayNumber: Int) { self.dayNumber = dayNumber }

    public init(year: Int, month: Int, day: Int) {
        // Days from civil (Howard Hinnant's algorithm), exact for the proleptic Gregorian calendar.
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        dayNumber = era * 146097 + doe - 719468
    }

    /// Parses `YYYY-MM-DD`; nil for anything else, including impossible dates.
    public init?(_ text: some StringProtocol) {
        let parts = text.split(separator: "-")
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]),
              (1...12).contains(m), (1...31).contains(d) else { return nil }
        self.init(year: y, month: m, day: d)
        guard components == (y, m, d) else { return nil }
    }

    public var components: (year: Int, month: Int, day: Int) {
        let z = dayNumber + 719468
        let era = (z >= 0 ? z : z - 146096) / 146097
        let doe = z - era * 146097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }

    public var description: String {
        let c = components
        return String(format: "%04d-%02d-%02d", c.year, c.month, c.day)
    }

    public func adding(days: Int) -> LocalDay { LocalDay(dayNumber: dayNumber + days) }

    public static func < (a: LocalDay, b: LocalDay) -> Bool { a.dayNumber < b.dayNumber }

    /// The site-local day that contains this instant.
    public static func containing(_ date: Date, in zone: TimeZone) -> LocalDay {
        containing(epochSeconds: Int64(date.timeIntervalSince1970.rounded(.down)), in: zone)
    }

    public static func containing(epochSeconds: Int64, in zone: TimeZone) -> LocalDay {
        let offset = Int64(zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(epochSeconds))))
        let local = epochSeconds + offset
        return LocalDay(dayNumber: Int(local >= 0 ? local / 86400 : (local - 86399) / 86400))
    }

    /// First second of the day in the zone (DST-aware), as epoch seconds.
    public func start(in zone: TimeZone) -> Int64 {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let c = components
        let date = calendar.date(from: DateComponents(year: c.year, month: c.month, day: c.day)) ?? Date(timeIntervalSince1970: 0)
        return Int64(calendar.startOfDay(for: date).timeIntervalSince1970)
    }

    /// `[start, end)` of the day in epoch seconds.
    public func bounds(in zone: TimeZone) -> Range<Int64> {
        start(in: zone)..<adding(days: 1).start(in: zone)
    }
}

/// An inclusive run of days.
public struct DayRange: Sendable, Hashable, CustomStringConvertible {
    public var first: LocalDay
    public var last: LocalDay

    public init(_ first: LocalDay, _ last: LocalDay) {
        self.first = first
        self.last = last
    }

    public var count: Int { max(0, last.dayNumber - first.dayNumber + 1) }
    public var isEmpty: Bool { last < first }
    public var days: [LocalDay] { isEmpty ? [] : (first.dayNumber...last.dayNumber).map(LocalDay.init(dayNumber:)) }
    public var description: String { first == last ? "\(first)" : "\(first),\(last)" }

    /// Consecutive pieces of at most `size` days, oldest first.
    public func chunked(by size: Int) -> [DayRange] {
        guard !isEmpty else { return [] }
        let step = max(1, size)
        return stride(from: first.dayNumber, through: last.dayNumber, by: step).map {
            DayRange(LocalDay(dayNumber: $0), LocalDay(dayNumber: min($0 + step - 1, last.dayNumber)))
        }
    }
}

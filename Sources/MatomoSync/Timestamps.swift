import Foundation

/// UTC timestamps as ISO 8601 text, the form the state table and `_synced_at` use.
public enum Timestamps {
    public static func iso(_ date: Date) -> String {
        date.formatted(.iso8601.year().month().day().dateSeparator(.dash).time(includingFractionalSeconds: false).timeSeparator(.colon).timeZone(separator: .omitted))
    }

    public static func now() -> String { iso(Date()) }

    /// Reads what `iso` writes.
    public static func parse(_ text: String) -> Date? {
        try? Date(text, strategy: .iso8601)
    }
}

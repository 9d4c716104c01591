import Foundation

/// Turns Matomo's site timezone (`Europe/Paris`, `UTC`, `UTC+5.5`, `UTC-3`) into a `TimeZone`.
/// Matomo stores manual offsets as `UTC±H[.5|.75]`, which Foundation does not know by name.
public enum SiteTimeZone {
    public static func parse(_ name: String) -> TimeZone? {
        let trimmed = name.trimmingCharacters(in: .whitespaces)
        if trimmed == "UTC" || trimmed == "GMT" { return TimeZone(secondsFromGMT: 0) }
        if trimmed.hasPrefix("UTC"), trimmed.count > 3 {
            let rest = trimmed.dropFirst(3)
            guard let hours = Double(rest), abs(hours) <= 14 else { return nil }
            return TimeZone(secondsFromGMT: Int((hours * 3600).rounded()))
        }
        return TimeZone(identifier: trimmed)
    }
}

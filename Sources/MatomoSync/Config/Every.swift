/// A sync frequency such as `90s`, `15m`, `6h`, `1d` or `1h30m`, in seconds.
public enum Every {
    public static func parse(_ text: String) -> Int? {
        var total = 0
        var number = ""
        var sawUnit = false
        for ch in text.trimmingCharacters(in: .whitespaces) {
            if ch.isNumber {
                number.append(ch)
                continue
            }
            guard let n = Int(number) else { return nil }
            let unit: Int
            switch ch {
            case "s": unit = 1
            case "m": unit = 60
            case "h": unit = 3600
            case "d": unit = 86400
            default: return nil
            }
            let (product, overflow) = n.multipliedReportingOverflow(by: unit)
            guard !overflow else { return nil }
            total += product
            number = ""
            sawUnit = true
        }
        guard number.isEmpty, sawUnit, total > 0, total <= 366 * 86400 else { return nil }
        return total
    }

    /// `21600` → `6h`.
    public static func format(_ seconds: Int) -> String {
        var parts: [String] = []
        var rest = seconds
        for (unit, name) in [(86400, "d"), (3600, "h"), (60, "m"), (1, "s")] where rest >= unit {
            parts.append("\(rest / unit)\(name)")
            rest %= unit
        }
        return parts.isEmpty ? "0s" : parts.joined()
    }
}

import Foundation

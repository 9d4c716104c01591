import Foundation

/// `1 row`, `2 rows`, `1,234 requests`: every count a person reads agrees with its noun.
public func counted(_ n: Int, _ singular: String, plural: String? = nil) -> String {
    "\(n.formatted()) \(n == 1 ? singular : plural ?? singular + "s")"
}

/// A delay as a person reads it: `0.3 s`, `2 s`, `1.5 s`, not `0.3024084373668252 seconds`.
public func roundedSeconds(_ seconds: Double) -> String {
    let tenths = (seconds * 10).rounded() / 10
    if tenths == tenths.rounded() { return "\(Int(tenths)) s" }
    return String(format: "%.1f s", tenths)
}

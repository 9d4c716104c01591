/// Matomo field names to warehouse column names: `idVisit` → `id_visit`, `serverTimestamp` →
/// `server_timestamp`, `nb_visits` stays. Anything outside `[a-z0-9_]` becomes `_`, and names are
/// cut to 63 bytes (PostgreSQL's limit), so a hostile key can never reach SQL unquoted or too long.
public enum ColumnNaming {
    public static let maxLength = 63

    public static func snakeCase(_ key: String) -> String {
        let chars = Array(key.unicodeScalars)
        var out = ""
        out.reserveCapacity(chars.count + 4)
        for (i, c) in chars.enumerated() {
            let isUpper = c.value >= 65 && c.value <= 90
            let isLower = c.value >= 97 && c.value <= 122
            let isDigit = c.value >= 48 && c.value <= 57
            if isUpper {
                if i > 0 {
                    let prev = chars[i - 1]
                    let prevLowerOrDigit = (prev.value >= 97 && prev.value <= 122) || (prev.value >= 48 && prev.value <= 57)
                    let prevUpper = prev.value >= 65 && prev.value <= 90
                    let nextLower = i + 1 < chars.count && chars[i + 1].value >= 97 && chars[i + 1].value <= 122
                    if prevLowerOrDigit || (prevUpper && nextLower) { out.append("_") }
                }
                out.unicodeScalars.append(Unicode.Scalar(c.value + 32)!)
            } else if isLower || isDigit || c == "_" {
                out.unicodeScalars.append(c)
            } else {
                out.append("_")
            }
        }
        if out.isEmpty { out = "field" }
        if out.utf8.count > maxLength { out = String(out.prefix(maxLength)) }
        return out
    }

    /// Quotes an identifier for SQL (SQLite, PostgreSQL and ClickHouse all accept double quotes).
    public static func quote(_ identifier: String) -> String {
        "\"" + identifier.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}

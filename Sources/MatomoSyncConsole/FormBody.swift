import Foundation

/// The fields of an `application/x-www-form-urlencoded` body (what a plain HTML form posts).
/// A field sent twice keeps its first value; checkboxes are told apart by name, not by repetition.
public struct FormBody: Sendable {
    public private(set) var fields: [String: String] = [:]

    public init(_ text: String) {
        for pair in text.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = Self.decode(parts[0])
            let value = parts.count > 1 ? Self.decode(parts[1]) : ""
            if fields[key] == nil { fields[key] = value }
        }
    }

    public subscript(_ name: String) -> String? { fields[name] }

    static func decode(_ part: Substring) -> String {
        let spaced = part.replacingOccurrences(of: "+", with: " ")
        return spaced.removingPercentEncoding ?? spaced
    }

    /// Percent-encodes a value for a query string or a form body.
    public static func encode(_ value: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return value.addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
    }
}

/// The Matomo API token. Printing it, interpolating it or dumping it shows `<redacted>`,
/// so it cannot slip into logs, errors or crash output by accident.
public struct APIToken: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The secret itself; only the request body builder reads it.
    public let secret: String

    public init(_ secret: String) throws {
        let trimmed = secret.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { throw MatomoError.missingToken }
        guard trimmed.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F }) else {
            throw MatomoError.invalidToken
        }
        self.secret = trimmed
    }

    public var description: String { "<redacted>" }
    public var debugDescription: String { "<redacted>" }
    public var customMirror: Mirror { Mirror(reflecting: "<redacted>") }

    /// Removes the token from any text that might echo it (server messages, error bodies).
    public func redact(_ text: String) -> String {
        guard secret.count >= 4 else { return text }
        return text.replacingOccurrences(of: secret, with: "<redacted>")
    }
}

import Foundation

import Foundation

/// What `setup` made on an instance, kept in a JSON file so a later run reuses the sites and their
/// history instead of sending it again, and read by the conformance tests (`MATOMO_CONFORMANCE_STATE`).
struct ConformanceState: Codable {
    var url: String
    var nonce: String
    var west: Int
    var east: Int
    var empty: Int
    var westZone: String
    var eastZone: String
    /// The second that holds more than a thousand visits of the west site, and how many were sent.
    var burstTimestamp: Int64
    var burstVisits: Int
    /// When the history (more than a year of visits) was sent, and how many visitors it had.
    var historySentAt: Int64
    var historyVisitors: Int
    /// The last batch of recent visits (under an hour old, and one at the hour) and how many visitors.
    var recentSentAt: Int64
    var recentVisitors: Int

    static func load(_ path: String) -> ConformanceState? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return try? JSONDecoder().decode(ConformanceState.self, from: data)
    }

    func save(_ path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(self).write(to: URL(fileURLWithPath: path), options: .atomic)
    }
}

import Foundation

/// What the sync needs to know of a site, from `SitesManager.getSiteFromId`.
public struct SiteInfo: Sendable, Equatable {
    public var id: Int
    public var name: String
    /// Matomo's name for it, as shown to people.
    public var timezoneName: String
    public var timeZone: TimeZone
    /// `ts_created` read in the site's timezone, when Matomo sent one.
    public var createdAt: Date?

    public init(id: Int, name: String, timezoneName: String, timeZone: TimeZone, createdAt: Date?) {
        self.id = id
        self.name = name
        self.timezoneName = timezoneName
        self.timeZone = timeZone
        self.createdAt = createdAt
    }

    /// Reads the answer of `SitesManager.getSiteFromId`.
    public static func parse(_ body: [UInt8], siteId: Int) throws -> SiteInfo {
        var reader = JSONReader(body)
        let row: JSONRow
        do {
            guard try reader.peek() == .object else {
                throw MatomoError.unexpectedAnswer(method: "SitesManager.getSiteFromId", detail: "expected an object")
            }
            row = try reader.readRow()
        } catch let error as JSONReadError {
            throw MatomoError.invalidJSON(method: "SitesManager.getSiteFromId", detail: error.description)
        }
        let tzName = row.field("timezone")?.text ?? "UTC"
        guard let tz = SiteTimeZone.parse(tzName) else {
            throw MatomoError.unexpectedAnswer(method: "SitesManager.getSiteFromId",
                                               detail: "unknown timezone '\(tzName)' for site \(siteId)")
        }
        var created: Date?
        if let ts = row.field("ts_created")?.text {
            let f = DateFormatter()
            f.locale = Locale(identifier: "en_US_POSIX")
            f.timeZone = tz
            f.dateFormat = "yyyy-MM-dd HH:mm:ss"
            created = f.date(from: ts)
        }
        return SiteInfo(
            id: Int(row.field("idsite")?.intValue ?? Int64(siteId)),
            name: row.field("name")?.text ?? "",
            timezoneName: tzName,
            timeZone: tz,
            createdAt: created
        )
    }
}

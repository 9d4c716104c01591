import Foundation
import Testing
@testable import MatomoAPI

/// What a person types (instance URLs, tokens) and what a site says of itself.
@Suite struct InputTests {
    @Test func normalisesInstanceURLs() throws {
        #expect(try InstanceURL(parsing: "myorg.matomo.cloud").endpoint == "https://myorg.matomo.cloud/index.php")
        #expect(try InstanceURL(parsing: "https://host/matomo/").endpoint == "https://host/matomo/index.php")
        #expect(try InstanceURL(parsing: "https://host/matomo").endpoint == "https://host/matomo/index.php")
        #expect(try InstanceURL(parsing: "https://host/matomo/index.php").endpoint == "https://host/matomo/index.php")
        #expect(try InstanceURL(parsing: "http://127.0.0.1:8080").endpoint == "http://127.0.0.1:8080/index.php")
        #expect(try InstanceURL(parsing: "myorg.matomo.cloud").isMatomoCloud)
        #expect(!(try InstanceURL(parsing: "https://analytics.example.com").isMatomoCloud))
    }

    @Test func refusesOtherSchemesAndTokensInURLs() {
        for bad in ["ftp://host", "file:///etc/passwd", "", "https://user:pw@host", "https://host/?token_auth=abc"] {
            #expect(throws: MatomoError.self) { try InstanceURL(parsing: bad) }
        }
        do {
            _ = try InstanceURL(parsing: "https://host/?token_auth=s3cret-value")
        } catch {
            #expect(!String(describing: error).contains("s3cret-value"))
        }
    }

    @Test func tokenNeverPrints() throws {
        let token = try APIToken("abcdef0123456789")
        #expect("\(token)" == "<redacted>")
        #expect(String(reflecting: token) == "<redacted>")
        #expect(!String(describing: [token]).contains("abcdef"))
        #expect(token.redact("bad token abcdef0123456789 here") == "bad token <redacted> here")
        #expect(throws: MatomoError.self) { try APIToken("  ") }
        #expect(throws: MatomoError.self) { try APIToken("abc def") }
    }

    @Test func parsesSiteTimezones() {
        #expect(SiteTimeZone.parse("Europe/Paris")?.identifier == "Europe/Paris")
        #expect(SiteTimeZone.parse("UTC+5.5")?.secondsFromGMT() == 19800)
        #expect(SiteTimeZone.parse("UTC-3")?.secondsFromGMT() == -10800)
        #expect(SiteTimeZone.parse("UTC")?.secondsFromGMT() == 0)
        #expect(SiteTimeZone.parse("Mars/Olympus") == nil)
    }

    @Test func readsSiteInfo() throws {
        let site = try SiteInfo.parse(try Fixtures.bytes("SitesManager.getSiteFromId"), siteId: 1)
        #expect(site.name == "Example Shop")
        #expect(site.timezoneName == "Europe/Paris")
        #expect(site.createdAt != nil)
    }
}

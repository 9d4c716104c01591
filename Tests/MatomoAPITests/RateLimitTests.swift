import Foundation
import Testing
@testable import MatomoAPI

@Suite struct RateLimitTests {
    @Test func slidingWindowDelays() {
        var log = RateLog(windows: [RateWindow(limit: 3, period: 60)])
        for t in [0.0, 1, 2] {
            #expect(log.delay(at: t) == 0)
            log.record(t)
        }
        // The fourth request waits until the first leaves the window.
        #expect(log.delay(at: 3) == 57)
        #expect(log.delay(at: 60.5) == 0)
    }

    @Test func cloudCapsHoldOverTenMinutes() {
        var log = RateLog(windows: RateLimits.matomoCloud.other)
        var t = 0.0
        var sent: [Double] = []
        while sent.count < 2500 {
            let d = log.delay(at: t)
            t += d
            log.record(t)
            sent.append(t)
        }
        for (i, start) in sent.enumerated() {
            let inMinute = sent[i...].prefix { $0 < start + 60 }.count
            let inTen = sent[i...].prefix { $0 < start + 600 }.count
            #expect(inMinute <= 350)
            #expect(inTen <= 2000)
        }
    }

    @Test func cloudHostsGetCapsByDefault() throws {
        let token = try APIToken("t0ken-value")
        let cloud = try MatomoClient(instance: try InstanceURL(parsing: "myorg.matomo.cloud"), token: token)
        let own = try MatomoClient(instance: try InstanceURL(parsing: "https://analytics.example.com"), token: token)
        var off = ClientConfiguration()
        off.disableRateLimits = true
        let cloudOff = try MatomoClient(instance: try InstanceURL(parsing: "myorg.matomo.cloud"), token: token, configuration: off)
        #expect(cloud.hasRateLimits)
        #expect(!own.hasRateLimits)
        #expect(!cloudOff.hasRateLimits)
        Task { await cloud.shutdown(); await own.shutdown(); await cloudOff.shutdown() }
    }
}

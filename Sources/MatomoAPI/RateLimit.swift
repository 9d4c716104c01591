import Foundation

/// A cap of `limit` requests per `period` seconds.
public struct RateWindow: Sendable, Equatable {
    public var limit: Int
    public var period: Double

    public init(limit: Int, period: Double) {
        self.limit = limit
        self.period = period
    }
}

/// Client-side request caps, per class of API method.
public struct RateLimits: Sendable, Equatable {
    /// For `Live.*` methods.
    public var live: [RateWindow]
    /// For every other method.
    public var other: [RateWindow]

    public init(live: [RateWindow], other: [RateWindow]) {
        self.live = live
        self.other = other
    }

    /// Matomo Cloud's published caps per IP: 200 a minute for Live, 350 a minute and 2,000 per
    /// 10 minutes for the rest. Staying under them means a backfill never meets a 429.
    public static let matomoCloud = RateLimits(
        live: [RateWindow(limit: 200, period: 60)],
        other: [RateWindow(limit: 350, period: 60), RateWindow(limit: 2000, period: 600)])

    /// The same cap for every method.
    public static func uniform(perMinute: Int) -> RateLimits {
        RateLimits(live: [RateWindow(limit: perMinute, period: 60)], other: [RateWindow(limit: perMinute, period: 60)])
    }
}

/// Sliding-window logs of request start times. Pure: the caller passes the time.
public struct RateLog: Sendable {
    public let windows: [RateWindow]
    private var starts: [Double] = []

    public init(windows: [RateWindow]) { self.windows = windows }

    /// Seconds to wait before a request may start at `now` (0: go).
    public func delay(at now: Double) -> Double {
        var wait = 0.0
        for w in windows where w.limit > 0 {
            let recent = starts.filter { $0 > now - w.period }
            if recent.count >= w.limit {
                // The request that frees a slot is the limit-th newest.
                let freeing = recent[recent.count - w.limit]
                wait = max(wait, freeing + w.period - now)
            }
        }
        return wait
    }

    public mutating func record(_ now: Double) {
        starts.append(now)
        let longest = windows.map(\.period).max() ?? 0
        if let firstKept = starts.firstIndex(where: { $0 > now - longest }), firstKept > 0 {
            starts.removeFirst(firstKept)
        }
    }
}

/// Waits as long as the caps require before each request.
actor RateLimiter {
    private var live: RateLog
    private var other: RateLog
    private let clock = ContinuousClock()
    private let origin: ContinuousClock.Instant

    init(_ limits: RateLimits) {
        live = RateLog(windows: limits.live)
        other = RateLog(windows: limits.other)
        origin = clock.now
    }

    func admit(method: String) async throws {
        let isLive = method.hasPrefix("Live.")
        while true {
            let now = Double((clock.now - origin).components.seconds) + Double((clock.now - origin).components.attoseconds) / 1e18
            let wait = isLive ? live.delay(at: now) : other.delay(at: now)
            if wait <= 0 {
                if isLive { live.record(now) } else { other.record(now) }
                return
            }
            try await Task.sleep(for: .milliseconds(Int(wait * 1000) + 1))
        }
    }
}

/// How the client talks to a Matomo server. Defaults suit a self-hosted instance.
public struct ClientConfiguration: Sendable {
    /// Whole-request timeout; Matomo can take minutes on a cold archive.
    public var requestTimeout: Duration = .seconds(120)
    public var connectTimeout: Duration = .seconds(10)
    /// Attempts per request, the first included, for transient failures (429, 5xx, network, broken bodies).
    public var maxAttempts: Int = 5
    /// First backoff delay; it doubles per attempt, with jitter, capped by `maxRetryDelay`.
    public var retryBaseDelay: Duration = .milliseconds(500)
    public var maxRetryDelay: Duration = .seconds(60)
    /// A refused connection is answered at once: its retries start this far apart and double
    /// (0.1, 0.2, 0.4, 0.8 s: five attempts take 1.5 s), so a server that is down fails the run in
    /// seconds and one that is restarting is still caught.
    public var refusedRetryDelay: Duration = .milliseconds(100)
    /// Requests in flight at once.
    public var maxConcurrentRequests: Int = 4
    /// PEM file of extra trusted CA certificates (a private CA); system roots are used otherwise.
    public var caFile: String?
    /// The largest answer accepted; a 1,000-visit page is about 4 MB.
    public var maxBodyBytes: Int = 512 << 20
    public var userAgent: String = "matomo-sync/" + MatomoSyncVersion.current
    /// Client-side request caps. `nil` picks the default: Matomo Cloud's published caps for
    /// `*.matomo.cloud` hosts, none for self-hosted instances (bounded concurrency only).
    public var rateLimits: RateLimits?
    /// Turns the default caps off (a Cloud plan with higher limits, a proxy that caches).
    public var disableRateLimits = false

    public init() {}
}

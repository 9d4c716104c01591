import Foundation
import Synchronization

/// Counts failed sign-ins per client address: after `maxFailures` within `window`, that address is
/// refused until the window has passed, even with the right password, so guessing is slow.
public final class SignInLimiter: Sendable {
    let maxFailures: Int
    let window: TimeInterval
    let now: @Sendable () -> Date
    private let failures = Mutex<[String: [Date]]>([:])

    public init(maxFailures: Int = 5, window: TimeInterval = 300, now: @escaping @Sendable () -> Date = { Date() }) {
        self.maxFailures = maxFailures
        self.window = window
        self.now = now
    }

    /// Seconds to wait before this client may try again; nil when it may try now.
    public func retryAfter(_ client: String) -> Int? {
        let t = now()
        return failures.withLock { all -> Int? in
            let recent = (all[client] ?? []).filter { t.timeIntervalSince($0) < window }
            all[client] = recent.isEmpty ? nil : recent
            guard recent.count >= maxFailures, let oldest = recent.first else { return nil }
            return max(1, Int((window - t.timeIntervalSince(oldest)).rounded(.up)))
        }
    }

    public func recordFailure(_ client: String) {
        let t = now()
        failures.withLock { $0[client, default: []].append(t) }
    }

    public func recordSuccess(_ client: String) {
        failures.withLock { $0[client] = nil }
    }
}

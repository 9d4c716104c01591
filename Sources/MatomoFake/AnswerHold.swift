/// Answers held back on request: a test that must signal a child process mid-sync holds the fake,
/// so the child cannot finish between the test's decision and the signal's arrival.
final class AnswerHold: Sendable {
    private let state = Locked<(held: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

    func hold() { state.withLock { $0.held = true } }

    func release() {
        let waiters = state.withLock { s -> [CheckedContinuation<Void, Never>] in
            s.held = false
            defer { s.waiters = [] }
            return s.waiters
        }
        for w in waiters { w.resume() }
    }

    /// Returns at once unless held; then when released.
    func pass() async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let wait = state.withLock { s -> Bool in
                if s.held { s.waiters.append(c) }
                return s.held
            }
            if !wait { c.resume() }
        }
    }
}

extension FakeMatomo {
    /// Requests arriving from now on wait (already recorded) until `releaseAnswers()`.
    public func holdAnswers() { hold.hold() }

    /// Answers every held request and stops holding.
    public func releaseAnswers() { hold.release() }

    /// Requests received so far (each counts when it arrives, before any hold or latency).
    public var requestCount: Int { state.withLock { $0.requests.count } }
}

import Foundation
import Hummingbird
import HummingbirdTLS
import Logging
import ServiceLifecycle

/// A fake Matomo 5 Reporting API on 127.0.0.1, answering from visits kept in memory.
///
/// Answers mirror a real Matomo 5.0.2 (field names, order and types, errors and statuses): every
/// report is aggregated from the stored visits, bucketed by the site-local day of their last action,
/// so reports and the visit log always agree.
///
///     let fake = FakeMatomo()
///     fake.generateTraffic(siteId: 1, days: 30, visitsPerDay: 20...60, seed: 1)
///     let url = try await fake.start()   // POST token_auth=fake-token to \(url)index.php?module=API&...
///     ...
///     await fake.stop()
public final class FakeMatomo: Sendable {
    public let configuration: FakeMatomoConfiguration

    struct State {
        var visits: [Int: SiteVisits] = [:]
        var requests: [RecordedRequest] = []
        var serverTask: Task<Void, Error>?
        var serviceGroup: ServiceGroup?
        var baseURL: URL?
        var dataFaults = DataFaultState()
    }

    let state = Locked(State())
    let zones: [Int: SiteZone]
    let faults: FaultInjector?
    let hold = AnswerHold()

    public init(configuration: FakeMatomoConfiguration = .init()) {
        self.configuration = configuration
        var zones: [Int: SiteZone] = [:]
        for site in configuration.sites { zones[site.id] = SiteZone(site.timezone) }
        self.zones = zones
        self.faults = configuration.faults.map(FaultInjector.init(plan:))
    }

    deinit {
        state.withLock { $0.serverTask?.cancel() }
    }

    // MARK: Server

    /// Binds 127.0.0.1 on a free port and returns "http://127.0.0.1:PORT/" once it accepts connections.
    public func start() async throws -> URL {
        try await start(port: 0)
    }

    /// Binds 127.0.0.1 on `port` (0: a free one) and returns its URL once it accepts connections.
    /// With `tls`, it answers HTTPS only (tests of certificate checks and `--ca-file`).
    public func start(port: Int, tls: TLSConfiguration? = nil) async throws -> URL {
        if let url = baseURL { return url }
        let ready = OneShot<Int>()
        var logger = Logger(label: "matomo-fake")
        logger.logLevel = .warning
        let app = Application(
            responder: CallbackResponder<BasicRequestContext> { [self] request, _ in
                await self.respond(to: request)
            },
            server: try tls.map { try .tls(.http1(), tlsConfiguration: $0) } ?? .http1(),
            configuration: .init(address: .hostname("127.0.0.1", port: port), serverName: nil),
            onServerRunning: { channel in
                ready.resume(with: .success(channel.localAddress?.port ?? 0))
            },
            logger: logger
        )
        // Run the app in our own ServiceGroup so stop() can shut it down gracefully.
        let group = ServiceGroup(services: [app], logger: logger)
        let task = Task {
            do {
                try await group.run()
                ready.resume(with: .failure(CancellationError()))
            } catch {
                ready.resume(with: .failure(error))
                throw error
            }
        }
        state.withLock {
            $0.serverTask = task
            $0.serviceGroup = group
        }
        let port = try await ready.value
        let url = URL(string: "\(tls == nil ? "http" : "https")://127.0.0.1:\(port)/")!
        state.withLock { $0.baseURL = url }
        return url
    }

    /// Stops the server (gracefully: in-flight answers are finished) and waits for it to finish.
    public func stop() async {
        hold.release()
        let (task, group) = state.withLock { s -> (Task<Void, Error>?, ServiceGroup?) in
            let running = (s.serverTask, s.serviceGroup)
            s.serverTask = nil
            s.serviceGroup = nil
            s.baseURL = nil
            return running
        }
        guard let task else { return }
        await group?.triggerGracefulShutdown()
        // A client holding a request open must not keep stop() waiting forever.
        let watchdog = Task {
            try await Task.sleep(for: .seconds(3))
            task.cancel()
        }
        _ = try? await task.value
        watchdog.cancel()
    }

    public var baseURL: URL? { state.withLock { $0.baseURL } }

    // MARK: Visits

    public func addVisits(_ visits: [FakeVisit]) {
        state.withLock { s in
            for (siteId, group) in Dictionary(grouping: visits, by: \.siteId) {
                s.visits[siteId, default: SiteVisits()].add(group)
            }
        }
    }

    public func removeAllVisits(siteId: Int) {
        state.withLock { $0.visits[siteId]?.removeAll() }
    }

    /// The site's visits, ordered by (lastActionTimestamp, idVisit).
    public func visits(siteId: Int) -> [FakeVisit] {
        state.withLock { s in
            s.visits[siteId]?.indexIfNeeded()
            return s.visits[siteId]?.sorted.map(\.visit) ?? []
        }
    }

    // MARK: Requests

    public func requests() -> [RecordedRequest] { state.withLock { $0.requests } }

    public func resetRequests() { state.withLock { $0.requests = [] } }

    /// Captures sites, clocks and visit snapshots so the call runs without holding the lock.
    func makeContext(authenticated: Bool) -> APIContext {
        let (snapshots, faults) = state.withLock { s -> ([Int: VisitSnapshot], DataFaultState) in
            var out: [Int: VisitSnapshot] = [:]
            for id in s.visits.keys {
                s.visits[id]!.indexIfNeeded()
                out[id] = VisitSnapshot(visits: s.visits[id]!.sorted, lastTimes: s.visits[id]!.lastTimes)
            }
            return (out, s.dataFaults)
        }
        var archives = snapshots
        for (id, frozen) in faults.archives where !frozen.isEmpty {
            archives[id] = Self.archived(snapshots[id] ?? VisitSnapshot(visits: [], lastTimes: []), frozen: frozen, zone: zone(id))
        }
        return APIContext(configuration: configuration, sites: configuration.sites, zones: zones, snapshots: snapshots,
                          archives: archives, shiftTiesBetweenPages: faults.shiftTiesBetweenPages,
                          now: Int(configuration.now().timeIntervalSince1970.rounded(.down)), authenticated: authenticated)
    }

    func record(_ r: RecordedRequest) { state.withLock { $0.requests.append(r) } }
}

/// A value behind an NSLock (Synchronization.Mutex needs macOS 15; the package supports macOS 14).
final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    init(_ value: Value) { self.value = value }

    func withLock<R>(_ body: (inout Value) throws -> R) rethrows -> R {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}

/// A value delivered once, awaited once (the server's port).
final class OneShot<Value: Sendable>: Sendable {
    private let state = Locked<(result: Result<Value, Error>?, waiter: CheckedContinuation<Value, Error>?)>((nil, nil))

    func resume(with result: Result<Value, Error>) {
        let waiter = state.withLock { s -> CheckedContinuation<Value, Error>? in
            guard s.result == nil else { return nil }
            s.result = result
            let w = s.waiter
            s.waiter = nil
            return w
        }
        waiter?.resume(with: result)
    }

    var value: Value {
        get async throws {
            try await withCheckedThrowingContinuation { (c: CheckedContinuation<Value, Error>) in
                let ready = state.withLock { s -> Result<Value, Error>? in
                    if let r = s.result { return r }
                    s.waiter = c
                    return nil
                }
                if let ready { c.resume(with: ready) }
            }
        }
    }
}

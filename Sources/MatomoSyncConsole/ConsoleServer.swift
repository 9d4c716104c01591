import Foundation
import Hummingbird
import HummingbirdAuth
import Logging
import NIOCore

/// `matomo-sync serve`: the console's HTTP server and the scheduler, in one process.
public struct ConsoleServer: Sendable {
    public struct Options: Sendable {
        public var host = "127.0.0.1"
        public var port = 8321
        /// Other names the console answers to (behind a proxy): `--host-name`.
        public var hostNames: [String] = []
        public var behindHTTPS = false
        /// `--metrics-listen`: `/metrics` on an address of its own, without the session.
        public var metricsHost: String?
        public var metricsPort: Int?

        public init() {}
    }

    public let options: Options
    public let backend: ConsoleBackend
    public let passwords: PasswordStore
    public let limiter: SignInLimiter
    let logger: Logger

    public init(options: Options, backend: ConsoleBackend, passwords: PasswordStore, limiter: SignInLimiter = SignInLimiter(),
                logger: Logger = Logger(label: "matomo-sync.console")) {
        self.options = options
        self.backend = backend
        self.passwords = passwords
        self.limiter = limiter
        self.logger = logger
    }

    /// The router with every page and the security middleware, for `serve` and for tests.
    public func makeRouter(port: Int, sessionDriver: any PersistDriver) -> Router<ConsoleContext> {
        let policy = SecurityPolicy(allowedHosts: SecurityPolicy.hosts(listenHost: options.host, port: port, extraNames: options.hostNames),
                                    secureCookies: options.behindHTTPS)
        let sessions = SessionStorage<ConsoleSession>(sessionDriver, configuration: .init(
            sessionCookieParameters: .init(name: CookieName.session, path: "/", secure: options.behindHTTPS, sameSite: .strict)))
        let router = Router(context: ConsoleContext.self)
        router.middlewares.add(ConsoleSecurityMiddleware(policy: policy, sessions: sessions))
        ConsoleRoutes(backend: backend, passwords: passwords, limiter: limiter, sessions: sessions, policy: policy,
                      metricsHere: options.metricsPort == nil).add(to: router)
        return router
    }

    /// Serves until `stopRequested` says stop; then lets the sync in hand commit and returns.
    /// `reloadRequested` is polled: a SIGHUP reloads the config file.
    public func run(stopRequested: @escaping @Sendable () -> String?, reloadRequested: @escaping @Sendable () -> Bool,
                    onListening: @escaping @Sendable (Int) -> Void = { _ in }) async throws {
        let driver = MemoryPersistDriver()
        let router = makeRouter(port: options.port, sessionDriver: driver)
        let app = Application(router: router, configuration: .init(address: .hostname(options.host, port: options.port), serverName: nil),
                              services: [driver], onServerRunning: { channel in onListening(channel.localAddress?.port ?? 0) },
                              logger: logger)
        var metricsApp: Application<RouterResponder<BasicRequestContext>>?
        if let port = options.metricsPort {
            let metricsRouter = Router()
            let metrics = backend.metrics
            metricsRouter.get("/metrics") { _, _ in
                Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"], body: .init(byteBuffer: ByteBuffer(string: metrics.render())))
            }
            metricsApp = Application(router: metricsRouter, configuration: .init(address: .hostname(options.metricsHost ?? "127.0.0.1", port: port)), logger: logger)
        }
        await backend.reload()
        let backend = self.backend
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await app.run() }
            if let metricsApp { group.addTask { try await metricsApp.run() } }
            group.addTask {
                while stopRequested() == nil {
                    if reloadRequested() { await backend.reload() }
                    try? await Task.sleep(for: .milliseconds(250))
                }
            }
            // The scheduler returns once stopped, with the batch in hand committed; then the server goes.
            await backend.runScheduler(stopRequested: stopRequested)
            group.cancelAll()
        }
        await backend.close()
    }
}

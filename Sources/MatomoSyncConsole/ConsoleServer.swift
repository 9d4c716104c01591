import Foundation
import Hummingbird
import HummingbirdAuth
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle

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

    static func checkCanListen(host: String, port: Int, option: String) async throws {
        guard port != 0 else { return }
        do {
            let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .bind(host: host, port: port).get()
            try await channel.close()
        } catch {
            throw ConsoleError("\(option) \(host):\(port): cannot listen there (\(error)); is another server using the port?")
        }
    }

    /// Serves until `stopRequested` says stop; then lets the sync in hand commit and returns.
    /// `reloadRequested` is polled: a SIGHUP reloads the config file.
    public func run(stopRequested: @escaping @Sendable () -> String?, reloadRequested: @escaping @Sendable () -> Bool,
                    onListening: @escaping @Sendable (Int) -> Void = { _ in }) async throws {
        // A port in use is said at once, rather than by a server that never comes up.
        try await Self.checkCanListen(host: options.host, port: options.port, option: "--listen")
        if let port = options.metricsPort { try await Self.checkCanListen(host: options.metricsHost ?? "127.0.0.1", port: port, option: "--metrics-listen") }
        let driver = MemoryPersistDriver()
        let router = makeRouter(port: options.port, sessionDriver: driver)
        let app = Application(router: router, configuration: .init(address: .hostname(options.host, port: options.port), serverName: nil),
                              services: [driver], onServerRunning: { channel in onListening(channel.localAddress?.port ?? 0) },
                              logger: logger)
        var services: [any Service] = [app]
        if let port = options.metricsPort {
            let metricsRouter = Router()
            let metrics = backend.metrics
            metricsRouter.get("/metrics") { _, _ in
                Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"], body: .init(byteBuffer: ByteBuffer(string: metrics.render())))
            }
            services.append(Application(router: metricsRouter, configuration: .init(address: .hostname(options.metricsHost ?? "127.0.0.1", port: port)),
                                        logger: logger))
        }
        await backend.reload()
        let backend = self.backend
        // Signals are the command's: the service group is shut down gracefully once the scheduler stops.
        let serviceGroup = ServiceGroup(configuration: .init(services: services, gracefulShutdownSignals: [], logger: logger))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                do {
                    try await serviceGroup.run()
                } catch {
                    // The server could not listen (or died): stop the scheduler too, and say why.
                    backend.requestStop()
                    throw error
                }
            }
            group.addTask {
                while stopRequested() == nil {
                    if reloadRequested() { await backend.reload() }
                    try? await Task.sleep(for: .milliseconds(250))
                }
            }
            // The scheduler returns once stopped, with the batch in hand committed; then the server goes.
            await backend.runScheduler(stopRequested: stopRequested)
            await serviceGroup.triggerGracefulShutdown()
            try await group.waitForAll()
        }
        await backend.close()
    }
}

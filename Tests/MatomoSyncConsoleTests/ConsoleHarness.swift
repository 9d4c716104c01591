import Foundation
import Hummingbird
import HummingbirdTesting
import MatomoFake
import MatomoSync
@testable import MatomoSyncConsole
import Testing

/// A console over a temporary folder (config, tokens, SQLite warehouse) and an in-process fake
/// Matomo; its scheduler runs in the background until `stop`.
final class ConsoleHarness: Sendable {
    static let password = "correct horse battery"
    let folder: URL
    let fake: FakeMatomo
    let fakeURL: URL
    let backend: ConsoleBackend
    let server: ConsoleServer
    let scheduler: Task<Void, Never>
    let stopFlag = StopFlag()

    final class StopFlag: Sendable {
        let value = Mutex(false)
        var requested: String? { value.withLock { $0 } ? "the test" : nil }
    }

    init(fake configuration: FakeMatomoConfiguration = .init(), traffic: Bool = true, options: ConsoleServer.Options = ConsoleHarness.defaultOptions,
         warehouse: String? = nil) async throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("matomo-console-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        fake = FakeMatomo(configuration: configuration)
        if traffic { fake.generateTraffic(siteId: 1, days: 5, visitsPerDay: 3...6, seed: 7) }
        fakeURL = try await fake.start()
        var settings = ConsoleBackend.Settings(configPath: folder.appendingPathComponent("matomo-sync.toml").path,
                                               warehouseURL: warehouse ?? ("sqlite:" + folder.appendingPathComponent("w.sqlite").path))
        settings.clientConfiguration.maxAttempts = 1
        backend = try ConsoleBackend(settings: settings)
        let passwords = PasswordStore(hash: HummingbirdBcryptHash.hash(Self.password))
        server = ConsoleServer(options: options, backend: backend, passwords: passwords, limiter: SignInLimiter(maxFailures: 5, window: 300))
        let backend = self.backend
        let flag = stopFlag
        scheduler = Task { await backend.runScheduler(stopRequested: { flag.requested }) }
    }

    static var defaultOptions: ConsoleServer.Options {
        var o = ConsoleServer.Options()
        o.port = 8321
        // The router test client sends `Host: localhost`.
        o.hostNames = ["localhost"]
        return o
    }

    var configPath: String { backend.settings.configPath }

    func stop() async {
        stopFlag.value.withLock { $0 = true }
        await scheduler.value
        await backend.close()
        await fake.stop()
        try? FileManager.default.removeItem(at: folder)
    }

    /// Runs `body` with a console, then stops it (scheduler, warehouse, fake, folder), whether `body`
    /// returned or threw: no teardown left running after the test.
    static func with<T>(fake configuration: FakeMatomoConfiguration = .init(), traffic: Bool = true,
                        options: ConsoleServer.Options = ConsoleHarness.defaultOptions, warehouse: String? = nil,
                        _ body: (ConsoleHarness) async throws -> T) async throws -> T {
        let h = try await ConsoleHarness(fake: configuration, traffic: traffic, options: options, warehouse: warehouse)
        do {
            let value = try await body(h)
            await h.stop()
            return value
        } catch {
            await h.stop()
            throw error
        }
    }

    func application() -> some ApplicationProtocol {
        Application(router: server.makeRouter(port: 8321, sessionDriver: MemoryPersistDriver()))
    }

    /// Waits until every table of every source is `synced` (or `failed` when allowed).
    func waitUntilSettled(timeout: Duration = .seconds(60), allowFailed: Bool = false, accept: Set<String> = []) async throws -> [TableRow] {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let sources = await backend.sources
            let statuses = try await backend.status()
            var rows: [TableRow] = []
            for (i, s) in sources.enumerated() {
                rows += TableRows.rows(source: s, index: i, statuses: statuses, progress: backend.progress, redact: { $0 })
            }
            if !rows.isEmpty, rows.allSatisfy({ $0.state == "synced" || accept.contains($0.state) || (allowFailed && $0.state == "failed") }) { return rows }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw ConsoleError("the tables did not settle in time")
    }
}

import HummingbirdBcrypt
import Synchronization

enum HummingbirdBcryptHash {
    /// Cost 4: the lowest bcrypt takes, so the tests spend no time hashing.
    static func hash(_ p: String) -> String { Bcrypt.hash(p, cost: 4) }
}

/// A browser's cookie jar and the page's CSRF token, over the router test client.
struct Browser {
    var cookies: [String: String] = [:]
    var csrf: String?

    var cookieHeader: String { cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; ") }

    mutating func take(_ response: TestResponse) {
        for line in response.headers[values: .setCookie] {
            let pair = line.split(separator: ";", maxSplits: 1)[0].split(separator: "=", maxSplits: 1)
            guard pair.count == 2 else { continue }
            let name = String(pair[0]), value = String(pair[1])
            if value.isEmpty || line.contains("Max-Age=0") { cookies[name] = nil } else { cookies[name] = value }
        }
        let body = String(buffer: response.body)
        if let r = body.range(of: #"name="csrf" value="([0-9a-f]+)""#, options: .regularExpression) {
            csrf = String(body[r].split(separator: "\"")[3])
        }
    }

    mutating func get(_ client: some TestClientProtocol, _ uri: String) async throws -> TestResponse {
        let response = try await client.execute(uri: uri, method: .get, headers: cookies.isEmpty ? [:] : [.cookie: cookieHeader], body: nil)
        take(response)
        return response
    }

    mutating func post(_ client: some TestClientProtocol, _ uri: String, _ fields: [(String, String)], csrf send: Bool = true) async throws -> TestResponse {
        var all = fields
        if send, let csrf { all.append(("csrf", csrf)) }
        let body = all.map { "\(FormBody.encode($0.0))=\(FormBody.encode($0.1))" }.joined(separator: "&")
        var headers: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]
        if !cookies.isEmpty { headers[.cookie] = cookieHeader }
        let response = try await client.execute(uri: uri, method: .post, headers: headers, body: ByteBuffer(string: body))
        take(response)
        return response
    }

    mutating func signIn(_ client: some TestClientProtocol, password: String = ConsoleHarness.password) async throws -> TestResponse {
        _ = try await get(client, "/signin")
        return try await post(client, "/signin", [("password", password)])
    }
}

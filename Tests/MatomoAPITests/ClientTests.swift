import Foundation
import MatomoFake
import Testing
@testable import MatomoAPI

/// The client against the fake Matomo: retries, Retry-After, redirects.
@Suite(.serialized) struct ClientTests {
    static let token = "test-token-0123456789abcdef"

    static func client(_ fake: FakeMatomo, maxAttempts: Int = 1) throws -> MatomoClient {
        var config = ClientConfiguration()
        config.maxAttempts = maxAttempts
        config.retryBaseDelay = .milliseconds(10)
        return try MatomoClient(instance: try InstanceURL(parsing: fake.baseURL!.absoluteString), token: try APIToken(token), configuration: config)
    }

    @Test func connectionRefusedIsRetriedUntilTheServerIsUp() async throws {
        // Find a free port, then sync against it before anything listens there.
        let probe = FakeMatomo()
        let port = try await probe.start().port!
        await probe.stop()
        let late = FakeMatomo(configuration: FakeMatomoConfiguration(token: ClientTests.token))
        late.generateTraffic(siteId: 1, days: 2, visitsPerDay: 3...5, seed: 1)
        var config = ClientConfiguration()
        config.maxAttempts = 20
        config.retryBaseDelay = .milliseconds(100)
        config.maxRetryDelay = .milliseconds(200)
        let client = try MatomoClient(instance: try InstanceURL(parsing: "http://127.0.0.1:\(port)"), token: try APIToken(ClientTests.token), configuration: config)
        let starter = Task {
            try await Task.sleep(for: .milliseconds(400))
            _ = try await late.start(port: port)
        }
        let version = try await client.matomoVersion()
        #expect(version == "5.0.2")
        try await starter.value
        await client.shutdown()
        await late.stop()
    }

    @Test func honoursRetryAfter() async throws {
        try await withFake(configure: {
            $0.faults = FaultPlan(rates: [.tooManyRequests: 1.0], seed: 1, retryAfterSeconds: 1, methods: ["API.getMatomoVersion"])
        }) { fake in
            let client = try Self.client(fake, maxAttempts: 2)
            let started = ContinuousClock.now
            await #expect(throws: MatomoError.self) { _ = try await client.matomoVersion() }
            #expect(ContinuousClock.now - started >= .milliseconds(900))
            await client.shutdown()
        }
    }

    @Test func doesNotFollowRedirects() async throws {
        try await withFake(configure: {
            $0.answerOverride = { _, _ in FakeAnswer(status: 302, body: [], contentType: "text/html") }
        }) { fake in
            let client = try Self.client(fake)
            do {
                _ = try await client.matomoVersion()
                Issue.record("a redirect must not be followed")
            } catch let error as MatomoError {
                guard case .redirected = error else { Issue.record("unexpected \(error)"); return }
                #expect(error.description.contains("never sent after a redirect"))
            }
            await client.shutdown()
            #expect(fake.requests().count == 1)
        }
    }
}

/// A started fake for the length of `body`, stopped however `body` ends.
func withFake<T>(configure: (inout FakeMatomoConfiguration) -> Void = { _ in }, _ body: (FakeMatomo) async throws -> T) async throws -> T {
    var config = FakeMatomoConfiguration(token: ClientTests.token)
    configure(&config)
    let fake = FakeMatomo(configuration: config)
    _ = try await fake.start()
    do {
        let value = try await body(fake)
        await fake.stop()
        return value
    } catch {
        await fake.stop()
        throw error
    }
}

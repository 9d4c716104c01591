import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import Synchronization

/// Talks to one Matomo instance's Reporting API.
///
/// Every call is `POST <endpoint>?module=API&method=M&format=JSON&...` with `token_auth` in the
/// form-encoded body and nowhere else: Matomo 5 tokens are POST-only by default, and a URL ends up
/// in access logs. Redirects are not followed, so the token never travels to another host.
public final class MatomoClient: Sendable {
    public let instance: InstanceURL
    public let configuration: ClientConfiguration
    private let token: APIToken
    private let http: HTTPClient
    private let logger: Logger
    private let limiter: AsyncLimiter
    private let rateLimiter: RateLimiter?
    private let counts = Mutex<[String: Int]>([:])
    /// Set when a request gave up on a refused connection, cleared by any answer: while the server is
    /// down, other requests (the next table, pages in flight) fail at once instead of each retrying.
    private let serverDown = Mutex(false)

    public init(instance: InstanceURL, token: APIToken, configuration: ClientConfiguration = .init(),
                logger: Logger = Logger(label: "matomo-sync.api")) throws {
        self.instance = instance
        self.token = token
        self.configuration = configuration
        self.logger = logger
        self.limiter = AsyncLimiter(limit: configuration.maxConcurrentRequests)
        let limits = configuration.disableRateLimits ? nil
            : configuration.rateLimits ?? (instance.isMatomoCloud ? RateLimits.matomoCloud : nil)
        self.rateLimiter = limits.map(RateLimiter.init)
        var http = HTTPClient.Configuration()
        http.redirectConfiguration = .disallow
        http.timeout = .init(connect: .nanoseconds(Int64(configuration.connectTimeout.components.seconds) * 1_000_000_000),
                             read: .nanoseconds(Int64(configuration.requestTimeout.components.seconds) * 1_000_000_000))
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.certificateVerification = .fullVerification
        if let caFile = configuration.caFile {
            do {
                let certs = try NIOSSLCertificate.fromPEMFile(caFile)
                tls.additionalTrustRoots = [.certificates(certs)]
            } catch {
                throw MatomoError.tlsFailure(host: instance.host, detail: "cannot read the CA file \(caFile): \(error)")
            }
        }
        http.tlsConfiguration = tls
        http.httpVersion = .http1Only
        // The pool would otherwise retry a refused connection silently until the connect timeout
        // (10 s) on every attempt; the retry loop below decides, and says so.
        http.connectionPool.retryConnectionEstablishment = false
        self.http = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: http)
    }

    /// Must be called once the client is no longer needed.
    public func shutdown() async {
        try? await http.shutdown()
    }

    /// The caps in force, for messages and tests.
    public var hasRateLimits: Bool { rateLimiter != nil }

    /// Requests sent so far, by API method (bulk requests count once, as `API.getBulkRequest`).
    public var requestCounts: [String: Int] { counts.withLock { $0 } }
    public var requestTotal: Int { counts.withLock { $0.values.reduce(0, +) } }

    // MARK: Calls

    /// Calls `method` and returns the body, checked to be well-formed JSON that is not a Matomo error.
    /// Transient failures are retried with exponential backoff and jitter, honouring `Retry-After`.
    public func call(_ method: String, _ parameters: [(String, String)] = [],
                     body extraBody: [(String, String)] = []) async throws -> [UInt8] {
        try await call(method, parameters, body: extraBody, validate: true) { $0 }
    }

    /// Calls `method` and reads the body with `decode`, which checks the JSON as it reads it: one pass
    /// over a big answer instead of two. A body `decode` finds malformed (`MatomoError.invalidJSON`,
    /// a cut-off answer) is retried like any transient failure.
    public func call<T>(_ method: String, _ parameters: [(String, String)] = [], body extraBody: [(String, String)] = [],
                        decode: ([UInt8]) throws -> T) async throws -> T {
        try await call(method, parameters, body: extraBody, validate: false, decode: decode)
    }

    private func call<T>(_ method: String, _ parameters: [(String, String)], body extraBody: [(String, String)],
                         validate: Bool, decode: ([UInt8]) throws -> T) async throws -> T {
        var attempt = 0
        while true {
            attempt += 1
            do {
                let bytes = try await callOnce(method, parameters, extraBody, validate: validate)
                serverDown.withLock { $0 = false }
                do {
                    return try decode(bytes)
                } catch let error as MatomoError {
                    if case .invalidJSON = error { throw RetryableFailure(error: error, retryAfter: nil) }
                    // An unexpected shape may only be the start of a cut-off body: check the whole
                    // body (on this failure path only) before calling it final.
                    var reader = JSONReader(bytes)
                    do {
                        try reader.skipValue()
                        try reader.expectEnd()
                    } catch let broken as JSONReadError {
                        throw RetryableFailure(error: .invalidJSON(method: method, detail: broken.description), retryAfter: nil)
                    }
                    throw error
                }
            } catch let failure as RetryableFailure {
                let attempts = configuration.maxAttempts
                if failure.refused, attempt >= attempts || serverDown.withLock({ $0 }) {
                    serverDown.withLock { $0 = true }
                    throw failure.error
                }
                guard attempt < attempts, !Task.isCancelled else { throw failure.error }
                let delay = failure.refused ? min(configuration.refusedRetryDelay * (1 << min(attempt - 1, 16)), configuration.maxRetryDelay)
                    : backoff(attempt: attempt, retryAfter: failure.retryAfter)
                let seconds = Double(delay.components.seconds) + Double(delay.components.attoseconds) / 1e18
                logger.warning("\(method) failed, retrying in \(roundedSeconds(seconds)) (attempt \(attempt + 1) of \(attempts)): \(failure.error)")
                try await Task.sleep(for: delay)
            }
        }
    }

    /// `API.getMatomoVersion`.
    public func matomoVersion() async throws -> String {
        let body = try await call("API.getMatomoVersion")
        var reader = JSONReader(body)
        do {
            if try reader.peek() == .object, let value = try reader.readRow().field("value")?.text { return value }
        } catch {}
        throw MatomoError.unexpectedAnswer(method: "API.getMatomoVersion", detail: "no version in the answer")
    }

    /// `SitesManager.getSiteFromId`: name and timezone.
    public func site(id: Int) async throws -> SiteInfo {
        let body = try await call("SitesManager.getSiteFromId", [("idSite", String(id))])
        return try SiteInfo.parse(body, siteId: id)
    }

    /// `SitesManager.getSitesIdWithAtLeastViewAccess`: every site the token can view.
    public func viewableSiteIds() async throws -> [Int] {
        let method = "SitesManager.getSitesIdWithAtLeastViewAccess"
        let body = try await call(method)
        var reader = JSONReader(body)
        var ids: [Int] = []
        do {
            try reader.readArray { r in
                guard let id = try r.readField().intValue, id > 0 else {
                    throw MatomoError.unexpectedAnswer(method: method, detail: "a site ID is not a positive integer")
                }
                ids.append(Int(id))
            }
        } catch let error as JSONReadError {
            throw MatomoError.invalidJSON(method: method, detail: error.description)
        }
        return ids.sorted()
    }

    /// `API.getBulkRequest`: several calls in one request; the answer is a JSON array with one
    /// element per call, errors inline. The sub-requests go in the body: they can be long.
    public func bulk(_ requests: [[(String, String)]]) async throws -> [UInt8] {
        var body: [(String, String)] = []
        for (i, params) in requests.enumerated() {
            body.append(("urls[\(i)]", FormEncoding.encode(params)))
        }
        return try await call("API.getBulkRequest", [], body: body)
    }

    // MARK: One attempt

    private struct RetryableFailure: Error {
        var error: MatomoError
        var retryAfter: Duration?
        /// Nothing listens on the port: retried quickly, a few times only.
        var refused = false
    }

    private func callOnce(_ method: String, _ parameters: [(String, String)],
                          _ extraBody: [(String, String)], validate: Bool) async throws -> [UInt8] {
        let query = [("module", "API"), ("method", method), ("format", "JSON")] + parameters
        var request = HTTPClientRequest(url: instance.endpoint + "?" + FormEncoding.encode(query))
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        request.headers.add(name: "User-Agent", value: configuration.userAgent)
        request.headers.add(name: "Accept", value: "application/json")
        let body = FormEncoding.encode(extraBody + [("token_auth", token.secret)])
        request.body = .bytes(ByteBuffer(string: body))

        counts.withLock { $0[method, default: 0] += 1 }
        logger.debug("POST \(method) \(parameters.map { "\($0.0)=\($0.1)" }.joined(separator: "&"))")
        let status: Int
        let headers: HTTPHeaders
        var buffer: ByteBuffer
        try await rateLimiter?.admit(method: method)
        await limiter.acquire()
        do {
            let response = try await http.execute(request, timeout: .seconds(Int64(configuration.requestTimeout.components.seconds)))
            status = Int(response.status.code)
            headers = response.headers
            buffer = try await response.body.collect(upTo: configuration.maxBodyBytes)
            await limiter.release()
        } catch {
            await limiter.release()
            throw classify(transportError: error, method: method)
        }
        let bytes = buffer.readBytes(length: buffer.readableBytes) ?? []
        return try check(bytes, status: status, headers: headers, method: method, validate: validate)
    }

    /// Turns an answer into bytes or the right error; `validate`: checks the whole body is JSON.
    private func check(_ bytes: [UInt8], status: Int, headers: HTTPHeaders, method: String, validate: Bool) throws -> [UInt8] {
        let retryAfter = headers.first(name: "Retry-After").flatMap { Int($0) }.map { Duration.seconds($0) }
        if (300..<400).contains(status) {
            throw MatomoError.redirected(method: method, status: status,
                                         location: headers.first(name: "Location") ?? "(no Location)")
        }
        let first = bytes.first { !($0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09) }
        let looksJSON = first == UInt8(ascii: "{") || first == UInt8(ascii: "[") || first == UInt8(ascii: "\"")
            || first.map { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "t") || $0 == UInt8(ascii: "f") || $0 == UInt8(ascii: "n") } == true
        // Matomo's index.php answers every POST, errors included, with 200 (401 for auth); these
        // statuses come from a web server with no Matomo behind the address.
        if [404, 405, 501].contains(status), Self.errorMessage(in: bytes) == nil {
            throw MatomoError.notMatomo(status: status, snippet: snippet(bytes))
        }
        guard looksJSON else {
            let error: MatomoError = status >= 400
                ? .httpStatus(method: method, status: status, snippet: snippet(bytes))
                : .notJSON(method: method, status: status, snippet: snippet(bytes))
            if error.isTransient { throw RetryableFailure(error: error, retryAfter: retryAfter) }
            throw error
        }
        // One pass over the whole body: a cut-off answer is caught here and retried.
        var reader = JSONReader(bytes)
        do {
            if validate || status >= 400 {
                try reader.skipValue()
                try reader.expectEnd()
            }
        } catch let error as JSONReadError {
            let failure = status >= 400 ? MatomoError.httpStatus(method: method, status: status, snippet: snippet(bytes))
                : MatomoError.invalidJSON(method: method, detail: error.description)
            if failure.isTransient { throw RetryableFailure(error: failure, retryAfter: retryAfter) }
            throw failure
        }
        if let message = Self.errorMessage(in: bytes) {
            let error = MatomoError.api(method: method, status: status, message: token.redact(message))
            if error.isTransient { throw RetryableFailure(error: error, retryAfter: retryAfter) }
            throw error
        }
        if status >= 400 {
            let error = MatomoError.httpStatus(method: method, status: status, snippet: snippet(bytes))
            if error.isTransient { throw RetryableFailure(error: error, retryAfter: retryAfter) }
            throw error
        }
        return bytes
    }

    /// The message of a `{"result":"error","message":...}` body, or nil. Matomo writes `result` first.
    public static func errorMessage(in bytes: [UInt8]) -> String? {
        var reader = JSONReader(bytes)
        guard (try? reader.peek()) == .object else { return nil }
        var result: String?
        var message: String?
        var firstKey = true
        do {
            try reader.readObject { r, key in
                if firstKey && key != "result" { throw CancellationError() }
                firstKey = false
                switch key {
                case "result": result = try r.readField().text
                case "message": message = try r.readField().text
                default: try r.skipValue()
                }
            }
        } catch {
            return nil
        }
        guard result == "error" else { return nil }
        return message ?? "(no message)"
    }

    private func classify(transportError error: any Error, method: String) -> any Error {
        let text = String(describing: error)
        if error is CancellationError { return error }
        if let e = error as? HTTPClientError {
            if e == .deadlineExceeded || e == .readTimeout || e == .connectTimeout {
                return RetryableFailure(error: .timeout(method: method, seconds: Int(configuration.requestTimeout.components.seconds)), retryAfter: nil)
            }
            if e == .remoteConnectionClosed || e == .cancelled {
                return RetryableFailure(error: .unreachable(host: instance.host, detail: "connection closed during the answer"), retryAfter: nil)
            }
        }
        if error is NIOTooManyBytesError {
            return MatomoError.unexpectedAnswer(method: method, detail: "answer larger than \(configuration.maxBodyBytes) bytes")
        }
        if text.contains("WRONG_VERSION_NUMBER") || text.lowercased().contains("wrong version number") {
            // BoringSSL's word for a first answer that is not TLS: usually plain HTTP.
            return MatomoError.plainHTTP(host: instance.host, httpURL: "http://" + instance.endpoint.drop { $0 != ":" }.dropFirst(3).dropLast("index.php".count))
        }
        if error is NIOSSLError || text.contains("NIOSSL") || text.contains("handshake") || text.contains("certificate") {
            return MatomoError.tlsFailure(host: instance.host, detail: token.redact(text))
        }
        if let e = error as? NIOConnectionError, e.connectionErrors.isEmpty, e.dnsAError != nil || e.dnsAAAAError != nil {
            // No address to try: a name that does not resolve will not resolve a second later either.
            return MatomoError.unreachable(host: instance.host, detail: "the host name does not resolve")
        }
        if text.contains("NXDOMAIN") || text.contains("resolve") || text.contains("getaddrinfo") {
            return MatomoError.unreachable(host: instance.host, detail: "the host name does not resolve")
        }
        if text.contains("refused") {
            return RetryableFailure(error: .unreachable(host: instance.host, detail: "connection refused"), retryAfter: nil, refused: true)
        }
        return RetryableFailure(error: .unreachable(host: instance.host, detail: token.redact(text)), retryAfter: nil)
    }

    private func backoff(attempt: Int, retryAfter: Duration?) -> Duration {
        if let retryAfter { return min(retryAfter, configuration.maxRetryDelay * 5) }
        let exp = configuration.retryBaseDelay * (1 << min(attempt - 1, 16))
        let capped = min(exp, configuration.maxRetryDelay)
        return capped * Double.random(in: 0.5...1.0)
    }

    private func snippet(_ bytes: [UInt8]) -> String {
        var text = String(decoding: bytes.prefix(2000), as: UTF8.self)
        if let title = text.range(of: "<title>", options: .caseInsensitive),
           let end = text.range(of: "</title>", options: .caseInsensitive, range: title.upperBound..<text.endIndex) {
            text = String(text[title.upperBound..<end.lowerBound])
        }
        let flat = text.unicodeScalars.map { $0.value < 0x20 ? " " : String($0) }.joined()
            .split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
        return token.redact(String(flat.prefix(120)))
    }
}

extension MatomoClient {
    /// A fixed description that never shows the token.
    public var debugSummary: String { "MatomoClient(\(instance))" }
}

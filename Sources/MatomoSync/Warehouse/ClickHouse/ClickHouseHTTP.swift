import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Synchronization

/// ClickHouse's HTTP interface: one statement per POST, the SQL (and an INSERT's rows) in the body,
/// the password in a Basic Authorization header, never in the URL. Redirects are not followed, so
/// the credentials cannot leave the host.
final class ClickHouseHTTP: Sendable {
    /// Created on first use, so a warehouse opened and never used holds no connection pool.
    private let pool = Mutex<HTTPClient?>(nil)
    private let configuration: HTTPClient.Configuration
    let endpoint: String
    let authorization: String?
    let database: String
    let displayName: String

    init(url: ServerURL, displayName: String) {
        let https = url.scheme == "clickhouses"
        let host = url.host.contains(":") ? "[\(url.host)]" : url.host
        endpoint = "\(https ? "https" : "http")://\(host):\(url.port ?? (https ? 8443 : 8123))/"
        let user = url.user ?? "default"
        authorization = "Basic " + Data("\(user):\(url.password ?? "")".utf8).base64EncodedString()
        database = url.database ?? "default"
        self.displayName = displayName
        var config = HTTPClient.Configuration()
        config.redirectConfiguration = .disallow
        config.timeout = .init(connect: .seconds(10), read: .seconds(900))
        configuration = config
    }

    deinit {
        // A safety net for a warehouse dropped without close(): an HTTPClient must not die running.
        if let client = pool.withLock({ $0 }) {
            Task.detached { try? await client.shutdown() }
        }
    }

    private var client: HTTPClient {
        pool.withLock { existing in
            if let existing { return existing }
            let made = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
            existing = made
            return made
        }
    }

    /// Runs one statement and returns the answer's body.
    /// - `inDatabase`: false for `CREATE DATABASE`, which must not name a database that may not exist yet.
    /// - `readOnly`: the server refuses anything but reads (`readonly=2`).
    @discardableResult
    func run(_ sql: String, inDatabase: Bool = true, readOnly: Bool = false) async throws -> String {
        try await run(Array(sql.utf8), inDatabase: inDatabase, readOnly: readOnly)
    }

    /// The same, for a body built as bytes (an INSERT with its rows).
    @discardableResult
    func run(_ sql: [UInt8], inDatabase: Bool = true, readOnly: Bool = false) async throws -> String {
        var params: [URLQueryItem] = []
        if inDatabase { params.append(URLQueryItem(name: "database", value: database)) }
        if readOnly { params.append(URLQueryItem(name: "readonly", value: "2")) }
        var components = URLComponents(string: endpoint)!
        components.queryItems = params.isEmpty ? nil : params
        var request = HTTPClientRequest(url: components.string ?? endpoint)
        request.method = .POST
        if let authorization { request.headers.add(name: "Authorization", value: authorization) }
        request.headers.add(name: "Content-Type", value: "text/plain; charset=utf-8")
        request.body = .bytes(ByteBuffer(bytes: sql))
        let status: HTTPResponseStatus
        let body: ByteBuffer
        do {
            let response = try await client.execute(request, timeout: .seconds(900))
            status = response.status
            body = try await response.body.collect(upTo: 1 << 30)
        } catch {
            if Task.isCancelled { throw CancellationError() }
            throw SyncError.warehouse("cannot reach \(displayName): \(error); check the host and port of --warehouse (ClickHouse's HTTP port, 8123 by default)")
        }
        let text = String(buffer: body)
        guard status == .ok else {
            throw SyncError.warehouse("\(displayName): \(Self.serverMessage(text, status: status))")
        }
        return text
    }

    /// `Code: 60, e.displayText() = DB::Exception: Table x doesn't exist., e.what() = DB::Exception`
    /// becomes `Code: 60, DB::Exception: Table x doesn't exist.`
    static func serverMessage(_ text: String, status: HTTPResponseStatus) -> String {
        var line = text.split(whereSeparator: \.isNewline).first.map(String.init) ?? "HTTP \(status.code)"
        line = line.replacingOccurrences(of: "e.displayText() = ", with: "")
        if let r = line.range(of: ", e.what() = ") { line = String(line[..<r.lowerBound]) }
        if line.count > 1000 { line = String(line.prefix(1000)) + "..." }
        if status == .unauthorized || line.contains("Code: 516") || line.contains("Code: 192") || line.contains("Code: 193") {
            line += " (check the user and password in --warehouse or MATOMO_WAREHOUSE)"
        }
        return line
    }

    func shutdown() async {
        let client = pool.withLock { existing in
            defer { existing = nil }
            return existing
        }
        // Detached: a cancelled sync still closes its client (a cancelled shutdown would leave it running).
        guard let client else { return }
        await Task.detached { try? await client.shutdown() }.value
    }
}

/// A ClickHouse string literal: backslash escapes, as the server reads them.
func chString(_ s: String) -> String {
    var out = "'"
    for ch in s.unicodeScalars {
        switch ch {
        case "\\": out += "\\\\"
        case "'": out += "\\'"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        case "\0": out += "\\0"
        default: out.unicodeScalars.append(ch)
        }
    }
    return out + "'"
}

/// Backquoted identifiers: ClickHouse 18.16 accepts double quotes too, but backquotes are its own.
func chName(_ identifier: String) -> String {
    "`" + identifier.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "`", with: "\\`") + "`"
}

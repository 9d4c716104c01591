import AsyncHTTPClient
import Foundation
import NIOCore

/// The two doors of a Matomo the generator uses: the Reporting API (`index.php`, form-encoded POST,
/// token in the body) to create sites and goals, and the Tracking API (`matomo.php`, JSON bulk).
struct MatomoHTTP {
    let base: String
    let token: String
    let http = HTTPClient(eventLoopGroupProvider: .singleton)

    func shutdown() async { try? await http.shutdown() }

    /// One Reporting API call; the parsed JSON answer. Matomo's `{"result":"error"}` becomes a thrown error.
    func api(_ method: String, _ parameters: [(String, String)]) async throws -> Any {
        var request = HTTPClientRequest(url: base + "/index.php?module=API&format=JSON&method=" + method)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        let form = ([("token_auth", token)] + parameters).map { "\(Self.encode($0.0))=\(Self.encode($0.1))" }.joined(separator: "&")
        request.body = .bytes(ByteBuffer(string: form))
        let body = try await send(request)
        let value = try JSONSerialization.jsonObject(with: body, options: [.fragmentsAllowed])
        if let object = value as? [String: Any], object["result"] as? String == "error" {
            throw TrafficError("\(method): \(object["message"] ?? "error")")
        }
        return value
    }

    /// One Tracking API bulk request; throws unless every request was tracked.
    func track(_ queries: [String]) async throws {
        var request = HTTPClientRequest(url: base + "/matomo.php")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        let payload = try JSONSerialization.data(withJSONObject: ["requests": queries, "token_auth": token])
        request.body = .bytes(ByteBuffer(bytes: payload))
        let body = try await send(request)
        guard let answer = try? JSONSerialization.jsonObject(with: body) as? [String: Any],
              answer["status"] as? String == "success", (answer["tracked"] as? Int) == queries.count else {
            throw TrafficError("bulk of \(queries.count) tracking requests: \(String(decoding: body.prefix(300), as: UTF8.self))")
        }
    }

    private func send(_ request: HTTPClientRequest) async throws -> Data {
        let response = try await http.execute(request, timeout: .seconds(600))
        let body = try await response.body.collect(upTo: 64 << 20)
        guard response.status == .ok else {
            throw TrafficError("HTTP \(response.status.code) from \(request.url.split(separator: "?")[0]): \(String(buffer: body).prefix(300))")
        }
        return Data(body.readableBytesView)
    }

    static func encode(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }
}

struct TrafficError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

import Foundation
import MatomoFake
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// One HTTP answer.
struct RawAnswer {
    var status: Int
    var body: Data
    var text: String { String(decoding: body, as: UTF8.self) }

    func shape() throws -> AnswerShape { try AnswerShape.of(json: Array(body)) }
}

/// POSTs `index.php?<query>` with a form body, as matomo-sync does.
func post(_ base: String, query: [(String, String)], body: [(String, String)]) async throws -> RawAnswer {
    let root = base.hasSuffix("/") ? base : base + "/"
    let url = URL(string: root + "index.php?" + formEncode(query))!
    var request = URLRequest(url: url)
    request.httpMethod = "POST"
    request.setValue("application/x-www-form-urlencoded", forHTTPHeaderField: "Content-Type")
    request.httpBody = Data(formEncode(body).utf8)
    request.timeoutInterval = 300
    let (data, response) = try await URLSession.shared.data(for: request)
    return RawAnswer(status: (response as! HTTPURLResponse).statusCode, body: data)
}

func formEncode(_ pairs: [(String, String)]) -> String {
    var allowed = CharacterSet.alphanumerics
    allowed.insert(charactersIn: "-._~")
    return pairs.map { "\($0.0.addingPercentEncoding(withAllowedCharacters: allowed)!)=\($0.1.addingPercentEncoding(withAllowedCharacters: allowed)!)" }
        .joined(separator: "&")
}

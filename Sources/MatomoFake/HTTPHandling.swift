import Hummingbird

/// The HTTP face of the fake: /index.php (also under a sub-path), GET or POST, module=API,
/// Matomo 5's token rules, JSON answers with `application/json; charset=utf-8`.
extension FakeMatomo {
    func respond(to request: Request) async -> Response {
        let path = request.uri.path
        let body: [UInt8]
        do {
            let buffer = try await request.body.collect(upTo: 64 << 20)
            body = Array(buffer.readableBytesView)
        } catch {
            return Self.text(413, "Request Entity Too Large")
        }
        let contentType = request.headers[.contentType]?.lowercased() ?? ""
        // PHP only fills $_POST from a form-encoded (or multipart) body.
        let bodyPairs = request.method == .post && contentType.hasPrefix("application/x-www-form-urlencoded")
            ? decodeForm(Substring(decoding: body, as: UTF8.self)) : []
        let params = RequestParams(query: decodeForm(Substring(request.uri.query ?? "")), body: bodyPairs)
        record(RecordedRequest(
            httpMethod: request.method.rawValue, path: path, query: params.dictionaryQuery, body: params.dictionaryBody,
            apiMethod: params["method"] ?? "",
            bulkMethods: params.bulkURLs.map { url in decodeForm(Substring(url)).last { $0.0 == "method" }?.1 ?? "" }))
        await hold.pass()

        if configuration.latency > .zero {
            try? await Task.sleep(for: configuration.latency)
        }
        if let fault = faults?.draw(method: params["method"] ?? "") {
            return await faultResponse(fault)
        }
        if let override = configuration.answerOverride,
           let answer = override(params["method"] ?? "", params.dictionaryQuery.merging(params.dictionaryBody) { $1 }) {
            return Response(status: .init(code: answer.status), headers: [.contentType: answer.contentType],
                            body: .init(byteBuffer: ByteBuffer(bytes: answer.body)))
        }
        guard path == "/index.php" || path.hasSuffix("/index.php") else { return Self.text(404, "Not Found") }
        guard request.method == .get || request.method == .post else { return Self.text(405, "Method Not Allowed") }
        // Without module=API Matomo serves its HTML UI (the login form for a stranger).
        guard params["module"] == "API" else {
            return Self.html("<!DOCTYPE html><html><head><title>Sign in - Matomo</title></head><body><form id=\"login_form\"></form></body></html>")
        }
        let json = (params["format"] ?? "xml").lowercased() == "json"

        // Matomo 5 secure-only token: accepted only from the POST body. A rejected token sent in the
        // query string gets the longer message that mentions POST.
        var authenticated = false
        if let token = params.bodyValue("token_auth"), !token.isEmpty {
            guard token == configuration.token else { return Self.error(.wrongToken, json: json) }
            authenticated = true
        } else if let token = params.queryValue("token_auth"), !token.isEmpty {
            guard token == configuration.token, !configuration.tokenMustBePosted else {
                return Self.error(.tokenNotPosted, json: json)
            }
            authenticated = true
        }

        let context = makeContext(authenticated: authenticated)
        do {
            let answer = try APIDispatcher.call(params, context)
            await simulateServerCost(answer)
            if json {
                switch answer {
                case .bytes(let bytes): return Self.json(200, bytes)
                case .visits(let stream) where stream.count <= VisitStream.chunkSize: return Self.json(200, stream.materialize())
                case .visits(let stream): return Self.streamed(stream)
                }
            }
            if params["method"] == "API.getMatomoVersion" {
                return Self.xml("<?xml version=\"1.0\" encoding=\"utf-8\" ?>\n<result>\(Self.xmlEscape(configuration.version))</result>")
            }
            return Self.xml(Self.xmlError("The fake Matomo server only renders format=JSON."))
        } catch {
            return Self.error(error, json: json)
        }
    }

    /// A real Matomo's time grows with the visits it loads: `rowCost` per visit of a Live answer.
    private func simulateServerCost(_ answer: APIOutput) async {
        guard case .visits(let stream) = answer, configuration.rowCost > .zero, stream.count > 0 else { return }
        try? await Task.sleep(for: configuration.rowCost * stream.count)
    }

    private static func error(_ error: MatomoError, json: Bool) -> Response {
        if json { return Self.json(error.status, JSONWriter.error(error.message)) }
        return Self.xml(xmlError(error.message), status: error.status)
    }

    private static func json(_ status: Int, _ bytes: [UInt8]) -> Response {
        Response(status: .init(code: status), headers: [.contentType: "application/json; charset=utf-8"],
                 body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    /// Chunked answer, rendered chunk by chunk into one reused buffer (a year of visits is ~400 MB of JSON).
    private static func streamed(_ stream: VisitStream) -> Response {
        let body = ResponseBody { writer in
            var w = JSONWriter(capacity: VisitStream.chunkSize * 4096, intsAsStrings: stream.intsAsStrings)
            w.beginArray()
            var position = 0
            while position < stream.count {
                let end = min(stream.count, position + VisitStream.chunkSize)
                stream.render(position..<end, into: &w)
                if end == stream.count { w.endArray() }
                try await writer.write(ByteBuffer(bytes: w.bytes))
                w.bytes.removeAll(keepingCapacity: true)
                position = end
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8"], body: body)
    }

    private static func xml(_ text: String, status: Int = 200) -> Response {
        Response(status: .init(code: status), headers: [.contentType: "text/xml; charset=utf-8"],
                 body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    private static func html(_ text: String) -> Response {
        Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    private static func text(_ status: Int, _ text: String) -> Response {
        Response(status: .init(code: status), headers: [.contentType: "text/plain; charset=utf-8"],
                 body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    private static func xmlError(_ message: String) -> String {
        "<?xml version=\"1.0\" encoding=\"utf-8\" ?>\n<result>\n\t<error message=\"\(xmlEscape(message))\" />\n</result>"
    }

    private static func xmlEscape(_ s: String) -> String {
        var out = ""
        for ch in s {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            default: out.append(ch)
            }
        }
        return out
    }
}

import Foundation
import Hummingbird

/// A fault the fake can inject instead of answering, as real servers, proxies and networks do.
public enum FakeFault: String, Sendable, CaseIterable, Hashable {
    /// HTTP 429 with `Retry-After`.
    case tooManyRequests
    /// HTTP 500, 502 or 503 with an HTML error page.
    case serverError
    /// Headers sent, then the connection closes with no body.
    case connectionReset
    /// Half of a real answer, then the connection closes.
    case cutMidBody
    /// HTTP 200 with JSON cut short, well-framed (Content-Length matches).
    case truncatedJSON
    /// HTTP 200 with an HTML page (maintenance mode, a proxy's page).
    case htmlPage
    /// No answer for `FaultPlan.hang` (longer than the client's timeout in tests).
    case timeout
}

/// Which faults, how often, reproducibly.
public struct FaultPlan: Sendable {
    /// Probability of each fault per request; the rest answer normally.
    public var rates: [FakeFault: Double]
    public var seed: UInt64
    public var hang: Duration = .seconds(3)
    public var retryAfterSeconds: Int = 0
    /// Only requests for these API methods get faults (nil: all).
    public var methods: Set<String>?

    public init(rates: [FakeFault: Double], seed: UInt64, hang: Duration = .seconds(3), retryAfterSeconds: Int = 0,
                methods: Set<String>? = nil) {
        self.rates = rates
        self.seed = seed
        self.hang = hang
        self.retryAfterSeconds = retryAfterSeconds
        self.methods = methods
    }
}

/// An answer a test forces for a request, bypassing the API (hostile bodies, rare Matomo errors).
public struct FakeAnswer: Sendable {
    public var status: Int
    public var body: [UInt8]
    public var contentType: String

    public init(status: Int = 200, body: [UInt8], contentType: String = "application/json; charset=utf-8") {
        self.status = status
        self.body = body
        self.contentType = contentType
    }

    /// Matomo's error shape.
    public static func matomoError(_ message: String, status: Int = 200) -> FakeAnswer {
        FakeAnswer(status: status, body: JSONWriter.error(message))
    }
}

/// Draws faults from a seeded generator, one draw per request, and counts them.
final class FaultInjector: Sendable {
    let plan: FaultPlan
    private let state: Locked<(random: SeededRandom, counts: [FakeFault: Int])>

    init(plan: FaultPlan) {
        self.plan = plan
        state = Locked((SeededRandom(seed: plan.seed), [:]))
    }

    func draw(method: String) -> FakeFault? {
        if let methods = plan.methods, !methods.contains(method) { return nil }
        return state.withLock { s in
            let x = Double.random(in: 0..<1, using: &s.random)
            var acc = 0.0
            for fault in FakeFault.allCases {
                acc += plan.rates[fault] ?? 0
                if x < acc {
                    s.counts[fault, default: 0] += 1
                    return fault
                }
            }
            return nil
        }
    }

    var counts: [FakeFault: Int] { state.withLock { $0.counts } }
}

struct InjectedFault: Error {}

extension FakeMatomo {
    /// Faults injected so far, by kind.
    public func faultsInjected() -> [FakeFault: Int] { faults?.counts ?? [:] }

    func faultResponse(_ fault: FakeFault) async -> Response {
        let plan = faults!.plan
        switch fault {
        case .tooManyRequests:
            return Response(status: .tooManyRequests,
                            headers: [.contentType: "text/html; charset=utf-8", .retryAfter: String(plan.retryAfterSeconds)],
                            body: .init(byteBuffer: ByteBuffer(string: "<html><head><title>429 Too Many Requests</title></head></html>")))
        case .serverError:
            let code = [500, 502, 503][Int.random(in: 0..<3)]
            return Response(status: .init(code: code), headers: [.contentType: "text/html; charset=utf-8"],
                            body: .init(byteBuffer: ByteBuffer(string: "<html><head><title>\(code) Server Error</title></head><body>nginx</body></html>")))
        case .connectionReset, .cutMidBody:
            let partial = fault == .cutMidBody ? #"[{"idSite":1,"idVisit":1,"visitIp":"84.130."#.utf8 : "".utf8
            let body = ResponseBody { writer in
                if !partial.isEmpty { try await writer.write(ByteBuffer(bytes: Array(partial))) }
                throw InjectedFault()
            }
            return Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8"], body: body)
        case .truncatedJSON:
            return Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8"],
                            body: .init(byteBuffer: ByteBuffer(string: #"{"2026-11-25":{"nb_uniq_visitors":27,"nb_vis"#)))
        case .htmlPage:
            return Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8"],
                            body: .init(byteBuffer: ByteBuffer(string: "<!DOCTYPE html><html><head><title>Matomo is under maintenance</title></head><body>We'll be back soon.</body></html>")))
        case .timeout:
            try? await Task.sleep(for: plan.hang)
            return Response(status: .gatewayTimeout, headers: [.contentType: "text/plain"], body: .init(byteBuffer: ByteBuffer(string: "late")))
        }
    }
}

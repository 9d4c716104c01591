import Foundation
import Hummingbird
import Logging
import MatomoSync
import NIOCore
import ServiceLifecycle

/// `/metrics` on an address of its own: `serve --metrics-listen` and `run --metrics-listen`.
public enum MetricsEndpoint {
    /// Refuses an address that cannot be listened on, before anything starts.
    public static func check(host: String, port: Int) async throws {
        try await ConsoleServer.checkCanListen(host: host, port: port, option: "--metrics-listen")
    }

    /// Serves `metrics` until the task is cancelled.
    public static func serve(_ metrics: ConsoleMetrics, host: String, port: Int, logger: Logger = Logger(label: "matomo-sync.metrics")) async throws {
        try await ConsoleServer.checkCanListen(host: host, port: port, option: "--metrics-listen")
        let router = Router()
        router.get("/metrics") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"], body: .init(byteBuffer: ByteBuffer(string: metrics.render())))
        }
        try await Application(router: router, configuration: .init(address: .hostname(host, port: port)), logger: logger).run()
    }
}

/// Passes the engine's events on, and counts them into the metrics (what `run` reports with
/// `--metrics-listen`).
public struct MetricsProgress: SyncProgress {
    let inner: any SyncProgress
    let live: LiveProgress

    public init(_ inner: any SyncProgress, metrics: ConsoleMetrics) {
        self.inner = inner
        self.live = LiveProgress(metrics: metrics, keepsFinished: false)
    }

    public func report(_ event: SyncEvent) {
        live.report(event)
        inner.report(event)
    }
}

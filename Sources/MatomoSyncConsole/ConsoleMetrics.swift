import Foundation
import MatomoSync
import Prometheus
import Synchronization

/// The Prometheus metrics of `serve` (and `run --metrics-listen`): rows and requests per table,
/// last success, failures, run durations, syncs in progress.
public final class ConsoleMetrics: Sendable {
    public let registry = PrometheusCollectorRegistry()
    private let inProgressGauge: Gauge
    private let count = Mutex(0)

    public init() {
        inProgressGauge = registry.makeGauge(name: "matomo_sync_tables_in_progress", help: "Tables syncing right now")
    }

    func inProgress(delta: Int) {
        let value = count.withLock { c -> Int in
            c = max(0, c + delta)
            return c
        }
        inProgressGauge.set(Double(value))
    }

    func finished(_ report: TableReport, at date: Date) {
        let labels = [("instance", report.instance), ("site", String(report.siteId)),
                      ("table", report.physicalTable.isEmpty ? report.table.rawValue : report.physicalTable)]
        registry.makeCounter(name: "matomo_sync_rows_total", labels: labels, help: "Rows written").increment(by: Int64(report.rows))
        registry.makeCounter(name: "matomo_sync_requests_total", labels: labels, help: "Requests sent to Matomo").increment(by: Int64(report.requests))
        registry.makeCounter(name: "matomo_sync_runs_total", labels: labels, help: "Table runs finished").increment()
        let failures = registry.makeCounter(name: "matomo_sync_failures_total", labels: labels, help: "Table runs that failed")
        if report.error != nil {
            failures.increment()
        } else {
            failures.increment(by: Int64(0))
            registry.makeGauge(name: "matomo_sync_last_success_timestamp_seconds", labels: labels,
                               help: "When the table last synced without error (Unix time)").set(date.timeIntervalSince1970)
        }
        registry.makeDurationHistogram(name: "matomo_sync_run_duration_seconds", labels: labels,
                                       buckets: [.seconds(1), .seconds(5), .seconds(30), .seconds(120), .seconds(600), .seconds(3600)],
                                       help: "How long a table's run took")
            .recordNanoseconds(Int64(report.seconds * 1e9))
    }

    /// The text exposition format.
    public func render() -> String { registry.emitToString() }
}

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
        inProgressGauge = registry.makeGauge(descriptor: Self.name("tables_in_progress", help: "Tables syncing right now"))
    }

    /// `matomo_sync_<name>_<unit>`.
    static func name(_ name: String, unit: String = "", help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "matomo_sync", metricName: name, unitName: unit, helpText: help)
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
        registry.makeCounter(descriptor: Self.name("rows", unit: "total", help: "Rows written"), labels: labels).increment(by: Int64(report.rows))
        registry.makeCounter(descriptor: Self.name("requests", unit: "total", help: "Requests sent to Matomo"), labels: labels).increment(by: Int64(report.requests))
        registry.makeCounter(descriptor: Self.name("runs", unit: "total", help: "Table runs finished"), labels: labels).increment()
        // Created on success too, so a table's failures read 0 rather than missing.
        let failures = registry.makeCounter(descriptor: Self.name("failures", unit: "total", help: "Table runs that failed"), labels: labels)
        if report.error != nil {
            failures.increment()
        } else {
            registry.makeGauge(descriptor: Self.name("last_success_timestamp", unit: "seconds", help: "When the table last synced without error (Unix time)"),
                               labels: labels).set(date.timeIntervalSince1970)
        }
        registry.makeDurationHistogram(descriptor: Self.name("run_duration", unit: "seconds", help: "How long a table's run took"), labels: labels,
                                       buckets: [.seconds(1), .seconds(5), .seconds(30), .seconds(120), .seconds(600), .seconds(3600)])
            .recordNanoseconds(Int64(report.seconds * 1e9))
    }

    /// The text exposition format.
    public func render() -> String { registry.emitToString() }
}

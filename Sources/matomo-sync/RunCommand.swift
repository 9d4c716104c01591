import ArgumentParser
import Foundation
import MatomoAPI
import MatomoSync
import MatomoSyncConsole

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Keep the warehouse fresh: run each table of a config file when it is due, until stopped.",
        discussion: """
            Next-due times are kept in the warehouse, so a restart does not redo work. A failed table is retried with backoff without holding the others. SIGTERM or SIGINT finish the batch in hand, commit, and exit 0.
            """)

    @Option(help: "Config file (TOML).")
    var config: String

    @Option(name: .customLong("max-concurrent-tables"), help: "Tables synced at once.")
    var maxConcurrentTables: Int = 2

    @Option(name: .customLong("metrics-listen"), help: "host:port serving Prometheus metrics on /metrics (rows, requests, failures, durations per table).")
    var metricsListen: String?

    @OptionGroup var store: WarehouseOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        // First of all: a SIGINT or SIGTERM from now on ends the run cleanly, however early.
        let signals = StopSignals.install()
        try await runReportingErrors {
            guard (1...16).contains(maxConcurrentTables) else { throw CLIError("--max-concurrent-tables must be between 1 and 16") }
            let file = try ConfigLoader.load(path: config)
            let warehouse = try WarehouseURL.open(store.url(config: file.warehouse))
            let printer = output.printer()
            let metrics = ConsoleMetrics()
            var metricsTask: Task<Void, any Error>?
            if let metricsListen {
                let (host, port) = try ServeCommand.address(metricsListen, option: "--metrics-listen")
                try await MetricsEndpoint.check(host: host, port: port)
                metricsTask = Task { try await MetricsEndpoint.serve(metrics, host: host, port: port) }
            }
            defer { metricsTask?.cancel() }
            let service: SyncService
            do {
                service = try SyncService(plan: try SyncPlan(config: file), warehouse: warehouse,
                                          clientConfiguration: try connection.clientConfiguration(),
                                          progress: metricsListen == nil ? printer : MetricsProgress(printer, metrics: metrics),
                                          maxConcurrentRuns: maxConcurrentTables, stopRequested: { signals.requested })
            } catch {
                try? await warehouse.close()
                throw error
            }
            printer.line("matomo-sync run: \(counted(file.sources.count, "source")) into \(warehouse.displayName); stop with SIGTERM or Ctrl-C")
            try await withCleanup {
                try await service.runForever()
            } cleanup: {
                await service.shutdown()
                try? await warehouse.close()
            }
            printer.line("stopped by \(signals.requested ?? "request"); every batch started was committed")
        }
    }
}

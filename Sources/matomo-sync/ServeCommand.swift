import ArgumentParser
import Dispatch
import Foundation
import MatomoSync
import MatomoSyncConsole
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the scheduler (as `run` does) and a web console to link sources, watch syncs and query.",
        discussion: """
            The console's sources are the config file's: a source linked in the browser is written to the file (its token in a 0600 file beside it); a source added by hand shows after a reload (SIGHUP or the Reload config button). Without the file it starts empty and creates it with the first source.

            The password: MATOMO_SYNC_CONSOLE_PASSWORD, or --password-file; with neither, one is generated on the first start, printed once on stderr and kept (hashed) beside the config. SIGTERM or SIGINT finish the batch in hand, commit, and exit 0.
            """)

    @Option(help: "Config file (TOML); created by the console when missing.")
    var config: String = "matomo-sync.toml"

    @Option(help: "Address to listen on, host:port. Keep 127.0.0.1 unless a proxy in front handles TLS.")
    var listen: String = "127.0.0.1:8321"

    @Option(name: .customLong("password-file"), help: "File whose first line is the console's password.")
    var passwordFile: String?

    @Flag(name: .customLong("behind-https"), help: "Served through HTTPS (a proxy): session cookies get Secure.")
    var behindHTTPS = false

    @Option(name: .customLong("host-name"), help: "Another Host the console answers to (a proxy's name); repeatable. Others are refused.")
    var hostNames: [String] = []

    @Option(name: .customLong("metrics-listen"), help: "host:port serving /metrics without the session (default: /metrics on the console, behind the session).")
    var metricsListen: String?

    @Option(name: .customLong("max-concurrent-tables"), help: "Tables synced at once.")
    var maxConcurrentTables: Int = 2

    @OptionGroup var store: WarehouseOptions
    @OptionGroup var connection: ConnectionOptions

    static func address(_ text: String, option: String) throws -> (String, Int) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (0...65535).contains(port) else {
            throw CLIError("\(option) must be host:port, e.g. 127.0.0.1:8321")
        }
        var host = String(text[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { throw CLIError("\(option) must name a host, e.g. 127.0.0.1:8321") }
        return (host, port)
    }

    func run() async throws {
        // First: a SIGTERM during start-up (hashing the password takes a moment) is a stop request too.
        let signals = StopSignals.install()
        let reload = ReloadSignal()
        try await runReportingErrors {
            guard (1...16).contains(maxConcurrentTables) else { throw CLIError("--max-concurrent-tables must be between 1 and 16") }
            var options = ConsoleServer.Options()
            (options.host, options.port) = try Self.address(listen, option: "--listen")
            if let metricsListen { (options.metricsHost, options.metricsPort) = try Self.address(metricsListen, option: "--metrics-listen") }
            options.behindHTTPS = behindHTTPS
            options.hostNames = hostNames
            var settings = ConsoleBackend.Settings(configPath: config, warehouseURL: store.warehouse.flatMap { $0.isEmpty ? nil : $0 }
                ?? ProcessInfo.processInfo.environment[WarehouseURL.environmentVariable].flatMap { $0.isEmpty ? nil : $0 })
            settings.clientConfiguration = try connection.clientConfiguration()
            settings.maxConcurrentTables = maxConcurrentTables
            let passwords = try PasswordStore.load(environment: ProcessInfo.processInfo.environment, passwordFile: passwordFile,
                                                   configPath: config) { generated in
                Console.rawError("console password (shown once; its hash is kept in \(PasswordStore.hashFile(forConfig: config))): \(generated)\n")
            }
            let backend = try ConsoleBackend(settings: settings)
            let server = ConsoleServer(options: options, backend: backend, passwords: passwords)
            let shown = options.host.contains(":") ? "[\(options.host)]" : options.host
            try await server.run(stopRequested: { signals.requested }, reloadRequested: { reload.take() }) { port in
                Console.message("matomo-sync serve: console on http://\(shown):\(port)/ (config \(config), warehouse \(ServerURL.redact(backend.warehouseURL))); stop with SIGTERM or Ctrl-C, reload the config with SIGHUP", level: "info")
            }
            Console.message("stopped by \(signals.requested ?? "request"); every batch started was committed", level: "info")
        }
    }
}

/// SIGHUP: reload the config file.
final class ReloadSignal: Sendable {
    private final class Flag: Sendable { let value = Mutex(false) }
    private let flag = Flag()
    nonisolated(unsafe) private let source: DispatchSourceSignal

    init() {
        signal(SIGHUP, SIG_IGN)
        let flag = self.flag
        source = DispatchSource.makeSignalSource(signal: SIGHUP, queue: .global())
        source.setEventHandler { flag.value.withLock { $0 = true } }
        source.resume()
    }

    /// Whether a SIGHUP came since the last call.
    func take() -> Bool { flag.value.withLock { v in defer { v = false }; return v } }
}

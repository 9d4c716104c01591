import ArgumentParser
import Foundation
import MatomoAPI
import MatomoSync

/// Where the Matomo source is and how to reach it.
struct SourceOptions: ParsableArguments {
    @Option(help: "Matomo address, e.g. https://analytics.example.com or myorg.matomo.cloud (default: $MATOMO_URL).")
    var url: String?

    @Option(name: .customLong("site-id"), help: "Site ID, several as 1,3, or all for every site the token can view (default: $MATOMO_SITE_ID).")
    var siteId: String?

    @Option(name: .customLong("token-file"), help: "File whose first line is the API token (default: $MATOMO_TOKEN).")
    var tokenFile: String?

    @OptionGroup var connection: ConnectionOptions

    func instance() throws -> InstanceURL {
        guard let raw = url ?? ProcessInfo.processInfo.environment["MATOMO_URL"], !raw.isEmpty else {
            throw CLIError("no Matomo URL: pass --url https://your-matomo.example.com or set MATOMO_URL")
        }
        return try InstanceURL(parsing: raw)
    }

    func sites() throws -> SiteSelection {
        guard let raw = siteId ?? ProcessInfo.processInfo.environment["MATOMO_SITE_ID"], !raw.isEmpty else {
            throw CLIError("no site ID: pass --site-id N or set MATOMO_SITE_ID")
        }
        if raw.trimmingCharacters(in: .whitespaces) == "all" { return .all }
        var ids: [Int] = []
        for part in raw.split(separator: ",", omittingEmptySubsequences: false) {
            guard let id = Int(part.trimmingCharacters(in: .whitespaces)), id > 0 else {
                throw CLIError("--site-id must be a positive integer, a list such as 1,3, or all; got '\(raw)'")
            }
            if !ids.contains(id) { ids.append(id) }
        }
        return .ids(ids)
    }

    func token() throws -> APIToken {
        if let tokenFile {
            let contents: String
            do {
                contents = try String(contentsOfFile: tokenFile, encoding: .utf8)
            } catch {
                throw CLIError("cannot read the token file \(tokenFile): check the path and its permissions")
            }
            warnIfShared(tokenFile)
            let first = contents.split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
            guard !first.trimmingCharacters(in: .whitespaces).isEmpty else {
                throw CLIError("the token file \(tokenFile) is empty: put the API token on its first line")
            }
            return try APIToken(first)
        }
        if let env = ProcessInfo.processInfo.environment["MATOMO_TOKEN"], !env.isEmpty {
            return try APIToken(env)
        }
        throw MatomoError.missingToken
    }

    /// Validates the instance, the sites and the token, in that order: bad input never costs a request.
    func parsed() throws -> (InstanceURL, APIToken, SiteSelection) {
        let instance = try instance()
        let sites = try sites()
        return (instance, try token(), sites)
    }

    /// Validates everything, then builds the client.
    func makeClient() throws -> (MatomoClient, SiteSelection) {
        let (instance, token, sites) = try parsed()
        return (try MatomoClient(instance: instance, token: token, configuration: try connection.clientConfiguration()), sites)
    }

    private func warnIfShared(_ path: String) {
        guard let attrs = try? FileManager.default.attributesOfItem(atPath: path),
              let mode = attrs[.posixPermissions] as? Int, mode & 0o077 != 0 else { return }
        printError("warning: the token file \(path) is readable by other users (mode \(String(mode, radix: 8))); run chmod 600 \(path)")
    }
}

/// How to talk to Matomo servers.
struct ConnectionOptions: ParsableArguments {
    @Option(help: "Seconds to wait for one answer.")
    var timeout: Int = 120

    @Option(name: .customLong("connect-timeout"), help: "Seconds to wait for a connection.")
    var connectTimeout: Int = 10

    @Option(name: .customLong("ca-file"), help: "PEM file of a private CA to trust, besides the system's.")
    var caFile: String?

    @Option(name: .customLong("max-attempts"), help: "Attempts per request on transient failures (429, 5xx, network).")
    var maxAttempts: Int = 5

    @Option(help: "Requests in flight at once.")
    var concurrency: Int = 4

    @Option(name: .customLong("max-requests-per-minute"), help: "Cap on requests a minute (default: Matomo Cloud's published caps for *.matomo.cloud, none otherwise).")
    var maxRequestsPerMinute: Int?

    @Flag(name: .customLong("no-rate-limit"), help: "No client-side cap, even for Matomo Cloud.")
    var noRateLimit = false

    func clientConfiguration() throws -> ClientConfiguration {
        guard (1...3600).contains(timeout) else { throw CLIError("--timeout must be between 1 and 3600 seconds") }
        guard (1...600).contains(connectTimeout) else { throw CLIError("--connect-timeout must be between 1 and 600 seconds") }
        guard (1...20).contains(maxAttempts) else { throw CLIError("--max-attempts must be between 1 and 20") }
        guard (1...64).contains(concurrency) else { throw CLIError("--concurrency must be between 1 and 64") }
        var config = ClientConfiguration()
        config.requestTimeout = .seconds(timeout)
        config.connectTimeout = .seconds(connectTimeout)
        config.caFile = caFile
        config.maxAttempts = maxAttempts
        config.maxConcurrentRequests = concurrency
        if let maxRequestsPerMinute {
            guard (1...100_000).contains(maxRequestsPerMinute) else { throw CLIError("--max-requests-per-minute must be between 1 and 100000") }
            config.rateLimits = .uniform(perMinute: maxRequestsPerMinute)
        }
        config.disableRateLimits = noRateLimit
        return config
    }

}

/// Which warehouse.
struct WarehouseOptions: ParsableArguments {
    @Option(help: ArgumentHelp(
        "Warehouse URL (default: $MATOMO_WAREHOUSE, else \(WarehouseURL.defaultURL)).",
        discussion: "sqlite:<path>, postgres://user:password@host:5432/database?schema=matomo, or clickhouse://user:password@host:8123/database (clickhouses:// for HTTPS)."))
    var warehouse: String?

    /// Flag, then the environment, then the config file, then the default.
    func url(config: String? = nil) -> String {
        if let warehouse, !warehouse.isEmpty { return warehouse }
        if let env = ProcessInfo.processInfo.environment[WarehouseURL.environmentVariable], !env.isEmpty { return env }
        return config ?? WarehouseURL.defaultURL
    }
}

/// How progress and results are printed.
struct OutputOptions: ParsableArguments {
    @Flag(help: "Print only errors.")
    var quiet = false

    @Option(name: .customLong("log-format"), help: "Lines per table run: text or json (JSON lines, for log collectors).")
    var logFormat: LogFormat = .text

    func printer() -> ProgressPrinter {
        Console.logFormat = logFormat
        return ProgressPrinter(quiet: quiet, format: logFormat)
    }
}

enum LogFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json
}

/// A failure with a one-line message for stderr.
struct CLIError: Error, CustomStringConvertible {
    var description: String
    init(_ message: String) { description = message }
}

/// `error: ...` or `warning: ...` on stderr (a JSON record with that level under `--log-format json`).
func printError(_ line: String) {
    for level in ["error", "warning"] where line.hasPrefix(level + ": ") {
        if Console.logFormat == .json { return Console.message(String(line.dropFirst(level.count + 2)), level: level) }
        return Console.message(line, level: level)
    }
    Console.message(line, level: "error")
}

/// Runs a command body; any error becomes one line on stderr and exit status 1.
func runReportingErrors(_ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch let exit as ExitCode {
        throw exit
    } catch {
        printError("error: \(describe(error))")
        throw ExitCode.failure
    }
}

/// The library's one description of errors; a `CLIError` describes itself.
func describe(_ error: any Error) -> String { SyncFailure.describe(error) }

import ArgumentParser
import Foundation
import MatomoAPI
import MatomoSync

/// Where the Matomo source is and how to reach it.
struct SourceOptions: ParsableArguments {
    @Option(help: "Matomo address, e.g. https://analytics.example.com or myorg.matomo.cloud (default: $MATOMO_URL).")
    var url: String?

    @Option(name: .customLong("site-id"), help: "Numeric site ID (default: $MATOMO_SITE_ID).")
    var siteId: String?

    @Option(name: .customLong("token-file"), help: "File whose first line is the API token (default: $MATOMO_TOKEN).")
    var tokenFile: String?

    @Option(help: "Seconds to wait for one answer.")
    var timeout: Int = 120

    @Option(name: .customLong("ca-file"), help: "PEM file of a private CA to trust, besides the system's.")
    var caFile: String?

    @Option(name: .customLong("max-attempts"), help: "Attempts per request on transient failures (429, 5xx, network).")
    var maxAttempts: Int = 5

    @Option(help: "Requests in flight at once.")
    var concurrency: Int = 4

    func instance() throws -> InstanceURL {
        guard let raw = url ?? ProcessInfo.processInfo.environment["MATOMO_URL"], !raw.isEmpty else {
            throw CLIError("no Matomo URL: pass --url https://your-matomo.example.com or set MATOMO_URL")
        }
        return try InstanceURL(parsing: raw)
    }

    func site() throws -> Int {
        guard let raw = siteId ?? ProcessInfo.processInfo.environment["MATOMO_SITE_ID"], !raw.isEmpty else {
            throw CLIError("no site ID: pass --site-id N or set MATOMO_SITE_ID")
        }
        guard let id = Int(raw.trimmingCharacters(in: .whitespaces)), id > 0 else {
            throw CLIError("--site-id must be a positive integer, got '\(raw)'")
        }
        return id
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

    func clientConfiguration() throws -> ClientConfiguration {
        guard (1...3600).contains(timeout) else { throw CLIError("--timeout must be between 1 and 3600 seconds") }
        guard (1...20).contains(maxAttempts) else { throw CLIError("--max-attempts must be between 1 and 20") }
        guard (1...64).contains(concurrency) else { throw CLIError("--concurrency must be between 1 and 64") }
        var config = ClientConfiguration()
        config.requestTimeout = .seconds(timeout)
        config.caFile = caFile
        config.maxAttempts = maxAttempts
        config.maxConcurrentRequests = concurrency
        return config
    }

    /// Validates everything, then builds the client: bad input never costs a request.
    func makeClient() throws -> (MatomoClient, Int) {
        let instance = try instance()
        let site = try site()
        let token = try token()
        let client = try MatomoClient(instance: instance, token: token, configuration: try clientConfiguration())
        return (client, site)
    }

    private func warnIfShared(_ path: String) {
        guard let attrs = try? FileManager.default.attributesOfItem(atPath: path),
              let mode = attrs[.posixPermissions] as? Int, mode & 0o077 != 0 else { return }
        printError("warning: the token file \(path) is readable by other users (mode \(String(mode, radix: 8))); run chmod 600 \(path)")
    }
}

/// Which warehouse: the flag, else $MATOMO_WAREHOUSE, else sqlite:matomo.sqlite.
struct WarehouseOptions: ParsableArguments {
    @Option(help: ArgumentHelp(
        "Warehouse URL (default: $MATOMO_WAREHOUSE, else \(WarehouseURL.defaultURL)).",
        discussion: "sqlite:<path>, postgres://user:password@host:5432/database?schema=matomo, or clickhouse://user:password@host:8123/database (clickhouses:// for HTTPS)."))
    var warehouse: String?

    /// The URL to open; may hold a password, so print `displayName` of the opened warehouse instead.
    var url: String {
        if let warehouse, !warehouse.isEmpty { return warehouse }
        if let env = ProcessInfo.processInfo.environment[WarehouseURL.environmentVariable], !env.isEmpty { return env }
        return WarehouseURL.defaultURL
    }
}

/// A failure with a one-line message for stderr.
struct CLIError: Error, CustomStringConvertible {
    var description: String
    init(_ message: String) { description = message }
}

func printError(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
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

func describe(_ error: any Error) -> String {
    if let e = error as? MatomoError { return e.description }
    if let e = error as? SyncError { return e.description }
    if let e = error as? CLIError { return e.description }
    return String(describing: error)
}

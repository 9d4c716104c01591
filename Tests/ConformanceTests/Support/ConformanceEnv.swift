import Foundation
import MatomoAPI
import Testing

/// The real Matomo that scripts/conformance.sh provides, read from the environment. Without
/// MATOMO_CONFORMANCE_URL there is none, and every conformance test returns at once.
struct ConformanceEnv: Sendable {
    let url: String
    let token: String
    let west: Int
    let east: Int
    let empty: Int
    /// MariaDB's socket, for the stored truth; nil for a user's own instance (no database access).
    let mariadbSocket: String?
    /// The file conformance-traffic wrote: sites, zones, the burst second.
    let statePath: String?

    static let current: ConformanceEnv? = {
        let env = ProcessInfo.processInfo.environment
        guard let url = env["MATOMO_CONFORMANCE_URL"], !url.isEmpty else { return nil }
        func site(_ name: String) -> Int { Int(env["MATOMO_CONFORMANCE_SITE_\(name)"] ?? "") ?? 0 }
        let socket = env["MATOMO_CONFORMANCE_MARIADB_SOCKET"] ?? ""
        let state = env["MATOMO_CONFORMANCE_STATE"] ?? ""
        return ConformanceEnv(url: url, token: env["MATOMO_CONFORMANCE_TOKEN"] ?? "", west: site("WEST"), east: site("EAST"),
                              empty: site("EMPTY"), mariadbSocket: socket.isEmpty ? nil : socket, statePath: state.isEmpty ? nil : state)
    }()

    /// The real Matomo, or the case ends NOT RUN with a warning saying so: never a silent pass.
    /// (scripts/conformance.sh provides one; `bash scripts/test.sh` runs it after the main suite.)
    static func required(sourceLocation: SourceLocation = #_sourceLocation) throws -> ConformanceEnv {
        if let current { return current }
        try notRun(sourceLocation: sourceLocation)
    }

    static func notRun(sourceLocation: SourceLocation = #_sourceLocation) throws -> Never {
        let why = Comment(rawValue: "NOT RUN: no real Matomo (MATOMO_CONFORMANCE_URL is not set); scripts/conformance.sh provides one")
        Issue.record(why, severity: .warning, sourceLocation: sourceLocation)
        try Test.cancel(why, sourceLocation: sourceLocation)
    }

    var sites: [Int] { [west, east, empty] }
    var trafficSites: [Int] { [west, east] }

    func client() throws -> MatomoClient {
        var configuration = ClientConfiguration()
        configuration.requestTimeout = .seconds(600)
        return try MatomoClient(instance: try InstanceURL(parsing: url), token: try APIToken(token), configuration: configuration)
    }

    /// What conformance-traffic saved about the sites (burst second, zones).
    func state() throws -> [String: Any] {
        guard let statePath, let data = FileManager.default.contents(atPath: statePath),
              let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw ConformanceFailure("no conformance-traffic state (MATOMO_CONFORMANCE_STATE): run scripts/conformance.sh")
        }
        return object
    }

    /// A built product beside the test bundle (`.build/debug/<name>`).
    static func product(_ name: String) throws -> String {
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent(name)
        if FileManager.default.isExecutableFile(atPath: beside.path) { return beside.path }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        for dir in [".build/debug", ".build/release"] {
            let candidate = root.appendingPathComponent(dir).appendingPathComponent(name)
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate.path }
        }
        throw ConformanceFailure("\(name) is not built: run `swift build --build-tests` first")
    }

    static func say(_ text: String) {
        FileHandle.standardError.write(Data(("conformance: " + text + "\n").utf8))
    }
}

struct ConformanceFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Runs a child process to the end, its output in files (pipes could fill and block it).
func runProcess(_ path: String, _ arguments: [String], environment: [String: String] = [:]) async throws -> (status: Int32, out: String, err: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = arguments
    var env = ProcessInfo.processInfo.environment
    for (k, v) in environment { env[k] = v }
    process.environment = env
    let tmp = FileManager.default.temporaryDirectory
    let outURL = tmp.appendingPathComponent("conformance-out-\(UUID().uuidString)")
    let errURL = tmp.appendingPathComponent("conformance-err-\(UUID().uuidString)")
    FileManager.default.createFile(atPath: outURL.path, contents: nil)
    FileManager.default.createFile(atPath: errURL.path, contents: nil)
    defer {
        try? FileManager.default.removeItem(at: outURL)
        try? FileManager.default.removeItem(at: errURL)
    }
    process.standardOutput = try FileHandle(forWritingTo: outURL)
    process.standardError = try FileHandle(forWritingTo: errURL)
    process.standardInput = FileHandle.nullDevice
    try process.run()
    while process.isRunning { try await Task.sleep(for: .milliseconds(20)) }
    return (process.terminationStatus, String(decoding: (try? Data(contentsOf: outURL)) ?? Data(), as: UTF8.self),
            String(decoding: (try? Data(contentsOf: errURL)) ?? Data(), as: UTF8.self))
}

import Foundation
import MatomoFake
import Testing

/// Runs the real `matomo-sync` binary, as a user or a scheduler would.
struct CLIProcess {
    static var binary: URL? {
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("matomo-sync")
        if FileManager.default.isExecutableFile(atPath: beside.path) { return beside }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        for dir in [".build/debug", ".build/release"] {
            let candidate = root.appendingPathComponent(dir).appendingPathComponent("matomo-sync")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        return nil
    }

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
        /// True when it ended by a signal.
        var signalled: Bool
    }

    let process = Process()
    // Files, not pipes: reading pipes would block threads of the cooperative pool, which the
    // in-process fake server needs to answer this very child.
    let outURL = FileManager.default.temporaryDirectory.appendingPathComponent("matomo-sync-out-\(UUID().uuidString)")
    let errURL = FileManager.default.temporaryDirectory.appendingPathComponent("matomo-sync-err-\(UUID().uuidString)")

    /// `closedOutput`: stdout and stderr are pipes whose reading end is closed as soon as the child
    /// starts, as `| head -1` does: every write of the child meets EPIPE.
    init(_ arguments: [String], environment: [String: String] = [:], closedOutput: Bool = false) throws {
        guard let binary = Self.binary else {
            throw CLIMissing()
        }
        process.executableURL = binary
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env["MATOMO_TOKEN"] = nil
        env["MATOMO_URL"] = nil
        env["MATOMO_SITE_ID"] = nil
        for (k, v) in environment { env[k] = v }
        process.environment = env
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        process.standardInput = FileHandle.nullDevice
        guard closedOutput else {
            process.standardOutput = try FileHandle(forWritingTo: outURL)
            process.standardError = try FileHandle(forWritingTo: errURL)
            try process.run()
            return
        }
        // The reading ends are closed before the child exists, so not even its first write lands.
        var writers: [FileHandle] = []
        for _ in 0..<2 {
            var fds: [Int32] = [0, 0]
            guard pipe(&fds) == 0 else { throw CLIMissing() }
            close(fds[0])
            writers.append(FileHandle(fileDescriptor: fds[1], closeOnDealloc: true))
        }
        process.standardOutput = writers[0]
        process.standardError = writers[1]
        try process.run()
        for w in writers { try? w.close() }
    }

    /// Runs to the end.
    static func run(_ arguments: [String], environment: [String: String] = [:], closedOutput: Bool = false) async throws -> Result {
        try await CLIProcess(arguments, environment: environment, closedOutput: closedOutput).wait()
    }

    func signal(_ sig: Int32) { kill(process.processIdentifier, sig) }

    /// What the child has written to stderr so far.
    var stderrSoFar: String { (try? String(contentsOf: errURL, encoding: .utf8)) ?? "" }

    /// Waits until the child's stderr holds `text`; false when the child ended first. The timeout is
    /// generous on purpose: it only bounds a hung child, it never decides a result on a slow machine.
    func waitForStderr(_ text: String, timeout: Duration = .seconds(300)) async throws -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if stderrSoFar.contains(text) { return true }
            guard process.isRunning else { return stderrSoFar.contains(text) }
            try await Task.sleep(for: .milliseconds(5))
        }
        return false
    }

    /// Waits for the child's first progress line (`matomo-sync sync: ...`, `matomo-sync run: ...`): it
    /// has its signal handlers, its config and its warehouse, and starts work.
    func waitUntilStarted() async throws -> Bool {
        let deadline = ContinuousClock.now + .seconds(300)
        while ContinuousClock.now < deadline {
            let text = stderrSoFar
            if text.contains("matomo-sync sync: ") || text.contains("matomo-sync run: ") { return true }
            guard process.isRunning else { return false }
            try await Task.sleep(for: .milliseconds(5))
        }
        return false
    }

    /// Sends `sig` while `fake` holds its answers, and releases them once the child says it will stop
    /// after the batch in hand: the child cannot finish its work between the decision and the signal.
    func interrupt(_ sig: Int32, holding fake: FakeMatomo) async throws {
        fake.holdAnswers()
        signal(sig)
        _ = try await waitForStderr("finishing the batch in hand")
        fake.releaseAnswers()
    }

    /// Waits until `fake` has received `count` requests in all; false when the child ended first.
    func waitForRequests(_ count: Int, on fake: FakeMatomo) async throws -> Bool {
        let deadline = ContinuousClock.now + .seconds(300)
        while ContinuousClock.now < deadline {
            if fake.requestCount >= count { return true }
            guard process.isRunning else { return fake.requestCount >= count }
            try await Task.sleep(for: .milliseconds(2))
        }
        return false
    }

    func wait() async throws -> Result {
        while process.isRunning { try await Task.sleep(for: .milliseconds(10)) }
        let od = (try? Data(contentsOf: outURL)) ?? Data()
        let ed = (try? Data(contentsOf: errURL)) ?? Data()
        try? FileManager.default.removeItem(at: outURL)
        try? FileManager.default.removeItem(at: errURL)
        return Result(status: process.terminationStatus, stdout: String(decoding: od, as: UTF8.self),
                      stderr: String(decoding: ed, as: UTF8.self), signalled: process.terminationReason == .uncaughtSignal)
    }
}

struct CLIMissing: Error, CustomStringConvertible {
    var description: String { "the matomo-sync binary is not built: run `bash scripts/test.sh` (it builds every product before testing)" }
}

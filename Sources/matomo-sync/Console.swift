import Foundation
import Logging
import MatomoSync
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The one way the CLI writes to stdout and stderr.
///
/// A reader that goes away (`| head -1`, a closed terminal, a log collector restarting) is a reason
/// to stop printing, never to stop syncing: SIGPIPE is ignored, and a write that fails marks that
/// stream closed and is dropped; later writes to it are skipped. (`FileHandle.write` traps on EPIPE.)
/// With `--log-format json`, every line on stderr is one JSON object, whoever wrote it.
enum Console {
    private static let closed = Mutex<(out: Bool, err: Bool)>((false, false))
    private static let format = Mutex(LogFormat.text)

    /// Called first thing in `main`: before any write, any logger, any signal.
    static func setUp() {
        signal(SIGPIPE, SIG_IGN)
        LoggingSystem.bootstrap { label in ConsoleLogHandler(label: label) }
    }

    /// How stderr lines are written from now on; set by commands that take `--log-format`.
    static var logFormat: LogFormat {
        get { format.withLock { $0 } }
        set { format.withLock { $0 = newValue } }
    }

    /// Writes text to stdout as it is.
    static func out(_ text: String) {
        write(text, to: STDOUT_FILENO)
    }

    /// A line for a person on stderr (a notice, a warning, an error), or, with `--log-format json`,
    /// the same as `{"time":...,"level":...,"message":...}`.
    static func message(_ text: String, level: String = "info") {
        switch logFormat {
        case .text: write(text + "\n", to: STDERR_FILENO)
        case .json: record([("level", jsonString(level)), ("message", jsonString(text))])
        }
    }

    /// One JSON object on stderr, with the time first; `fields` are already JSON values.
    static func record(_ fields: [(String, String)]) {
        let all = [("time", jsonString(Timestamps.now()))] + fields.filter { $0.0 != "time" }
        write("{" + all.map { "\(jsonString($0.0)):\($0.1)" }.joined(separator: ",") + "}\n", to: STDERR_FILENO)
    }

    /// Writes to stderr as it is: only for text that is already in the log format (a JSON record).
    static func rawError(_ text: String) {
        write(text, to: STDERR_FILENO)
    }

    static func jsonString(_ s: String) -> String { TableFormatter.jsonString(s) }

    private static func write(_ text: String, to fd: Int32) {
        let isOut = fd == STDOUT_FILENO
        if closed.withLock({ isOut ? $0.out : $0.err }) { return }
        var bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeMutableBytes { buffer in
                systemWrite(fd, buffer.baseAddress! + offset, buffer.count - offset)
            }
            if n > 0 { offset += n; continue }
            if n < 0 && (errno == EINTR || errno == EAGAIN) { continue }
            // EPIPE, EBADF, EIO...: nobody reads this stream any more.
            closed.withLock { if isOut { $0.out = true } else { $0.err = true } }
            return
        }
    }
}

#if canImport(Glibc)
private let systemWrite = Glibc.write
#elseif canImport(Darwin)
private let systemWrite = Darwin.write
#endif

/// swift-log's handler for the CLI: retry warnings and the like go through `Console`, as text
/// (`warning: ...`) or as JSON records.
struct ConsoleLogHandler: LogHandler {
    let label: String
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = ProcessInfo.processInfo.environment["MATOMO_SYNC_DEBUG"] == nil ? .info : .debug

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let (level, message) = (event.level, event.message)
        let name = level == .critical ? "error" : level.rawValue
        switch Console.logFormat {
        case .text:
            Console.message(level >= .warning ? "\(name): \(message)" : "\(message)", level: name)
        case .json:
            Console.record([("level", Console.jsonString(name)), ("message", Console.jsonString("\(message)")),
                            ("logger", Console.jsonString(label))])
        }
    }
}

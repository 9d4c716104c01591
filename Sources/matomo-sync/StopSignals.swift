import Dispatch
import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// SIGINT and SIGTERM ask the sync to stop after committing the batch in hand; a second signal
/// ends the process at once (committed data is safe either way: each commit is one transaction).
final class StopSignals: Sendable {
    private final class Reason: Sendable {
        let value = Mutex<String?>(nil)
    }
    private let reason = Reason()
    // Kept alive for the process lifetime; touched only in init.
    nonisolated(unsafe) private let sources: [DispatchSourceSignal]

    private static let installed = Mutex<StopSignals?>(nil)

    /// The process's one set of handlers, installed on the first call: a command calls it first thing
    /// in `run`, so even a signal during start-up (config, connections) finishes cleanly.
    static func install() -> StopSignals {
        installed.withLock { current in
            if let current { return current }
            let made = StopSignals()
            current = made
            return made
        }
    }

    private init() {
        var sources: [DispatchSourceSignal] = []
        let reason = self.reason
        for (sig, name) in [(SIGINT, "SIGINT"), (SIGTERM, "SIGTERM")] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler {
                let first = reason.value.withLock { r -> Bool in
                    if r != nil { return false }
                    r = name
                    return true
                }
                if first {
                    Console.message("\(name): finishing the batch in hand, then stopping (send it again to stop at once)", level: "warning")
                } else {
                    exit(130)
                }
            }
            source.resume()
            sources.append(source)
        }
        self.sources = sources
    }

    /// The signal that asked to stop, if any.
    var requested: String? { reason.value.withLock { $0 } }
}

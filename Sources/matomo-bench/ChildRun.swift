import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What one child process cost, from `wait4`: only the sync is measured, not the fake server that
/// runs in the benchmark's own process.
struct ChildCost {
    var wall: Double
    var cpuUser: Double
    var cpuSystem: Double
    /// Peak resident memory, bytes.
    var maxRSS: Int
    var status: Int32
    var cpu: Double { cpuUser + cpuSystem }
}

enum ChildRun {
    /// Runs `path args` with `environment` added, stdout and stderr to `log`, and waits for it on a
    /// thread of its own (wait4 blocks; the fake server keeps answering meanwhile).
    static func run(_ path: String, _ args: [String], environment: [String: String], log: String) async throws -> ChildCost {
        let env = ProcessInfo.processInfo.environment.merging(environment) { $1 }.map { "\($0)=\($1)" }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let argv = ([path] + args).map { strdup($0) } + [nil]
        let envp = env.map { strdup($0) } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        let started = Date()
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, path, &actions, nil, argv, envp)
        guard rc == 0 else { throw BenchError("cannot start \(path): \(String(cString: strerror(rc)))") }
        let child = pid
        return await withCheckedContinuation { (done: CheckedContinuation<ChildCost, Never>) in
            Thread.detachNewThread {
                var status: Int32 = 0
                var usage = rusage()
                while wait4(child, &status, 0, &usage) < 0 && errno == EINTR {}
                let wall = Date().timeIntervalSince(started)
                func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
                #if os(Linux)
                let rss = Int(usage.ru_maxrss) * 1024  // kilobytes on Linux
                #else
                let rss = Int(usage.ru_maxrss)  // bytes on macOS
                #endif
                done.resume(returning: ChildCost(wall: wall, cpuUser: seconds(usage.ru_utime), cpuSystem: seconds(usage.ru_stime),
                                                 maxRSS: rss, status: status & 0x7F != 0 ? 128 + (status & 0x7F) : (status >> 8) & 0xFF))
            }
        }
    }
}

struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ message: String) { description = message }
}

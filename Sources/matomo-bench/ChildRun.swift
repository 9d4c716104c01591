import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What one child process cost, from `wait4`.
struct ChildCost {
    var wall: Double
    var cpuUser: Double
    var cpuSystem: Double
    /// Peak resident memory, bytes.
    var maxRSS: Int
    var status: Int32
    var cpu: Double { cpuUser + cpuSystem }
}

/// Runs the sync as a grandchild, through this executable started afresh in `--measure-child` mode.
/// Why: Linux's `ru_maxrss` keeps the peak of the memory a process had before `exec`, and a child
/// spawned straight from the benchmark would carry the benchmark's own peak (the fake server and its
/// visits). The small measuring process spawns the sync, `wait4`s it and writes the figures to a file.
enum ChildRun {
    static func run(_ path: String, _ args: [String], environment: [String: String], log: String) async throws -> ChildCost {
        let result = log + ".cost"
        try? FileManager.default.removeItem(atPath: result)
        let me = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().path
        let pid = try spawn(me, ["--measure-child", result, log, path] + args, environment: environment, output: log)
        let status = await withCheckedContinuation { (done: CheckedContinuation<Int32, Never>) in
            // wait4 blocks: a thread of its own, so the fake server keeps answering meanwhile.
            Thread.detachNewThread { done.resume(returning: waitFor(pid).status) }
        }
        guard status == 0, let text = try? String(contentsOfFile: result, encoding: .utf8) else {
            throw BenchError("the measuring process failed (status \(status))")
        }
        let f = text.split(separator: " ").compactMap { Double($0) }
        guard f.count == 5 else { throw BenchError("unreadable measurement: \(text)") }
        return ChildCost(wall: f[0], cpuUser: f[1], cpuSystem: f[2], maxRSS: Int(f[3]), status: Int32(f[4]))
    }

    /// `--measure-child <result file> <log> <executable> <args...>`: runs before anything else is allocated.
    static func measureMain(_ arguments: [String]) -> Never {
        guard arguments.count >= 3 else { exit(2) }
        let (result, log, path) = (arguments[0], arguments[1], arguments[2])
        let started = Date()
        guard let pid = try? spawn(path, Array(arguments.dropFirst(3)), environment: [:], output: log) else { exit(3) }
        let (status, usage) = waitFor(pid)
        let wall = Date().timeIntervalSince(started)
        func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
        #if os(Linux)
        let rss = Int(usage.ru_maxrss) * 1024  // kilobytes on Linux
        #else
        let rss = Int(usage.ru_maxrss)  // bytes on macOS
        #endif
        let line = "\(wall) \(seconds(usage.ru_utime)) \(seconds(usage.ru_stime)) \(rss) \(status)"
        _ = FileManager.default.createFile(atPath: result, contents: Data(line.utf8))
        exit(0)
    }

    private static func spawn(_ path: String, _ args: [String], environment: [String: String], output: String) throws -> pid_t {
        let env = ProcessInfo.processInfo.environment.merging(environment) { $1 }.map { "\($0)=\($1)" }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let argv = ([path] + args).map { strdup($0) } + [nil]
        let envp = env.map { strdup($0) } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, path, &actions, nil, argv, envp)
        guard rc == 0 else { throw BenchError("cannot start \(path): \(String(cString: strerror(rc)))") }
        return pid
    }

    private static func waitFor(_ pid: pid_t) -> (status: Int32, usage: rusage) {
        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, 0, &usage) < 0 && errno == EINTR {}
        return (status & 0x7F != 0 ? 128 + (status & 0x7F) : (status >> 8) & 0xFF, usage)
    }
}

struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ message: String) { description = message }
}

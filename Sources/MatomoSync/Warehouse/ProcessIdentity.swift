import Foundation

/// Names this process in a lock a server holds for it (`host=… pid=… start=…`), so that a process on
/// the same host can tell the holder is gone (killed) instead of waiting for its lease to run out.
/// The start time tells a reused pid apart.
struct ProcessIdentity: Equatable {
    var host: String
    var pid: Int32
    var start: String

    static var current: ProcessIdentity {
        let pid = getpid()
        return ProcessIdentity(host: ProcessInfo.processInfo.hostName, pid: pid, start: startTime(of: pid) ?? "?")
    }

    var text: String { "host=\(host) pid=\(pid) start=\(start)" }

    init(host: String, pid: Int32, start: String) {
        self.host = host
        self.pid = pid
        self.start = start
    }

    init?(_ text: String) {
        var fields: [String: String] = [:]
        for part in text.split(separator: " ") {
            let kv = part.split(separator: "=", maxSplits: 1)
            if kv.count == 2 { fields[String(kv[0])] = String(kv[1]) }
        }
        guard let host = fields["host"], let pid = fields["pid"].flatMap({ Int32($0) }), let start = fields["start"] else { return nil }
        self.init(host: host, pid: pid, start: start)
    }

    /// False only when the process is known gone: same host, and no process with that pid and start.
    var mayBeAlive: Bool {
        guard host == ProcessInfo.processInfo.hostName else { return true }
        return Self.startTime(of: pid) == start
    }

    /// Field 22 of /proc/<pid>/stat: the start time in clock ticks since boot. nil when there is no such process.
    static func startTime(of pid: Int32) -> String? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return nil }
        // After the command name (which may hold spaces): field 3 onwards.
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        return fields.count > 19 ? String(fields[19]) : nil
    }
}

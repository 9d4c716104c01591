import Foundation

/// The benchmark's knobs, from the command line.
struct BenchSettings {
    var visits = 100_000
    var days = 365
    var latencyMs = 50.0
    /// A real Matomo 5 spends ~0.4 ms per visit of a Live answer.
    var rowCostMs = 0.4
    var concurrency = 4
    var pageSize = 1000
    var baseline = true
    var keep = false
    /// A PostgreSQL or ClickHouse server URL; each run gets a schema or database of its own there.
    /// nil: SQLite files in a temporary folder.
    var warehouse: String?

    static let usage = """
        usage: matomo-bench [--visits 100000] [--days 365] [--latency-ms 50] [--row-cost-ms 0.4]
                            [--concurrency 4] [--page-size 1000] [--no-baseline] [--keep]
                            [--warehouse postgres://...|clickhouse://...]
        """

    static func parse(_ arguments: [String]) -> BenchSettings {
        var s = BenchSettings()
        var args = arguments[...]
        func value<T>(_ parse: (String) -> T?) -> T {
            guard let raw = args.popFirst(), let v = parse(raw) else { fail() }
            return v
        }
        while let arg = args.popFirst() {
            switch arg {
            case "--visits": s.visits = value { Int($0.replacingOccurrences(of: "_", with: "")) }
            case "--days": s.days = value { Int($0).flatMap { (1...3650).contains($0) ? $0 : nil } }
            case "--latency-ms": s.latencyMs = value { Double($0).flatMap { $0 >= 0 ? $0 : nil } }
            case "--row-cost-ms": s.rowCostMs = value { Double($0).flatMap { $0 >= 0 ? $0 : nil } }
            case "--concurrency": s.concurrency = value { Int($0).flatMap { (1...64).contains($0) ? $0 : nil } }
            case "--page-size": s.pageSize = value { Int($0).flatMap { (1...10_000).contains($0) ? $0 : nil } }
            case "--no-baseline": s.baseline = false
            case "--keep": s.keep = true
            case "--warehouse": s.warehouse = value { $0.hasPrefix("sqlite:") ? nil : $0 }
            default: fail()
            }
        }
        return s
    }

    static func fail() -> Never {
        FileHandle.standardError.write(Data((usage + "\n").utf8))
        exit(2)
    }

    func header(visits: Int, generation: Duration, url: URL, binary: String) -> String {
        let machine = Machine.describe()
        return """
            matomo-bench: \(visits.formatted()) visits over \(days) days (generated in \(Summary.seconds(generation))), \
            fake Matomo at \(url) answering in \(latencyMs) ms + \(rowCostMs) ms per visit
            sync: \(binary), concurrency \(concurrency), pages of \(pageSize), warehouse \(warehouse.map { String($0.prefix { $0 != ":" }) } ?? "sqlite")
            machine: \(machine)
            """
    }
}

/// The `matomo-sync` executable built next to this one (`swift run -c release matomo-bench` builds only
/// the benchmark, so it is built here if missing).
enum SyncBinary {
    static func locate() throws -> String {
        let me = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        let sibling = me.deletingLastPathComponent().appendingPathComponent("matomo-sync").path
        let configuration = me.deletingLastPathComponent().lastPathComponent.contains("debug") ? "debug" : "release"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["swift", "build", "-c", configuration, "--product", "matomo-sync"]
        // Always (re)built, so a stale binary is never measured; a no-op when up to date.
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        say("building matomo-sync (\(configuration))...")
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0, FileManager.default.isExecutableFile(atPath: sibling) else {
            throw BenchError("cannot build matomo-sync: run `swift build -c release --product matomo-sync` to see why")
        }
        return sibling
    }
}

/// Cores and CPU model, for the figures to mean something.
enum Machine {
    static func describe() -> String {
        let cores = ProcessInfo.processInfo.activeProcessorCount
        let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let model = cpuinfo.split(separator: "\n").first { $0.hasPrefix("model name") }
            .map { $0.split(separator: ":", maxSplits: 1).last.map { $0.trimmingCharacters(in: .whitespaces) } ?? "" } ?? "unknown CPU"
        return "\(cores) cores, \(model)"
    }
}

/// Unbuffered, so progress shows through a pipe.
func say(_ line: String) { FileHandle.standardOutput.write(Data((line + "\n").utf8)) }

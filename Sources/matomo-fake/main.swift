import Foundation
import MatomoFake

// Runs the fake Matomo alone, for poking at it with curl:
//   swift run matomo-fake [--port N] [--days 30] [--visits-per-day 20...60] [--seed 1] [--latency-ms 0]

func usage() -> Never {
    print("usage: matomo-fake [--port N] [--days N] [--visits-per-day MIN...MAX] [--seed N] [--latency-ms N]")
    exit(2)
}

var days = 30
var visitsPerDay = 20...60
var seed: UInt64 = 1
var requestedPort: Int?
var latencyMilliseconds = 0
var args = CommandLine.arguments.dropFirst()
while let arg = args.popFirst() {
    switch arg {
    case "--days":
        guard let v = args.popFirst().flatMap(Int.init), v >= 0 else { usage() }
        days = v
    case "--visits-per-day":
        guard let v = args.popFirst() else { usage() }
        let parts = v.components(separatedBy: "...").flatMap { $0.components(separatedBy: "-") }.compactMap { Int($0) }
        guard let lo = parts.first, let hi = parts.last, lo >= 0, lo <= hi else { usage() }
        visitsPerDay = lo...hi
    case "--seed":
        guard let v = args.popFirst().flatMap(UInt64.init) else { usage() }
        seed = v
    case "--latency-ms":
        // Each answer waits this long: slow enough to watch a sync in flight.
        guard let v = args.popFirst().flatMap(Int.init), v >= 0 else { usage() }
        latencyMilliseconds = v
    case "--port":
        guard let v = args.popFirst().flatMap(Int.init) else { usage() }
        requestedPort = v
    case "-h", "--help":
        usage()
    default:
        print("unknown argument: \(arg)")
        usage()
    }
}

var configuration = FakeMatomoConfiguration()
configuration.latency = .milliseconds(latencyMilliseconds)
let fake = FakeMatomo(configuration: configuration)
fake.generateTraffic(siteId: 1, days: days, visitsPerDay: visitsPerDay, seed: seed)
let url = try await fake.start(port: requestedPort ?? 0)
/// Unbuffered, so the URL shows up at once when stdout is a pipe.
func say(_ line: String) { FileHandle.standardOutput.write(Data((line + "\n").utf8)) }

say("Fake Matomo \(fake.configuration.version) listening on \(url)")
say("token_auth: \(fake.configuration.token)  (send it in the POST body)")
say("site 1: \(fake.visits(siteId: 1).count) visits over \(days) days")
say("try: curl -s -d token_auth=\(fake.configuration.token) '\(url)index.php?module=API&format=json&method=VisitsSummary.get&idSite=1&period=day&date=last7'")
while true {
    try await Task.sleep(for: .seconds(3600))
}

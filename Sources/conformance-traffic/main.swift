import Foundation

// The conformance suite's traffic, sent to a real Matomo through its Tracking API (scripts/conformance.sh).
//
//   conformance-traffic setup --url URL --state FILE
//       Creates three sites (New York, Kolkata, and one without traffic) with goals and ecommerce, sends
//       more than a year of visits (actions, downloads, outlinks, searches, events, goals, orders, carts;
//       a burst of 1,100 visits in one second; visits minutes around midnight), unless FILE already
//       describes sites that still exist there; then, on every run, visits under an hour old and one at
//       exactly the hour. Prints MATOMO_CONFORMANCE_SITE_* lines.
//   conformance-traffic more --url URL --state FILE --after TS --until TS [--visits N]
//       N visits per traffic site whose actions all fall in (after, until]: new traffic for an incremental run.
// The token comes from MATOMO_CONFORMANCE_TOKEN. Bulks are sent one at a time (parallel bulks can
// deadlock Matomo's tracker and lose part of a bulk).

func option(_ name: String, _ args: [String]) -> String? {
    guard let i = args.firstIndex(of: name), i + 1 < args.count else { return nil }
    return args[i + 1]
}

func log(_ text: String) { FileHandle.standardError.write(Data(("conformance-traffic: " + text + "\n").utf8)) }

let args = Array(CommandLine.arguments.dropFirst())
guard let command = args.first, ["setup", "more"].contains(command),
      let url = option("--url", args), let statePath = option("--state", args) else {
    log("usage: conformance-traffic setup|more --url URL --state FILE [--after TS --until TS --visits N]")
    exit(2)
}
guard let token = ProcessInfo.processInfo.environment["MATOMO_CONFORMANCE_TOKEN"], !token.isEmpty else {
    log("MATOMO_CONFORMANCE_TOKEN is not set")
    exit(2)
}
let matomo = MatomoHTTP(base: url.hasSuffix("/") ? String(url.dropLast()) : url, token: token)
do {
    switch command {
    case "setup": try await Setup(matomo: matomo, statePath: statePath).run()
    default:
        guard let after = option("--after", args).flatMap({ Int64($0) }), let until = option("--until", args).flatMap({ Int64($0) }) else {
            throw TrafficError("more needs --after TS --until TS")
        }
        try await More(matomo: matomo, statePath: statePath, after: after, until: until,
                       visits: option("--visits", args).flatMap { Int($0) } ?? 10).run()
    }
    await matomo.shutdown()
} catch {
    log("\(error)")
    await matomo.shutdown()
    exit(1)
}

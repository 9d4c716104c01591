import Foundation
import MatomoAPI
import MatomoSync
import Testing

/// The built `matomo-sync` against a real Matomo (scripts/conformance.sh), into each warehouse:
/// a backfill, an incremental run, a full refresh, then new traffic and another incremental run,
/// each compared with the truth (MariaDB's visit log, Matomo's own report answers).
@Suite("Conformance: syncs of a real Matomo match the truth", .serialized)
struct TruthTests {
    static let run = String(getpid())

    @Test("backfill, incremental, full refresh and an incremental run after new traffic match the truth",
          arguments: ["sqlite", "postgres", "clickhouse"])
    func syncsMatchTheTruth(kind: String) async throws {
        let env = try ConformanceEnv.required()
        let (made, reason) = ConformanceWarehouse.make(kind, run: Self.run)
        guard let warehouse = made else {
            Issue.record("\(kind): \(reason ?? "no server")")
            return
        }
        let client = try env.client()
        do {
            try await checkWarehouse(env, warehouse, client: client)
        } catch {
            await client.shutdown()
            throw error
        }
        await client.shutdown()
    }

    private func checkWarehouse(_ env: ConformanceEnv, _ warehouse: ConformanceWarehouse, client: MatomoClient) async throws {
        let clock = ContinuousClock()
        let began = clock.now
        var zones: [Int: TimeZone] = [:]
        for site in env.sites { zones[site] = try await client.site(id: site).timeZone }
        let state = try env.state()
        let burst = (state["burstTimestamp"] as? NSNumber).map { ($0.int64Value, (state["burstVisits"] as? Int) ?? 0) }
        var compared = 0

        func check(_ step: String, _ run: ConformanceWarehouse.SyncRun) async throws -> CheckResult {
            var result = CheckResult()
            try await ConformanceChecks.visits(env, warehouse, run: run, zones: zones, burst: burst, into: &result)
            try await ConformanceChecks.reports(env, warehouse, run: run, zones: zones, client: client, into: &result)
            for problem in result.problems { Issue.record("\(warehouse) after \(step): \(problem)") }
            compared += result.compared
            ConformanceEnv.say("\(warehouse) \(step): \(result.compared) rows compared, \(result.problems.count) problems")
            return result
        }

        // Matomo reuses today's archive for 15 minutes, then rebuilds it on the next request: having
        // the recent days rebuilt just before a sync makes the sync and the check that follows it
        // (well within 15 minutes) read the same archive.
        func sync(fullRefresh: Bool = false) async throws -> ConformanceWarehouse.SyncRun {
            try await ConformanceChecks.touchRecentDays(env, zones: zones, client: client)
            return try await warehouse.sync(env, fullRefresh: fullRefresh)
        }

        // The first run is the 365-day backfill.
        let backfill = try await sync()
        let afterBackfill = try await check("backfill", backfill)

        // Nothing new but visits that turned an hour old meanwhile: the run fetches only those.
        let incremental = try await sync()
        let afterIncremental = try await check("incremental run", incremental)
        expectOnlyNew(env, incremental, before: afterBackfill, after: afterIncremental, zones: zones, step: "incremental run", warehouse)

        let refresh = try await sync(fullRefresh: true)
        let afterRefresh = try await check("full refresh", refresh)
        for site in env.sites {
            let stored = afterRefresh.visitIds[site]?.count ?? 0
            if env.mariadbSocket != nil, refresh.run("visits", site: site)?.rows != stored {
                Issue.record("\(warehouse) full refresh: site \(site) visits: \(refresh.run("visits", site: site)?.rows ?? -1) rows fetched, \(stored) stored")
            }
        }

        // New traffic newer than every stored visit and already an hour old when the next run starts.
        var newest: Int64 = 0
        for site in env.trafficSites {
            let row = try await warehouse.query("SELECT MAX(server_timestamp) AS newest FROM visits WHERE _site_id = \(site)")
            newest = max(newest, (row.first?["newest"] as? NSNumber)?.int64Value ?? 0)
        }
        var until = Int64(Date().timeIntervalSince1970) - 3600 - 30
        if until - newest < 90 {
            try await Task.sleep(for: .seconds(Int(90 - (until - newest))))
            until = Int64(Date().timeIntervalSince1970) - 3600 - 30
        }
        let more = try await runProcess(try ConformanceEnv.product("conformance-traffic"),
                                        ["more", "--url", env.url, "--state", env.statePath ?? "", "--after", String(newest), "--until", String(until), "--visits", "5"],
                                        environment: ["MATOMO_CONFORMANCE_TOKEN": env.token])
        try #require(more.status == 0, "conformance-traffic more: \(more.err)")
        let afterTraffic = try await sync()
        let afterMore = try await check("incremental run after new traffic", afterTraffic)
        expectOnlyNew(env, afterTraffic, before: afterRefresh, after: afterMore, zones: zones, step: "incremental run after new traffic", warehouse)
        if let socket = env.mariadbSocket {
            for site in env.trafficSites {
                let sent = try await ConformanceMariaDB(socket: socket).visits(site: site).filter { $0.lastAction > newest && $0.lastAction <= until }.map(\.id)
                let stored = afterMore.visitIds[site] ?? []
                #expect(sent.count >= 10, "\(warehouse): site \(site): \(sent.count) new visits in Matomo, 10 sent")
                #expect(sent.allSatisfy(stored.contains), "\(warehouse): site \(site): new visits missing after the incremental run")
            }
        }
        try await verifyIsClean(env, warehouse)
        ConformanceEnv.say("\(warehouse): 4 syncs checked, \(compared) rows compared in all, \(clock.now - began)")
    }

    /// `matomo-sync verify` after the syncs: every complete day of every table agrees with Matomo
    /// (the burst of 1,100 visits in one second and the visits around the sites' midnights included).
    private func verifyIsClean(_ env: ConformanceEnv, _ warehouse: ConformanceWarehouse) async throws {
        let args = ["verify", "--url", env.url, "--site-id", env.sites.map(String.init).joined(separator: ","),
                    "--warehouse", warehouse.url, "--format", "json"]
        let result = try await runProcess(try ConformanceEnv.product("matomo-sync"), args, environment: ["MATOMO_TOKEN": env.token])
        let object = try JSONSerialization.jsonObject(with: Data(result.out.utf8)) as? [String: Any]
        let differences = object?["differences"] as? [[String: Any]] ?? []
        #expect(result.status == 0 && object?["clean"] as? Bool == true && differences.isEmpty,
                "\(warehouse) verify exited \(result.status): \(differences.prefix(10))\n\(result.err.suffix(2000))")
        let checked = (object?["tables"] as? [[String: Any]] ?? []).reduce(0) { $0 + ($1["days_checked"] as? Int ?? 0) }
        ConformanceEnv.say("\(warehouse) verify: \(checked) table days checked, \(differences.count) differing, \(object?["requests"] ?? "?") requests")
    }

    /// An incremental run fetches what is new only: the visits it stored are exactly the ones added
    /// since, and each report table re-pulls a few trailing days in one request.
    private func expectOnlyNew(_ env: ConformanceEnv, _ run: ConformanceWarehouse.SyncRun, before: CheckResult, after: CheckResult,
                               zones: [Int: TimeZone], step: String, _ warehouse: ConformanceWarehouse) {
        for site in env.sites {
            if env.mariadbSocket != nil {
                let old = before.visitIds[site] ?? [], now = after.visitIds[site] ?? []
                #expect(old.isSubset(of: now), "\(warehouse) \(step): site \(site) lost visits")
                let added = now.subtracting(old).count
                #expect(run.run("visits", site: site)?.rows == added,
                        "\(warehouse) \(step): site \(site) visits: \(run.run("visits", site: site)?.rows ?? -1) rows fetched, \(added) new")
            }
            let today = LocalDay.containing(epochSeconds: run.started, in: zones[site]!)
            for table in ReportTable.all {
                guard let report = run.run(table.name, site: site) else { Issue.record("\(warehouse) \(step): no report for \(table.name) site \(site)"); continue }
                let first = report.days.flatMap { LocalDay($0.split(separator: ",").first ?? "") }
                #expect(report.requests == 1 && first.map { $0 >= today.adding(days: -5) } == true,
                        "\(warehouse) \(step): \(table.name) site \(site): \(report.requests) requests for days \(report.days ?? "?")")
            }
        }
    }
}

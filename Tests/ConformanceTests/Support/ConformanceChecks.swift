import Foundation
import MatomoAPI
import MatomoSync

/// What one comparison with the truth found.
struct CheckResult {
    var compared = 0
    var problems: [String] = []
    /// Stored visit ids per site, to tell what a later incremental run added.
    var visitIds: [Int: Set<Int64>] = [:]

    mutating func fail(_ text: String) { problems.append(text) }
}

enum ConformanceChecks {
    /// Visits against `matomo_log_visit`: the ids, each visit's second, visitor and site-local day, the
    /// count per day, the whole burst, none under an hour old, none before the 365-day window.
    static func visits(_ env: ConformanceEnv, _ warehouse: ConformanceWarehouse, run: ConformanceWarehouse.SyncRun,
                       zones: [Int: TimeZone], burst: (Int64, Int)?, into result: inout CheckResult) async throws {
        guard let socket = env.mariadbSocket else {
            ConformanceEnv.say("visits of \(warehouse): not compared with matomo_log_visit (no MariaDB socket: a user's own instance)")
            return
        }
        let db = ConformanceMariaDB(socket: socket)
        // One query per table for all sites: each query is a run of the binary.
        let everyVisit = try await warehouse.query("SELECT _site_id, id_visit, server_timestamp, visitor_id, _date FROM visits")
        let visitsBySite = Dictionary(grouping: everyVisit) { ($0["_site_id"] as? NSNumber)?.intValue ?? -1 }
        for site in env.sites {
            let zone = zones[site]!
            let truth = try await db.visits(site: site)
            let byId = Dictionary(truth.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
            let windowFirst = LocalDay.containing(epochSeconds: run.started, in: zone).adding(days: -365)
            let windowStartEarly = windowFirst.start(in: zone)
            let windowStartLate = LocalDay.containing(epochSeconds: run.ended, in: zone).adding(days: -365).start(in: zone)
            let mustCut = run.started - 3600, mayCut = run.ended - 3600
            let must = Set(truth.filter { $0.lastAction >= windowStartLate && $0.lastAction <= mustCut }.map(\.id))
            let may = Set(truth.filter { ($0.lastAction >= windowStartEarly && $0.lastAction < windowStartLate) || ($0.lastAction > mustCut && $0.lastAction <= mayCut) }.map(\.id))

            let stored = visitsBySite[site] ?? []
            var ids = Set<Int64>()
            var perDayStored: [String: Int] = [:], perDayTruth: [String: Int] = [:]
            var nearMidnight = 0
            for row in stored {
                guard let id = (row["id_visit"] as? NSNumber)?.int64Value else { result.fail("site \(site): a stored visit has no id_visit"); continue }
                guard ids.insert(id).inserted else { result.fail("site \(site): visit \(id) stored twice"); continue }
                let day = String((row["_date"] as? String ?? "").prefix(10))
                perDayStored[day, default: 0] += 1
                guard let t = byId[id] else { result.fail("site \(site): visit \(id) is not in matomo_log_visit"); continue }
                let localDay = LocalDay.containing(epochSeconds: t.lastAction, in: zone)
                perDayTruth[localDay.description, default: 0] += 1
                if (row["server_timestamp"] as? NSNumber)?.int64Value != t.lastAction {
                    result.fail("site \(site) visit \(id): server_timestamp \(row["server_timestamp"] ?? "nil"), last action in MariaDB \(t.lastAction)")
                }
                if (row["visitor_id"] as? String)?.lowercased() != t.visitor {
                    result.fail("site \(site) visit \(id): visitor_id \(row["visitor_id"] ?? "nil"), MariaDB \(t.visitor)")
                }
                if day != localDay.description { result.fail("site \(site) visit \(id): _date \(day), its site-local day is \(localDay)") }
                let bounds = localDay.bounds(in: zone)
                if t.lastAction - bounds.lowerBound < 300 || bounds.upperBound - t.lastAction <= 300 { nearMidnight += 1 }
            }
            let missing = must.subtracting(ids), extra = ids.subtracting(must).subtracting(may)
            if !missing.isEmpty { result.fail("site \(site): \(missing.count) visits of matomo_log_visit missing, e.g. \(missing.sorted().prefix(5))") }
            if !extra.isEmpty {
                let young = extra.filter { (byId[$0]?.lastAction ?? 0) > mayCut }.count
                result.fail("site \(site): \(extra.count) visits stored that must not be (\(young) under an hour old), e.g. \(extra.sorted().prefix(5))")
            }
            if perDayStored != perDayTruth {
                let days = Set(perDayStored.keys).union(perDayTruth.keys).filter { perDayStored[$0] != perDayTruth[$0] }.sorted()
                result.fail("site \(site): visits per site-local day differ on \(days.count) days, e.g. " +
                            days.prefix(3).map { "\($0): warehouse \(perDayStored[$0] ?? 0), Matomo \(perDayTruth[$0] ?? 0)" }.joined(separator: "; "))
            }
            if let first = perDayStored.keys.min(), first < windowFirst.description {
                result.fail("site \(site): a visit of \(first) is stored, before the window's first day \(windowFirst)")
            }
            if env.trafficSites.contains(site) {
                // The checks above only prove something if the truth holds such visits.
                if !truth.contains(where: { $0.lastAction > mayCut }) { result.fail("site \(site): Matomo holds no visit under an hour old (send recent traffic: scripts/conformance.sh)") }
                if !truth.contains(where: { $0.lastAction < windowStartEarly }) { result.fail("site \(site): Matomo holds no visit before the window") }
                if nearMidnight == 0 { result.fail("site \(site): no stored visit within 5 minutes of a site-local midnight") }
            }
            if site == env.west, let (second, sent) = burst {
                let truthBurst = truth.filter { $0.lastAction == second }.map(\.id)
                let storedBurst = truthBurst.filter { ids.contains($0) }.count
                if truthBurst.count < min(sent, 1001) || storedBurst != truthBurst.count {
                    result.fail("site \(site): burst second \(second): Matomo \(truthBurst.count) visits (\(sent) sent), warehouse \(storedBurst)")
                }
            }
            result.visitIds[site] = ids
            result.compared += stored.count
        }
    }

    /// Rebuilds the archives of yesterday and today of every site now, so that they stay valid for the
    /// 15 minutes of the sync and check that follow: asks every report for those days (answers dropped).
    /// Asking alone is not enough: an archive of today built 14 minutes earlier, before the last
    /// traffic, is still served, and expires in the middle of the check (CI saw a sync store 2 visits
    /// for today and the check then read 5). So an instance of our own (the kit, a tarball) first has
    /// those two days invalidated, which makes the next request rebuild them at once.
    static func touchRecentDays(_ env: ConformanceEnv, zones: [Int: TimeZone], client: MatomoClient) async throws {
        for site in env.sites {
            let today = LocalDay.containing(Date(), in: zones[site]!)
            if env.mariadbSocket != nil {
                let body = try await client.call("CoreAdminHome.invalidateArchivedReports",
                                                 [("idSites", String(site)), ("period", "day"),
                                                  ("dates", "\(today.adding(days: -1)),\(today)")])
                let text = String(decoding: body, as: UTF8.self)
                guard text.contains("Success") else {
                    throw ConformanceFailure("invalidating site \(site)'s archives of \(today.adding(days: -1)) and \(today): \(text.prefix(300))")
                }
            }
            for table in ReportTable.all {
                _ = try await ReportTruth.shared.answers(table, site: site, days: [today.adding(days: -1).description, today.description],
                                                         recentFrom: today.adding(days: -1).description, client: client)
            }
        }
    }

    /// Every report table of every site against Matomo's own answers, every row of every day of the window.
    static func reports(_ env: ConformanceEnv, _ warehouse: ConformanceWarehouse, run: ConformanceWarehouse.SyncRun,
                        zones: [Int: TimeZone], client: MatomoClient, into result: inout CheckResult) async throws {
        if env.mariadbSocket == nil {
            ConformanceEnv.say("reports of \(warehouse): compared up to yesterday (a user's own instance re-archives today while the suite runs)")
        }
        for table in ReportTable.all {
            let everyRow = try await warehouse.query("SELECT * FROM \(table.name)")
            let rowsBySite = Dictionary(grouping: everyRow) { ($0["_site_id"] as? NSNumber)?.intValue ?? -1 }
            for site in env.sites {
                let zone = zones[site]!
                let today = LocalDay.containing(epochSeconds: run.started, in: zone)
                let days = (0...365).map { today.adding(days: $0 - 365).description }
                let answers = try await ReportTruth.shared.answers(table, site: site, days: days, recentFrom: today.adding(days: -5).description, client: client)
                let rows = rowsBySite[site] ?? []
                var byDay: [String: [[String: Any]]] = [:]
                for row in rows { byDay[String((row["_date"] as? String ?? "").prefix(10)), default: []].append(row) }
                let late = LocalDay.containing(epochSeconds: run.ended, in: zone)
                for day in byDay.keys where !days.contains(day) && day != late.description && day != today.adding(days: -366).description {
                    result.fail("\(table.name) site \(site): rows stored for \(day), outside the window")
                }
                var problems: [String] = []
                // A user's own instance archives today from the browser while the suite runs, so its
                // answer for today can be newer than the one the sync took (15 minutes apart, by
                // default): its days are compared up to yesterday. The kit's archives are built once.
                let compared = env.mariadbSocket == nil ? Array(days.dropLast()) : days
                for day in compared {
                    let stored = byDay[day] ?? []
                    let answer = answers[day]
                    if let metrics = answer as? [String: Any] {
                        guard stored.count == 1 else { problems.append("\(day): \(stored.count) rows stored, Matomo answered one"); continue }
                        problems += RowComparison.differences(api: metrics, stored: stored[0]).map { "\(day) \($0)" }
                    } else if let list = answer as? [[String: Any]] {
                        guard let key = table.key else {
                            // `[]`: a day without data in a multi-day answer; the sync stores a row of zeros.
                            guard list.isEmpty, stored.count == 1 else { problems.append("\(day): \(stored.count) rows stored for an empty day"); continue }
                            problems += RowComparison.differences(api: [:], stored: stored[0], allowZeros: true).map { "\(day) \($0)" }
                            continue
                        }
                        func keyOf(_ row: [String: Any]) -> String { key.map { RowComparison.describe(row[$0].flatMap { RowComparison.number($0).map { NSNumber(value: $0) } ?? $0 }) }.joined(separator: "|") }
                        let storedByKey = Dictionary(stored.map { (keyOf($0), $0) }, uniquingKeysWith: { a, _ in a })
                        if stored.count != list.count { problems.append("\(day): \(stored.count) rows stored, Matomo answered \(list.count)") }
                        for apiRow in list {
                            guard let match = storedByKey[keyOf(apiRow)] else { problems.append("\(day): row \(keyOf(apiRow)) missing"); continue }
                            problems += RowComparison.differences(api: apiRow, stored: match).map { "\(day) \(keyOf(apiRow)) \($0)" }
                        }
                    } else {
                        problems.append("\(day): Matomo answered \(RowComparison.describe(answer))")
                    }
                }
                if !problems.isEmpty {
                    result.fail("\(table.name) site \(site): \(problems.count) differences with Matomo's answers, e.g.\n    " + problems.prefix(8).joined(separator: "\n    "))
                }
                result.compared += rows.count
            }
        }
    }
}

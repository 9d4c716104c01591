import Foundation
import Logging
import MatomoAPI
import MatomoSync
import Synchronization

/// The one place the console reaches the sync engine, the scheduler, the warehouse's state and its
/// read-only query side, and the config file. Pages and routes see only this type's answers, so a
/// change of engine (one sync service for every front end) is a change of this file alone.
public actor ConsoleBackend {
    public struct Settings: Sendable {
        public var configPath: String
        /// `--warehouse`; nil: the config file's, or the default.
        public var warehouseURL: String?
        public var clientConfiguration = ClientConfiguration()
        public var maxConcurrentTables = 2
        public var environment: [String: String] = ProcessInfo.processInfo.environment

        public init(configPath: String, warehouseURL: String? = nil) {
            self.configPath = configPath
            self.warehouseURL = warehouseURL
        }
    }

    public nonisolated let settings: Settings
    public nonisolated let warehouseURL: String
    public let warehouse: any Warehouse
    public nonisolated let progress: LiveProgress
    public nonisolated let metrics: ConsoleMetrics
    let logger: Logger
    let now: @Sendable () -> Date

    /// The sources of the file as last loaded (empty when there is no file yet).
    public private(set) var sources: [SourceConfig] = []
    /// Why the last reload failed; the sources before it stay in force.
    public private(set) var reloadError: String?
    private nonisolated let control = Control()

    /// Set once the scheduler has been asked to stop: open live pages end their streams.
    public nonisolated var isStopping: Bool { control.state.withLock { $0.stop } }

    /// Stops the scheduler after the batch in hand (the server failed, or a test is done).
    public nonisolated func requestStop() { control.state.withLock { $0.stop = true } }
    private var statusCache: (at: Date, value: [TableStatus])?

    /// Flags the scheduler's loop reads between batches.
    final class Control: Sendable {
        struct State {
            var stop = false
            var restart = false
            var manual: [ManualRun] = []
            var lastPassReports: [TableReport] = []
        }
        let state = Mutex(State())
        var stopOrRestart: String? {
            state.withLock { $0.stop ? "a stop request" : ($0.restart ? "a reload of the config" : nil) }
        }
    }

    struct ManualRun: Sendable {
        var source: Int
        var siteId: Int
        var table: TableName
        var fullRefresh: Bool
    }

    public init(settings: Settings, logger: Logger = Logger(label: "matomo-sync.console"),
                now: @escaping @Sendable () -> Date = { Date() }) throws {
        self.settings = settings
        self.logger = logger
        self.now = now
        let fileWarehouse = FileManager.default.fileExists(atPath: settings.configPath)
            ? try ConfigLoader.warehouse(path: settings.configPath) : nil
        warehouseURL = settings.warehouseURL ?? fileWarehouse ?? WarehouseURL.defaultURL
        warehouse = try WarehouseURL.open(warehouseURL)
        metrics = ConsoleMetrics()
        progress = LiveProgress(metrics: metrics, now: now)
    }

    // MARK: The config file

    /// Reads the file again. Refused (the old sources kept) when it does not load; returns the reason.
    @discardableResult
    public func reload() -> String? {
        do {
            sources = try Self.loadSources(settings)
            reloadError = nil
        } catch {
            reloadError = redact(Self.describe(error))
        }
        control.state.withLock { $0.restart = true }
        statusCache = nil
        return reloadError
    }

    static func loadSources(_ settings: Settings) throws -> [SourceConfig] {
        let path = settings.configPath
        guard FileManager.default.fileExists(atPath: path) else { return [] }
        let text = try String(contentsOfFile: path, encoding: .utf8)
        // A file with no source yet (all removed) is an empty console, not an error.
        if !text.split(whereSeparator: \.isNewline).contains(where: { $0.trimmingCharacters(in: .whitespaces).hasPrefix("[[source]]") }) {
            return []
        }
        return try ConfigLoader.parse(text, path: path, environment: settings.environment).sources
    }

    /// Checks the new sources as the loader will, then writes the file and reloads it.
    func save(_ newSources: [SourceConfig]) throws {
        let text = ConfigFileWriter.render(warehouse: warehouseURL, sources: newSources)
        if !newSources.isEmpty {
            _ = try ConfigLoader.parse(text, path: settings.configPath, environment: settings.environment)
        }
        try ConfigFileWriter.save(text, to: settings.configPath)
        if let error = reload() { throw ConsoleError(error) }
    }

    /// Where a new source's token is kept: beside the config, mode 0600.
    func tokenPath(for url: String) -> String {
        let folder = URL(fileURLWithPath: settings.configPath).standardizedFileURL.deletingLastPathComponent().path
        let host = (try? InstanceURL(parsing: url).host) ?? "matomo"
        let safe = String(host.unicodeScalars.map { CharacterSet.alphanumerics.contains($0) ? Character($0) : "_" })
        var path = "\(folder)/\(URL(fileURLWithPath: settings.configPath).lastPathComponent).\(safe).token"
        var n = 2
        let used = Set(sources.compactMap { if case .file(let p) = $0.token { return p } else { return nil } })
        while used.contains(path) {
            path = "\(folder)/\(URL(fileURLWithPath: settings.configPath).lastPathComponent).\(safe)-\(n).token"
            n += 1
        }
        return path
    }

    // MARK: Linking a source

    public struct ConnectionCheck: Sendable {
        public var version: String
        public var siteName: String
        public var timezone: String
    }

    /// What `matomo-sync check` asks: the version, the site, and one visit of the Live API.
    public func checkConnection(url: String, siteId: Int, token: String) async -> Result<ConnectionCheck, ConsoleError> {
        let client: MatomoClient
        do {
            client = try MatomoClient(instance: try InstanceURL(parsing: url), token: try APIToken(token),
                                      configuration: settings.clientConfiguration)
        } catch {
            return .failure(ConsoleError("error: " + redact(Self.describe(error), also: token)))
        }
        do {
            let version = try await client.matomoVersion()
            let site = try await client.site(id: siteId)
            _ = try await client.call("Live.getLastVisitsDetails", [("idSite", String(siteId)), ("period", "day"), ("date", "today"), ("filter_limit", "1")])
            await client.shutdown()
            return .success(ConnectionCheck(version: version, siteName: site.name, timezone: site.timezoneName))
        } catch {
            await client.shutdown()
            return .failure(ConsoleError("error: " + redact(Self.describe(error), also: token)))
        }
    }

    /// Saves a new source (its token in a 0600 file beside the config) and starts its first sync.
    public func importSource(url: String, siteIds: [Int], token: String, tables: [TableName: TablePlan]) throws {
        guard !url.isEmpty, !url.contains(where: { $0.isWhitespace || $0.isNewline }) else {
            throw ConsoleError("Instance URL: give one address without spaces, e.g. https://analytics.example.com")
        }
        do { _ = try InstanceURL(parsing: url) } catch { throw ConsoleError("Instance URL: " + Self.describe(error)) }
        do { _ = try APIToken(token) } catch { throw ConsoleError("API token: " + redact(Self.describe(error), also: token)) }
        guard !siteIds.isEmpty, siteIds.allSatisfy({ $0 > 0 }) else { throw ConsoleError("Site ID: give a positive site ID such as 1") }
        guard !tables.isEmpty else { throw ConsoleError("pick at least one table") }
        do { try TableCatalog.builtIn.checkSelection(Array(tables.keys)) } catch { throw ConsoleError(Self.describe(error)) }
        let tokenFile = tokenPath(for: url)
        try SecretFile.write(token + "\n", to: tokenFile)
        let prefix = freePrefix(url: url, siteIds: siteIds)
        let source = SourceConfig(url: url, sites: .ids(siteIds), token: .file(tokenFile), tokenValue: token,
                                  tablePrefix: prefix, backfillDays: 365, every: 6 * 3600, tables: tables)
        do {
            try save(sources + [source])
        } catch {
            unlink(tokenFile)
            throw ConsoleError(redact(Self.describe(error), also: token))
        }
    }

    /// No prefix unless another source already writes the same sites without one.
    func freePrefix(url: String, siteIds: [Int]) -> String {
        func clashes(_ prefix: String) -> Bool {
            sources.contains { s in
                guard s.tablePrefix == prefix else { return false }
                switch s.sites {
                case .all: return true
                case .ids(let ids): return !Set(ids).isDisjoint(with: siteIds)
                }
            }
        }
        if !clashes("") { return "" }
        var n = 2
        while clashes("source\(n)_") { n += 1 }
        return "source\(n)_"
    }

    // MARK: Editing a source

    func checkedSource(_ index: Int) throws -> SourceConfig {
        guard sources.indices.contains(index) else { throw ConsoleError("no such source (the config file changed?); reload the page") }
        return sources[index]
    }

    public func setPlan(source index: Int, table: TableName, method: TablePlan.Method?, every: Int?, paused: Bool?) throws {
        var all = sources
        _ = try checkedSource(index)
        guard var plan = all[index].tables[table] else { throw ConsoleError("\(table) is not synced by this source") }
        if let method { plan.method = method }
        if method == .incremental { plan.truncate = false }
        if let every { plan.every = every }
        if let paused { plan.paused = paused }
        all[index].tables[table] = plan
        // A derived table goes with its source table.
        for (name, var p) in all[index].tables where all[index].catalog.spec(name)?.derivedFrom == table {
            if let paused { p.paused = paused }
            all[index].tables[name] = p
        }
        try save(all)
    }

    /// Removes the source from the file; with `deleteTables`, drops its tables and forgets their state.
    public func removeSource(_ index: Int, deleteTables: Bool) async throws {
        let source = try checkedSource(index)
        var all = sources
        all.remove(at: index)
        if deleteTables {
            let sharing = all.contains { $0.tablePrefix == source.tablePrefix }
            guard !sharing else {
                throw ConsoleError("another source writes into the same tables (table prefix \"\(source.tablePrefix)\"); remove the source without deleting its tables")
            }
        }
        try save(all)
        if case .file(let path) = source.token, !all.contains(where: { $0.token == source.token }) { unlink(path) }
        guard deleteTables else { return }
        await waitForIdle()
        // Runs of this source still to be written would save its old states again: write them first.
        while historyBusy { try? await Task.sleep(for: .milliseconds(50)) }
        await writeHistory()
        let instance = (try? InstanceURL(parsing: source.url).endpoint) ?? source.url
        var siteIds = Set<Int>()
        for status in try await warehouse.status() where status.instance == instance {
            siteIds.insert(status.siteId)
            guard let name = source.catalog.names.first(where: { source.tablePrefix + $0.rawValue == status.table }) else { continue }
            // A blank state, so linking the source again backfills instead of trusting an old cursor.
            try await warehouse.saveState(StateKey(instance: instance, siteId: status.siteId, table: name, tablePrefix: source.tablePrefix), TableState())
        }
        for name in source.catalog.names {
            for site in siteIds { try await warehouse.dropTable(stagingTableName(source.tablePrefix + name.rawValue, siteId: site)) }
            try await warehouse.dropTable(source.tablePrefix + name.rawValue)
        }
        statusCache = nil
    }

    /// Waits until the scheduler is between passes (it restarts after the reload that removal caused).
    func waitForIdle() async {
        for _ in 0..<600 where progress.anyRunning {
            try? await Task.sleep(for: .milliseconds(100))
        }
    }

    /// Runs one table now (after the pass in hand), incrementally or as a full refresh.
    public func syncNow(source index: Int, siteId: Int, table: TableName, fullRefresh: Bool) throws {
        let source = try checkedSource(index)
        guard source.tables[table] != nil else { throw ConsoleError("\(table) is not synced by this source") }
        control.state.withLock { $0.manual.append(ManualRun(source: index, siteId: siteId, table: table, fullRefresh: fullRefresh)) }
    }

    // MARK: The scheduler

    /// Runs what is due, as `run` does, until `stopRequested` says stop: each pass syncs the due tables
    /// (a bounded number at a time); a reload or a Sync now request is taken after the batch in hand.
    public func runScheduler(stopRequested: @escaping @Sendable () -> String?) async {
        let control = self.control
        let stopRequested: @Sendable () -> String? = {
            stopRequested() ?? (control.state.withLock { $0.stop } ? "a stop request" : nil)
        }
        let stop: @Sendable () -> String? = {
            if let reason = stopRequested() {
                control.state.withLock { $0.stop = true }
                return reason
            }
            return control.stopOrRestart
        }
        do { try await ensurePrepared() } catch { logger.error("\(redact(Self.describe(error)))") }
        while stopRequested() == nil {
            control.state.withLock { $0.restart = false }
            let manual = control.state.withLock { s -> ManualRun? in s.manual.isEmpty ? nil : s.manual.removeFirst() }
            let config: SyncConfig
            if let manual, sources.indices.contains(manual.source) {
                var source = sources[manual.source]
                var plan = source.tables[manual.table] ?? TablePlan(method: .incremental, every: source.every)
                plan.paused = false
                if manual.fullRefresh { plan.method = .fullRefresh }
                source.tables = source.tables.filter { source.catalog.spec($0.key)?.derivedFrom == manual.table }
                    .mapValues { var p = $0; p.paused = false; return p }
                source.tables[manual.table] = plan
                source.sites = .ids([manual.siteId])
                config = SyncConfig(warehouse: warehouseURL, sources: [source], path: settings.configPath)
                await pass(config, all: true, stop: stop)
                continue
            }
            if !sources.isEmpty {
                config = SyncConfig(warehouse: warehouseURL, sources: sources, path: settings.configPath)
                await pass(config, all: false, stop: stop)
            }
            // Sleep until something is due, asked for, reloaded, or stopped.
            let wake = await nextDue() ?? now().addingTimeInterval(60)
            while stopRequested() == nil, now() < wake,
                  control.state.withLock({ !$0.restart && $0.manual.isEmpty }) {
                try? await Task.sleep(for: .milliseconds(200))
            }
        }
        control.state.withLock { $0.stop = true }
        await writeHistory()
    }

    private func pass(_ config: SyncConfig, all: Bool, stop: @escaping @Sendable () -> String?) async {
        do {
            let runner = try ScheduledRunner(config: config, warehouse: warehouse, clientConfiguration: settings.clientConfiguration,
                                             progress: progress, maxConcurrentTables: settings.maxConcurrentTables,
                                             now: now, stopRequested: stop, logger: logger)
            do {
                // A scheduled pass also runs the sources' due verifies; a Sync now pass (`all`) does not.
                try await runner.runOnce(all: all, verifies: !all)
            } catch let error as SyncError {
                if case .interrupted = error {} else { logger.error("\(redact(Self.describe(error)))") }
            } catch {
                logger.error("\(redact(Self.describe(error)))")
            }
            await runner.shutdown()
        } catch {
            logger.error("\(redact(Self.describe(error)))")
        }
        statusCache = nil
        await writeHistory()
    }

    /// When the earliest enabled table is due; nil when one is due now.
    private func nextDue() async -> Date? {
        guard !sources.isEmpty else { return now().addingTimeInterval(3600) }
        var states: [(TableState?, Int)] = []
        guard let known = try? await warehouse.status() else { return nil }
        for source in sources {
            let instance = (try? InstanceURL(parsing: source.url).endpoint) ?? source.url
            // Each scheduled table, and the source's verify: its state rows, one per site once it ran.
            var scheduled = source.enabledTables.filter { source.catalog.spec($0.0)?.derivedFrom == nil }.map { ($0.0, $0.1.every) }
            if let verify = source.verify { scheduled.append((VerifyPlan.stateTable, verify.every)) }
            for (table, every) in scheduled {
                let matching = known.filter { $0.instance == instance && $0.table == source.tablePrefix + table.rawValue }
                if case .ids(let ids) = source.sites, matching.count < ids.count { return nil }
                states += matching.map { ($0.state, every) }
            }
        }
        return Schedule.earliest(states, now: now())
    }

    // MARK: Run history

    /// The run history table: one row per table run, written between passes (no sync in flight).
    public static let runsTable = "_matomo_sync_runs"

    static let runColumns: [Column] = TableSpec.metaColumns + [
        Column("run_id", .text), Column("instance", .text), Column("table_name", .text), Column("started_at", .text),
        Column("seconds", .real), Column("rows", .integer), Column("requests", .integer), Column("result", .text),
        Column("error", .text), Column("full_refresh", .integer),
    ]

    /// While history rows are being written (each re-saves its table's state as loaded).
    private var historyBusy = false

    private func writeHistory() async {
        let finished = progress.takeFinished()
        guard !finished.isEmpty else { return }
        historyBusy = true
        defer { historyBusy = false }
        do {
            try await warehouse.lockForSync()
        } catch {
            logger.warning("run history not written: \(redact(Self.describe(error)))")
            return
        }
        for run in finished {
            let (key, row) = historyRow(run)
            do {
                let state = try await warehouse.loadState(key) ?? TableState()
                try await warehouse.commit(TableWrite(table: Self.runsTable, mergeKey: ["_site_id", "run_id"], declaredColumns: Self.runColumns,
                                                      batch: RowBatch(columns: Self.runColumns, rows: [row]), replace: .byKey,
                                                      stateKey: key, state: state))
            } catch {
                logger.warning("run history not written: \(redact(Self.describe(error)))")
            }
        }
        await warehouse.unlockSync()
    }

    /// A finished run's history row, and the state row its commit re-saves as it is. A verify's
    /// `table_name` is its state row's (`_verify`, prefixed), its `rows` the days it repaired, its
    /// `result` clean, differs or failed and its `error` the verdict (or how much it checked).
    private func historyRow(_ run: FinishedRun) -> (StateKey, [Cell]) {
        let key: StateKey, instance: String, started: Date, seconds: Double, rows: Int, requests: Int
        let result: String, error: String?, fullRefresh: Bool
        switch run {
        case .table(let r, let finishedAt):
            let prefix = String(r.physicalTable.dropLast(r.table.rawValue.count))
            key = StateKey(instance: r.instance, siteId: r.siteId, table: r.table, tablePrefix: prefix)
            (instance, started, seconds, rows, requests) = (r.instance, finishedAt.addingTimeInterval(-r.seconds), r.seconds, r.rows, r.requests)
            (result, error, fullRefresh) = (r.error == nil ? "synced" : "failed", r.error, r.fullRefresh)
        case .verify(let v):
            key = v.key
            (instance, started, seconds, rows, requests) = (v.instance, v.startedAt, v.seconds, v.daysRepaired, v.requests)
            result = v.result.rawValue
            error = v.message ?? "\(v.daysChecked) table days checked, all agree with Matomo"
            fullRefresh = false
        }
        return (key, [
            .int(Int64(key.siteId)), .text(LocalDayFormat.utcDay(started)), .text(Timestamps.iso(now())),
            .text(UUID().uuidString.lowercased()), .text(instance), .text(key.physicalTable), .text(Timestamps.iso(started)),
            .real((seconds * 1000).rounded() / 1000), .int(Int64(rows)), .int(Int64(requests)),
            .text(result), error.map { .text(redact($0)) } ?? .null, .int(fullRefresh ? 1 : 0),
        ])
    }

    public struct RunRecord: Sendable {
        public var table: String
        public var siteId: Int
        public var startedAt: String
        public var seconds: Double
        public var rows: Int
        public var requests: Int
        public var result: String
        public var error: String?
    }

    /// The latest runs of a source's tables, newest first.
    public func runHistory(source index: Int, limit: Int = 50) async throws -> [RunRecord] {
        let source = try checkedSource(index)
        let instance = (try? InstanceURL(parsing: source.url).endpoint) ?? source.url
        let names = Set((source.catalog.names + [VerifyPlan.stateTable]).map { source.tablePrefix + $0.rawValue })
        try await ensurePrepared()
        guard try await warehouse.tableNames().contains(Self.runsTable) else { return [] }
        // Filtered here rather than in SQL: `query` takes no bound parameters, and nothing of the
        // config is ever spliced into SQL.
        let sql = "SELECT table_name, _site_id, started_at, seconds, rows, requests, result, error, instance FROM \(Self.runsTable) ORDER BY started_at DESC LIMIT 5000"
        let result: QueryResult
        do {
            result = try await warehouse.query(sql)
        } catch {
            // On ClickHouse the table's storage is listed a moment before the view over it exists
            // (no DDL transactions): the history's very first write can be in between.
            try await Task.sleep(for: .milliseconds(300))
            result = try await warehouse.query(sql)
        }
        var out: [RunRecord] = []
        for row in result.rows {
            guard row.count == 9, case .text(let inst) = row[8], inst == instance, case .text(let table) = row[0], names.contains(table) else { continue }
            let shown = table == source.tablePrefix + VerifyPlan.stateTable.rawValue ? "verify" : table
            out.append(RunRecord(table: shown, siteId: Int(Self.number(row[1])), startedAt: Self.text(row[2]), seconds: Self.number(row[3]),
                                 rows: Int(Self.number(row[4])), requests: Int(Self.number(row[5])), result: Self.text(row[6]),
                                 error: { if case .text(let e) = row[7], !e.isEmpty { return redact(e) } else { return nil } }()))
            if out.count >= limit { break }
        }
        return out
    }

    /// Visits per day of a site over its synced window, from `visits_summary`.
    public func visitsPerDay(source index: Int, siteId: Int) async throws -> [(day: String, visits: Int)] {
        let source = try checkedSource(index)
        let table = source.tablePrefix + TableName.visitsSummary.rawValue
        try await ensurePrepared()
        guard try await warehouse.tableNames().contains(table) else { return [] }
        // The table name is [a-z0-9_] only and the site ID an integer: nothing else enters the SQL.
        let result = try await warehouse.query("SELECT _date, nb_visits FROM \(table) WHERE _site_id = \(siteId) ORDER BY _date")
        return result.rows.map { (Self.text($0[0]), Int(Self.number($0.count > 1 ? $0[1] : .null))) }
    }

    static func number(_ cell: Cell) -> Double {
        switch cell {
        case .int(let v): return Double(v)
        case .real(let v): return v
        case .text(let s): return Double(s) ?? 0
        case .null: return 0
        }
    }

    static func text(_ cell: Cell) -> String {
        switch cell {
        case .int(let v): return String(v)
        case .real(let v): return String(v)
        case .text(let s): return s
        case .null: return ""
        }
    }

    // MARK: Status

    private var preparing: Task<Void, any Error>?

    /// Creates the state table (and on ClickHouse the database) before the first read: a page may
    /// ask before the scheduler's first pass. One preparation shared by every caller (two at once
    /// would both create the table); a failed one is tried again by the next caller.
    func ensurePrepared() async throws {
        let task: Task<Void, any Error>
        if let preparing {
            task = preparing
        } else {
            let warehouse = self.warehouse
            task = Task { try await warehouse.prepare() }
            preparing = task
        }
        do {
            try await task.value
        } catch {
            preparing = nil
            throw error
        }
    }

    /// Every table's state in the warehouse (cached for a second: every open page asks).
    public func status() async throws -> [TableStatus] {
        if let cache = statusCache, now().timeIntervalSince(cache.at) < 1 { return cache.value }
        try await ensurePrepared()
        let value = try await warehouse.status()
        statusCache = (now(), value)
        return value
    }

    // MARK: Queries

    /// Runs SQL read-only, as `matomo-sync query`: a read-only connection of its own.
    public func query(_ sql: String) async throws -> QueryResult {
        let reader = try WarehouseURL.openReader(warehouseURL)
        do {
            let result = try await reader.query(sql)
            try? await reader.close()
            return result
        } catch {
            try? await reader.close()
            throw ConsoleError(redact(Self.describe(error)))
        }
    }

    public func close() async {
        try? await warehouse.close()
    }

    // MARK: Secrets

    /// Every token of the loaded sources, and `also`, replaced: the last guard before a page or a log.
    public func redact(_ text: String, also extra: String? = nil) -> String {
        var out = text
        for token in sources.map(\.tokenValue) + [extra].compactMap({ $0 }) where token.count >= 4 {
            out = out.replacingOccurrences(of: token, with: "<redacted>")
        }
        return out
    }

    public func tokens() -> [String] { sources.map(\.tokenValue) }

    static func describe(_ error: any Error) -> String {
        if let e = error as? MatomoError { return e.description }
        if let e = error as? SyncError { return e.description }
        if let e = error as? ConsoleError { return e.description }
        return String(describing: error)
    }
}

extension LiveProgress {
    var anyRunning: Bool { version >= 0 && !runningKeys.isEmpty }
}

enum LocalDayFormat {
    static func utcDay(_ date: Date) -> String {
        String(Timestamps.iso(date).prefix(10))
    }
}

import Foundation

/// What one sync run does.
public struct SyncOptions: Sendable {
    public var tables: [TableName] = TableName.allCases
    /// The tables this run knows: the built-in ones and the config's reports.
    public var catalog: TableCatalog = .builtIn
    /// The config's report declarations by table (their origin and key), settled against Matomo at the start of a run.
    public var reportDeclarations: [TableName: ReportDeclaration] = [:]
    var reportOrigins: [TableName: String] { reportDeclarations.mapValues(\.origin) }
    public var fullRefresh = false
    /// With `fullRefresh`: the completed refresh replaces all of the site's rows, deleting those older
    /// than the window too. Without it only the window's days are replaced and older rows stay.
    public var truncate = false
    /// How far the first sync (or a full refresh) reaches back.
    public var backfillDays = 365
    /// Visits per Live API page; about 4 MB of JSON per 1,000.
    public var pageSize = 1000
    /// Days per `period=day&date=A,B` request.
    public var rangeDays = 100
    /// Single-day requests per `API.getBulkRequest`.
    public var bulkDays = 31
    /// Visits per segment of the visit walk, in pages: a segment's pages are requested together, by
    /// `filter_offset`; bigger segments mean fewer short pages but deeper offsets on the server.
    public var pagesPerSegment = 5
    /// How the visit log is walked.
    public var strategy: Strategy = .segmented
    /// Runs the report tables while the visit log is walked, and sends a report's requests (its date
    /// ranges and bulk requests) several at a time, all within the client's concurrency. false: one
    /// table after another, one report request at a time (the benchmark's before).
    /// With the lanes an interruption reaches the walk anywhere, inside a commit too: a failed table
    /// records its error on the last committed state (`TableRun.committed`), never on a cursor moved
    /// for a batch that did not land (`UncommittedCursorTests`).
    public var overlapTables = true

    public enum Strategy: String, Sendable {
        /// Day counts from `VisitsSummary.get` first, then days grouped into segments whose pages are
        /// fetched several at a time (the client's concurrency) and committed in order.
        case segmented
        /// One day at a time, one request at a time: the benchmark's baseline.
        case dayByDay = "day-by-day"
    }
    /// The clock; tests pass a fixed one.
    public var now: @Sendable () -> Date = { Date() }
    /// Prepended to every table name (`shop_` → `shop_visits`).
    public var tablePrefix = ""
    /// Set by scheduled runs: each table's next run is this many seconds after a success (sooner,
    /// with backoff, after a failure) and is saved with its state.
    public var every: Int?
    /// Asked between commits: a reason (e.g. "SIGTERM") stops the run after the batch in hand is committed.
    public var stopRequested: @Sendable () -> String? = { nil }

    public init() {}

    public static let maxBackfillDays = 3650

    /// `[a-z0-9_]{0,30}`: a prefixed name then needs no quoting in any warehouse's SQL.
    public static func isValidTablePrefix(_ prefix: String) -> Bool {
        prefix.count <= 30 && prefix.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_" }
    }

    /// Refuses nonsense before any request is made.
    public func validate() throws {
        guard (0...Self.maxBackfillDays).contains(backfillDays) else {
            throw SyncError.invalidInput("--backfill-days must be between 0 and \(Self.maxBackfillDays), got \(backfillDays)")
        }
        guard (1...10_000).contains(pageSize) else {
            throw SyncError.invalidInput("--page-size must be between 1 and 10000, got \(pageSize)")
        }
        guard !tables.isEmpty else { throw SyncError.invalidInput("no table to sync") }
        guard Self.isValidTablePrefix(tablePrefix) else {
            throw SyncError.invalidInput("--table-prefix may hold only lowercase letters, digits and _ ([a-z0-9_], at most 30), got '\(tablePrefix)'")
        }
        guard !truncate || fullRefresh else {
            throw SyncError.invalidInput("--truncate deletes the rows older than the window and goes with --full-refresh only")
        }
        try catalog.checkSelection(tables)
        guard rangeDays >= 1, bulkDays >= 1, pagesPerSegment >= 1 else {
            throw SyncError.invalidInput("range days, bulk days and pages per segment must be at least 1")
        }
    }
}

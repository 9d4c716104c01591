/// A config file, loaded and checked: a warehouse and the Matomo sources synced into it.
public struct SyncConfig: Sendable {
    public var warehouse: String
    public var sources: [SourceConfig]
    /// Where it came from, for messages.
    public var path: String
}

/// How a source's token is found.
public enum TokenSource: Sendable, Equatable {
    case file(String)
    case env(String)
}

/// Which sites of an instance.
public enum SiteSelection: Sendable, Equatable {
    case ids([Int])
    /// Every site the token can view.
    case all
}

/// One Matomo instance and what to sync from it.
public struct SourceConfig: Sendable {
    public var url: String
    public var sites: SiteSelection
    public var token: TokenSource
    /// The token itself, read at load so a missing one is refused early.
    public var tokenValue: String
    public var tablePrefix: String
    public var backfillDays: Int
    /// Seconds between syncs of a table, unless the table says otherwise.
    public var every: Int
    public var tables: [TableName: TablePlan]
    /// Reports declared as tables (`[[source.report]]`).
    public var reports: [ReportDeclaration] = []
    /// A scheduled verify of the source's tables (`verify = { ... }`), run by `run`.
    public var verify: VerifyPlan?

    /// The built-in tables and this source's reports.
    public var catalog: TableCatalog {
        (try? TableCatalog.builtIn.adding(reports.map(\.spec))) ?? .builtIn
    }

    /// The tables this source syncs, in catalog order.
    public var enabledTables: [(TableName, TablePlan)] {
        catalog.names.compactMap { name in tables[name].map { (name, $0) } }
    }
}

/// A table's sync method and frequency.
public struct TablePlan: Sendable, Equatable {
    public init(method: Method, every: Int, truncate: Bool = false) {
        self.method = method
        self.every = every
        self.truncate = truncate
    }

    public enum Method: String, Sendable { case incremental, fullRefresh = "full_refresh" }
    public var method: Method
    public var every: Int
    /// With `full_refresh`: each refresh also deletes the rows older than its window (`truncate = true`).
    public var truncate: Bool
}

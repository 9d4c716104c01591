/// A config file, loaded and checked: a warehouse and the Matomo sources synced into it.
public struct SyncConfig: Sendable {
    public var warehouse: String
    public var sources: [SourceConfig]
    /// Where it came from, for messages.
    public var path: String

    public init(warehouse: String, sources: [SourceConfig], path: String) {
        self.warehouse = warehouse
        self.sources = sources
        self.path = path
    }
}

/// How a source's token is found.
public enum TokenSource: Sendable, Equatable {
    case file(String)
    case env(String)
}

/// Which sites of an instance.
public enum SiteSelection: Sendable, Equatable, CustomStringConvertible {
    case ids([Int])
    /// Every site the token can view.
    case all

    /// `site 1`, `sites 1,3`, `every site the token can view`.
    public var description: String {
        switch self {
        case .all: return "every site the token can view"
        case .ids(let ids) where ids.count == 1: return "site \(ids[0])"
        case .ids(let ids): return "sites " + ids.map(String.init).joined(separator: ",")
        }
    }
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

    public init(url: String, sites: SiteSelection, token: TokenSource, tokenValue: String, tablePrefix: String = "",
                backfillDays: Int = 365, every: Int = 6 * 3600, tables: [TableName: TablePlan], reports: [ReportDeclaration] = []) {
        self.url = url
        self.sites = sites
        self.token = token
        self.tokenValue = tokenValue
        self.tablePrefix = tablePrefix
        self.backfillDays = backfillDays
        self.every = every
        self.tables = tables
        self.reports = reports
    }

    /// The built-in tables and this source's reports.
    public var catalog: TableCatalog {
        (try? TableCatalog.builtIn.adding(reports.map(\.spec))) ?? .builtIn
    }

    /// The tables this source syncs, in catalog order (a paused table is left out until resumed).
    public var enabledTables: [(TableName, TablePlan)] {
        catalog.names.compactMap { name in tables[name].flatMap { $0.paused ? nil : (name, $0) } }
    }
}

/// A table's sync method and frequency.
public struct TablePlan: Sendable, Equatable {
    public init(method: Method, every: Int, truncate: Bool = false, paused: Bool = false) {
        self.method = method
        self.every = every
        self.truncate = truncate
        self.paused = paused
    }

    public enum Method: String, Sendable { case incremental, fullRefresh = "full_refresh" }
    public var method: Method
    public var every: Int
    /// With `full_refresh`: each refresh also deletes the rows older than its window (`truncate = true`).
    public var truncate: Bool
    /// `paused = true`: neither `run` nor the console's scheduler syncs it; its rows and state stay.
    public var paused: Bool = false
}

import Foundation
import MatomoAPI

/// What one service run syncs: sources x sites x tables, each table with its method. Built by a
/// front end (the command line's flags, a config file, the demo, a console) and run by `SyncService`.
public struct SyncPlan: Sendable {
    public var sources: [Source]

    public init(sources: [Source]) { self.sources = sources }

    /// One Matomo instance, its sites and tables.
    public struct Source: Sendable {
        public var instance: InstanceURL
        public var token: APIToken
        public var sites: SiteSelection
        /// In run order; a derived table (visit_actions) runs inside its source table's run.
        public var tables: [PlannedTable]
        /// What every run of this source shares: backfill window, page size, table prefix, the
        /// catalog and report declarations, the visit strategy. Tables and methods come from `tables`.
        public var options: SyncOptions
        public var grouping: Grouping
        /// A verify on a schedule (`verify = { ... }` in a config), run by `run` and `serve` when due.
        public var verify: VerifyPlan?

        public init(instance: InstanceURL, token: APIToken, sites: SiteSelection, tables: [PlannedTable],
                    options: SyncOptions = SyncOptions(), grouping: Grouping) {
            self.instance = instance
            self.token = token
            self.sites = sites
            self.tables = tables
            self.options = options
            self.grouping = grouping
        }
    }

    /// How a source's tables are cut into runs.
    public enum Grouping: Sendable, Equatable {
        /// One run per site with every table (the visit log and the reports in their lanes), sites one
        /// after another; a failure that stops a site (token, access, unreachable) ends the whole run.
        /// `sync` with flags and the demo.
        case perSite
        /// One run per table of each site, each when it is due, a few at a time; a failure stops only
        /// its table, which backs off. `sync --config` and `run`.
        case perTable
    }

    /// A table and how to sync it.
    public struct PlannedTable: Sendable, Equatable {
        public var name: TableName
        public var method: TablePlan.Method
        /// With `.fullRefresh`: the completed refresh also deletes the rows older than its window.
        public var truncate: Bool
        /// Seconds between runs when scheduled (saved as the table's next run); nil: not scheduled.
        public var every: Int?

        public init(_ name: TableName, method: TablePlan.Method = .incremental, truncate: Bool = false, every: Int? = nil) {
            self.name = name
            self.method = method
            self.truncate = truncate
            self.every = every
        }
    }
}

extension SyncPlan {
    /// A config file's plan: each source's enabled tables with their own method and frequency.
    public init(config: SyncConfig, pageSize: Int? = nil) throws {
        sources = try config.sources.map { source in
            var options = SyncOptions()
            options.catalog = source.catalog
            options.reportDeclarations = Dictionary(source.reports.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
            options.backfillDays = source.backfillDays
            options.tablePrefix = source.tablePrefix
            if let pageSize { options.pageSize = pageSize }
            var planned = Source(instance: try InstanceURL(parsing: source.url), token: try APIToken(source.tokenValue), sites: source.sites,
                                 tables: source.enabledTables.map { PlannedTable($0.0, method: $0.1.method, truncate: $0.1.truncate, every: $0.1.every) },
                                 options: options, grouping: .perTable)
            planned.verify = source.verify
            return planned
        }
    }
}

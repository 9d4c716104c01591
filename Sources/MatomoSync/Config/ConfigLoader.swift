import Foundation
import MatomoAPI
import TOMLKit

/// Reads `matomo-sync.toml`. Everything wrong is refused at load with the file, the key and what is
/// wrong: unknown keys, bad durations, sources that would write the same rows, missing tokens.
public enum ConfigLoader {
    public static func load(path: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> SyncConfig {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw SyncError.invalidInput("\(path): cannot read the config file (check the path and its permissions)")
        }
        return try parse(text, path: path, environment: environment)
    }

    /// Only the file's warehouse, for reading commands (`status --config`): an analyst who may read
    /// the warehouse need not have the sources' tokens.
    public static func warehouse(path: String) throws -> String {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw SyncError.invalidInput("\(path): cannot read the config file (check the path and its permissions)")
        }
        let root: TOMLTable
        do {
            root = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw SyncError.invalidInput("\(path):\(error.source.begin.line): not valid TOML: \(error.description)")
        }
        guard let value = root["warehouse"] else { return defaultWarehouse }
        guard let s = value.string else { throw SyncError.invalidInput("\(path): warehouse: must be a string such as \"sqlite:matomo.sqlite\"") }
        return s
    }

    static let defaultWarehouse = "sqlite:matomo.sqlite"

    public static func parse(_ text: String, path: String, environment: [String: String]) throws -> SyncConfig {
        let root: TOMLTable
        do {
            root = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw SyncError.invalidInput("\(path):\(error.source.begin.line): not valid TOML: \(error.description)")
        }
        func fail(_ key: String, _ message: String) -> SyncError {
            SyncError.invalidInput("\(path): \(key): \(message)")
        }
        try checkKeys(root, allowed: ["warehouse", "source"], at: "", fail)
        let warehouse = try root["warehouse"].map { v -> String in
            guard let s = v.string else { throw fail("warehouse", "must be a string such as \"sqlite:matomo.sqlite\"") }
            return s
        } ?? defaultWarehouse
        guard let sourceArray = root["source"]?.array, !sourceArray.isEmpty else {
            throw fail("source", "no [[source]] section; add one with url, sites and token_file or token_env")
        }
        var sources: [SourceConfig] = []
        for (i, value) in sourceArray.enumerated() {
            let at = "source[\(i)]"
            guard let table = value.table else { throw fail(at, "must be a table ([[source]])") }
            sources.append(try source(table, at: at, path: path, environment: environment, fail))
        }
        try checkOverlaps(sources, fail)
        return SyncConfig(warehouse: warehouse, sources: sources, path: path)
    }

    private static func source(_ t: TOMLTable, at: String, path pathForMessages: String, environment: [String: String],
                               _ fail: (String, String) -> SyncError) throws -> SourceConfig {
        try checkKeys(t, allowed: ["url", "sites", "token_file", "token_env", "table_prefix", "backfill_days", "every", "tables", "report", "verify"], at: at, fail)
        guard let url = t["url"]?.string else { throw fail("\(at).url", "missing; give the Matomo address") }
        do { _ = try InstanceURL(parsing: url) } catch { throw fail("\(at).url", "\(error)") }

        let sites: SiteSelection
        if let s = t["sites"]?.string {
            guard s == "all" else { throw fail("\(at).sites", "must be a list of site IDs or \"all\"") }
            sites = .all
        } else if let list = t["sites"]?.array {
            var ids: [Int] = []
            for v in list {
                guard let id = v.int, id > 0 else { throw fail("\(at).sites", "site IDs are positive integers") }
                ids.append(id)
            }
            guard !ids.isEmpty else { throw fail("\(at).sites", "is empty") }
            sites = .ids(ids)
        } else {
            throw fail("\(at).sites", "missing; give e.g. sites = [1, 3] or sites = \"all\"")
        }

        let token: TokenSource
        let tokenValue: String
        switch (t["token_file"]?.string, t["token_env"]?.string) {
        case (let file?, nil):
            token = .file(file)
            guard let contents = try? String(contentsOfFile: file, encoding: .utf8),
                  let first = contents.split(whereSeparator: \.isNewline).first, !first.trimmingCharacters(in: .whitespaces).isEmpty else {
                throw fail("\(at).token_file", "cannot read a token from \(file)")
            }
            tokenValue = String(first)
        case (nil, let name?):
            token = .env(name)
            guard let value = environment[name], !value.isEmpty else {
                throw fail("\(at).token_env", "the environment variable \(name) is not set")
            }
            tokenValue = value
        case (nil, nil):
            throw fail(at, "no token: set token_file = \"/path\" or token_env = \"MATOMO_TOKEN\"")
        default:
            throw fail(at, "token_file and token_env both set; keep one")
        }
        do { _ = try APIToken(tokenValue) } catch { throw fail("\(at).token", "\(error)") }

        let prefix = t["table_prefix"]?.string ?? ""
        guard SyncOptions.isValidTablePrefix(prefix) else {
            throw fail("\(at).table_prefix", "use only lowercase letters, digits and _ ([a-z0-9_], at most 30)")
        }
        let backfill = t["backfill_days"].map { $0.int } ?? 365
        guard let backfill, (0...SyncOptions.maxBackfillDays).contains(backfill) else {
            throw fail("\(at).backfill_days", "must be a whole number of days from 0 to \(SyncOptions.maxBackfillDays)")
        }
        let every = try duration(t["every"], default: 6 * 3600, key: "\(at).every", fail)

        var reports: [ReportDeclaration] = []
        if let value = t["report"] {
            guard let list = value.array else { throw fail("\(at).report", "must be an array of tables ([[source.report]])") }
            for (j, item) in list.enumerated() {
                let rat = "\(at).report[\(j)]"
                guard let r = item.table else { throw fail(rat, "must be a table") }
                try checkKeys(r, allowed: ["name", "method", "params", "key"], at: rat, fail)
                guard let name = r["name"]?.string else { throw fail("\(rat).name", "missing; the table's name") }
                guard let method = r["method"]?.string else { throw fail("\(rat).method", "missing; e.g. DevicesDetection.getType") }
                var params: [(String, String)] = []
                if let p = r["params"] {
                    guard let pt = p.table else { throw fail("\(rat).params", "must be an inline table, e.g. { flat = \"1\" }") }
                    for k in pt.keys.sorted() {
                        guard let v = pt[k].flatMap({ $0.string ?? $0.int.map(String.init) ?? $0.bool.map { $0 ? "1" : "0" } }) else {
                            throw fail("\(rat).params.\(k)", "must be a string or a number")
                        }
                        params.append((k, v))
                    }
                }
                var key: [String]?
                if let k = r["key"] {
                    guard let arr = k.array, let names = Optional(arr.compactMap(\.string)), names.count == arr.count else {
                        throw fail("\(rat).key", "must be a list of column names, e.g. [\"label\"]")
                    }
                    key = names
                }
                let declaration = ReportDeclaration(name: TableName(name), method: method, params: params, key: key,
                                                    origin: "\(pathForMessages): \(rat)")
                try declaration.checkOffline(against: .builtIn)
                guard !reports.contains(where: { $0.name == declaration.name }) else {
                    throw fail("\(rat).name", "'\(name)' clashes with another report of that name")
                }
                reports.append(declaration)
            }
        }
        var tables: [TableName: TablePlan] = [:]
        for name in TableName.allCases + reports.map(\.name) { tables[name] = TablePlan(method: .incremental, every: every) }
        if let value = t["tables"] {
            guard let tt = value.table else { throw fail("\(at).tables", "must be a table") }
            for key in tt.keys {
                let name = TableName(key)
                guard TableCatalog.builtIn.spec(name) != nil || reports.contains(where: { $0.name == name }) else {
                    throw fail("\(at).tables.\(key)", "unknown table; the tables are \(TableCatalog.builtIn.helpList) and this source's reports")
                }
                let v = tt[key]!
                if let enabled = v.bool {
                    if !enabled { tables[name] = nil }
                    continue
                }
                guard let spec = v.table else { throw fail("\(at).tables.\(key)", "must be false or { method = ..., every = ... }") }
                try checkKeys(spec, allowed: ["method", "every", "truncate"], at: "\(at).tables.\(key)", fail)
                var plan = TablePlan(method: .incremental, every: every)
                if let m = spec["method"] {
                    guard let s = m.string, let method = TablePlan.Method(rawValue: s) else {
                        throw fail("\(at).tables.\(key).method", "must be \"incremental\" or \"full_refresh\"")
                    }
                    plan.method = method
                }
                plan.every = try duration(spec["every"], default: every, key: "\(at).tables.\(key).every", fail)
                if let t = spec["truncate"] {
                    guard let on = t.bool else { throw fail("\(at).tables.\(key).truncate", "must be true or false") }
                    guard !on || plan.method == .fullRefresh else {
                        throw fail("\(at).tables.\(key).truncate", "deletes the rows older than the window and goes with method = \"full_refresh\" only")
                    }
                    plan.truncate = on
                }
                tables[name] = plan
            }
        }
        var config = SourceConfig(url: url, sites: sites, token: token, tokenValue: tokenValue, tablePrefix: prefix,
                                  backfillDays: backfill, every: every, tables: tables, reports: reports)
        config.verify = try verifyPlan(t["verify"], at: "\(at).verify", fail)
        return config
    }

    private static func duration(_ value: TOMLValueConvertible?, default def: Int, key: String,
                                 _ fail: (String, String) -> SyncError) throws -> Int {
        guard let value else { return def }
        guard let s = value.string, let seconds = Every.parse(s) else {
            throw fail(key, "not a duration; use e.g. \"30m\", \"6h\", \"1d\"")
        }
        return seconds
    }

    private static func checkKeys(_ t: TOMLTable, allowed: Set<String>, at: String, _ fail: (String, String) -> SyncError) throws {
        for key in t.keys where !allowed.contains(key) {
            throw fail(at.isEmpty ? key : "\(at).\(key)", "unknown key; allowed here: \(allowed.sorted().joined(separator: ", "))")
        }
    }

    /// Two sources writing the same tables with sites that could be the same rows.
    private static func checkOverlaps(_ sources: [SourceConfig], _ fail: (String, String) -> SyncError) throws {
        for i in sources.indices {
            for j in sources.indices where j > i {
                let a = sources[i], b = sources[j]
                guard a.tablePrefix == b.tablePrefix else { continue }
                let overlap: Bool
                switch (a.sites, b.sites) {
                case (.all, _), (_, .all): overlap = true
                case (.ids(let x), .ids(let y)): overlap = !Set(x).isDisjoint(with: y)
                }
                let shared = Set(a.tables.keys).intersection(b.tables.keys)
                if overlap && !shared.isEmpty {
                    throw fail("source[\(j)]", "writes the same tables as source[\(i)] (same table_prefix \"\(a.tablePrefix)\", overlapping sites); give one a different table_prefix")
                }
            }
        }
    }
}

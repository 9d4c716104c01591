import Foundation
import MatomoAPI
import TOMLKit

/// Reads `matomo-sync.toml`. Everything wrong is refused at load with the file, the key and what is
/// wrong: unknown keys, bad durations, sources that would write the same rows, missing tokens.
/// Every mistake of a file is reported at once, one line each, so one edit fixes them all.
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
        let problems = ConfigProblems(path: path)
        let fail = problems.fail
        problems.check { try checkKeys(root, allowed: ["warehouse", "source"], at: "", fail) }
        let warehouse = problems.check {
            try root["warehouse"].map { v -> String in
                guard let s = v.string else { throw fail("warehouse", "must be a string such as \"sqlite:matomo.sqlite\"") }
                return s
            } ?? defaultWarehouse
        } ?? defaultWarehouse
        var sources: [SourceConfig] = []
        if let sourceArray = root["source"]?.array, !sourceArray.isEmpty {
            for (i, value) in sourceArray.enumerated() {
                let at = "source[\(i)]"
                guard let table = value.table else {
                    problems.record(fail(at, "must be a table ([[source]])"))
                    continue
                }
                if let source = source(table, at: at, path: path, environment: environment, problems) { sources.append(source) }
            }
        } else {
            problems.record(fail("source", "no [[source]] section; add one with url, sites and token_file or token_env"))
        }
        if problems.isEmpty { problems.check { try checkOverlaps(sources, fail) } }
        try problems.throwIfAny()
        return SyncConfig(warehouse: warehouse, sources: sources, path: path)
    }

    /// A source, or nil with its problems recorded (each key is checked, whatever the others hold).
    private static func source(_ t: TOMLTable, at: String, path pathForMessages: String, environment: [String: String],
                               _ problems: ConfigProblems) -> SourceConfig? {
        let fail = problems.fail
        let before = problems.count
        problems.check { try checkKeys(t, allowed: ["url", "sites", "token_file", "token_env", "table_prefix", "backfill_days", "every", "tables", "report", "verify"], at: at, fail) }
        let url = problems.check { () throws -> String in
            guard let url = t["url"]?.string else { throw fail("\(at).url", "missing; give the Matomo address") }
            do { _ = try InstanceURL(parsing: url) } catch { throw fail("\(at).url", "\(error)") }
            return url
        }
        let sites = problems.check { () throws -> SiteSelection in
            if let s = t["sites"]?.string {
                guard s == "all" else { throw fail("\(at).sites", "must be a list of site IDs or \"all\"") }
                return .all
            } else if let list = t["sites"]?.array {
                var ids: [Int] = []
                for v in list {
                    guard let id = v.int, id > 0 else { throw fail("\(at).sites", "site IDs are positive integers") }
                    ids.append(id)
                }
                guard !ids.isEmpty else { throw fail("\(at).sites", "is empty") }
                return .ids(ids)
            } else {
                throw fail("\(at).sites", "missing; give e.g. sites = [1, 3] or sites = \"all\"")
            }
        }

        let tokenFound = problems.check { () throws -> (TokenSource, String) in
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
        return (token, tokenValue)
        }

        let prefix = problems.check { () throws -> String in
            let prefix = t["table_prefix"]?.string ?? ""
            guard SyncOptions.isValidTablePrefix(prefix) else {
                throw fail("\(at).table_prefix", "use only lowercase letters, digits and _ ([a-z0-9_], at most 30)")
            }
            return prefix
        }
        let backfill = problems.check { () throws -> Int in
            let backfill = t["backfill_days"].map { $0.int } ?? 365
            guard let backfill, (0...SyncOptions.maxBackfillDays).contains(backfill) else {
                throw fail("\(at).backfill_days", "must be a whole number of days from 0 to \(SyncOptions.maxBackfillDays)")
            }
            return backfill
        }
        let every = problems.check { try duration(t["every"], default: 6 * 3600, key: "\(at).every", fail) } ?? 6 * 3600

        var reports: [ReportDeclaration] = []
        if let value = t["report"] {
            if value.array == nil { problems.record(fail("\(at).report", "must be an array of tables ([[source.report]])")) }
            for (j, item) in (value.array ?? []).enumerated() {
                let rat = "\(at).report[\(j)]"
                problems.check { () throws -> Void in
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
        }
        var tables: [TableName: TablePlan] = [:]
        for name in TableName.allCases + reports.map(\.name) { tables[name] = TablePlan(method: .incremental, every: every) }
        if let value = t["tables"] {
            if value.table == nil { problems.record(fail("\(at).tables", "must be a table")) }
            let tt = value.table ?? TOMLTable()
            for key in tt.keys {
                problems.check { () throws -> Void in
                    let name = TableName(key)
                    guard TableCatalog.builtIn.spec(name) != nil || reports.contains(where: { $0.name == name }) else {
                        throw fail("\(at).tables.\(key)", "unknown table; the tables are \(TableCatalog.builtIn.helpList) and this source's reports")
                    }
                    let v = tt[key]!
                    if let enabled = v.bool {
                        if !enabled { tables[name] = nil }
                        return
                    }
                    guard let spec = v.table else { throw fail("\(at).tables.\(key)", "must be false or { method = ..., every = ... }") }
                    try checkKeys(spec, allowed: ["method", "every", "truncate", "paused"], at: "\(at).tables.\(key)", fail)
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
                    if let p = spec["paused"] {
                        guard let on = p.bool else { throw fail("\(at).tables.\(key).paused", "must be true or false") }
                        plan.paused = on
                    }
                    tables[name] = plan
                }
            }
        }
        let verify = problems.check { try verifyPlan(t["verify"], at: "\(at).verify", fail) }
        guard problems.count == before, let url, let sites, let tokenFound, let prefix, let backfill else { return nil }
        var config = SourceConfig(url: url, sites: sites, token: tokenFound.0, tokenValue: tokenFound.1, tablePrefix: prefix,
                                  backfillDays: backfill, every: every, tables: tables, reports: reports)
        config.verify = verify ?? nil
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

    /// Every unknown key of the table, not just the first.
    private static func checkKeys(_ t: TOMLTable, allowed: Set<String>, at: String, _ fail: (String, String) -> SyncError) throws {
        let unknown = t.keys.filter { !allowed.contains($0) }.map {
            fail(at.isEmpty ? $0 : "\(at).\($0)", "unknown key; allowed here: \(allowed.sorted().joined(separator: ", "))")
        }
        if unknown.count == 1 { throw unknown[0] }
        if !unknown.isEmpty { throw ConfigProblems.Several(errors: unknown) }
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

/// The mistakes found in one config file, gathered so all of them are reported together.
final class ConfigProblems {
    /// More than one mistake found by one check (several unknown keys of a table).
    struct Several: Error { var errors: [SyncError] }

    let path: String
    private var lines: [String] = []

    init(path: String) { self.path = path }

    var count: Int { lines.count }
    var isEmpty: Bool { lines.isEmpty }

    /// The error for a key: the file, the key and what is wrong.
    func fail(_ key: String, _ message: String) -> SyncError {
        SyncError.invalidInput("\(path): \(key): \(message)")
    }

    func record(_ error: any Error) {
        if let several = error as? Several {
            for e in several.errors { record(e) }
        } else if let e = error as? SyncError {
            lines.append(e.description)
        } else {
            lines.append("\(path): \(error)")
        }
    }

    /// Runs one check; its mistake is recorded and nil returned, so the next check still runs.
    @discardableResult
    func check<T>(_ body: () throws -> T) -> T? {
        do {
            return try body()
        } catch {
            record(error)
            return nil
        }
    }

    /// One mistake: its line as before. Several: a count, then one line each.
    func throwIfAny() throws {
        guard !lines.isEmpty else { return }
        if lines.count == 1 { throw SyncError.invalidInput(lines[0]) }
        throw SyncError.invalidInput("\(lines.count) mistakes in \(path):\n" + lines.map { "  " + $0 }.joined(separator: "\n"))
    }
}

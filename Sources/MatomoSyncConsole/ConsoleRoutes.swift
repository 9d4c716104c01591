import Foundation
import Hummingbird
import HummingbirdAuth
import MatomoSync
import NIOCore

/// The console's pages and actions. Every action is a POST (the middleware has checked its CSRF
/// token); every answer is built from the backend's, escaped by the templates.
struct ConsoleRoutes: Sendable {
    let backend: ConsoleBackend
    let passwords: PasswordStore
    let limiter: SignInLimiter
    let sessions: SessionStorage<ConsoleSession>
    let policy: SecurityPolicy
    /// `/metrics` is served here unless `--metrics-listen` gives it an address of its own.
    let metricsHere: Bool
    let sessionLifetime: Duration = .seconds(12 * 3600)

    func add(to router: Router<ConsoleContext>) {
        router.get("/static/console.js") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/javascript; charset=utf-8", .cacheControl: "max-age=300"],
                     body: .init(byteBuffer: ByteBuffer(string: StaticAssets.script)))
        }
        router.get("/static/console.css") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/css; charset=utf-8", .cacheControl: "max-age=300"],
                     body: .init(byteBuffer: ByteBuffer(string: StaticAssets.stylesheet)))
        }
        router.get("/signin") { request, context in signInPage(context: context, existing: request.cookies[CookieName.signIn]?.value) }
        router.post("/signin") { request, context in try await signIn(request, context: context) }
        router.post("/signout") { request, context in
            _ = try? await sessions.delete(request: request)
            var response = Pages.redirect("/signin")
            response.setCookie(Cookie(name: CookieName.session, value: "", maxAge: 0, path: "/", secure: policy.secureCookies, httpOnly: true, sameSite: .strict))
            return response
        }
        router.get("/") { _, context in try await sourcesPage(context: context) }
        router.get("/events") { _, _ in liveEvents() }
        router.get("/api/status") { _, _ in Pages.json(StatusMessage(version: backend.progress.version, tables: try await allRows())) }
        router.post("/reload") { _, context in
            let error = await backend.reload()
            return try await sourcesPage(context: context, flash: error == nil ? "Config reloaded." : nil, problem: error.map { "The config file did not load: \($0)" })
        }
        router.get("/sources/new") { _, context in newSourcePage(context: context) }
        router.post("/sources/check") { _, context in try await checkConnection(context: context) }
        router.post("/sources") { _, context in try await importSource(context: context) }
        router.get("/sources/:index") { _, context in try await sourcePage(context: context) }
        router.get("/sources/:index/remove") { _, context in try await removePage(context: context) }
        router.post("/sources/:index/remove") { _, context in try await remove(context: context) }
        router.post("/sources/:index/tables/:table/:action") { _, context in try await tableAction(context: context) }
        router.get("/query") { request, context in try await queryPage(context: context, sql: nil) }
        router.post("/query") { _, context in try await queryPage(context: context, sql: context.form["sql"] ?? "") }
        router.get("/query.csv") { request, _ in try await queryCSV(request.uri.queryParameters["sql"].map(String.init) ?? "") }
        if metricsHere {
            router.get("/metrics") { _, _ in
                Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"], body: .init(byteBuffer: ByteBuffer(string: backend.metrics.render())))
            }
        }
    }

    // MARK: Sign in

    /// `existing`: the browser's sign-in cookie, kept so that a second load (another tab, the
    /// favicon's redirect) does not invalidate the form already shown.
    func signInPage(context: ConsoleContext, existing: String? = nil, problem: String? = nil, status: HTTPResponse.Status = .ok) -> Response {
        let token = existing.flatMap { $0.count == 64 && $0.allSatisfy(\.isHexDigit) ? $0 : nil } ?? randomToken()
        // The page's form carries the token, the cookie too: a cross-site post can send neither pair.
        var response = Pages.page("signin", title: "Sign in", ["csrf": token], csrf: nil, problem: problem, status: status)
        response.setCookie(Cookie(name: CookieName.signIn, value: token, path: "/", secure: policy.secureCookies, httpOnly: true, sameSite: .strict))
        return response
    }

    func signIn(_ request: Request, context: ConsoleContext) async throws -> Response {
        let client = context.clientKey
        if let wait = limiter.retryAfter(client) {
            var response = signInPage(context: context, problem: "Too many wrong passwords: try again in \(wait) seconds.", status: .tooManyRequests)
            response.headers[.retryAfter] = String(wait)
            return response
        }
        guard passwords.verify(context.form["password"] ?? "") else {
            limiter.recordFailure(client)
            return signInPage(context: context, problem: "Wrong password.", status: .unauthorized)
        }
        limiter.recordSuccess(client)
        // A new session ID on every sign-in: a session fixed before it is worthless.
        _ = try? await sessions.delete(request: request)
        let cookie = try await sessions.save(session: ConsoleSession(csrf: randomToken()), expiresIn: sessionLifetime)
        var response = Pages.redirect("/")
        response.setCookie(cookie)
        response.setCookie(Cookie(name: CookieName.signIn, value: "", maxAge: 0, path: "/", secure: policy.secureCookies, httpOnly: true, sameSite: .strict))
        return response
    }

    // MARK: Sources

    struct StatusMessage: Encodable {
        var version: Int
        var tables: [TableRow]
    }

    func allRows() async throws -> [TableRow] {
        let sources = await backend.sources
        let statuses = (try? await backend.status()) ?? []
        var rows: [TableRow] = []
        for (i, s) in sources.enumerated() {
            rows += TableRows.rows(source: s, index: i, statuses: statuses, progress: backend.progress, redact: { $0 })
        }
        let tokens = await backend.tokens()
        return rows.map { row in
            var r = row
            for t in tokens where t.count >= 4 { r.error = r.error.replacingOccurrences(of: t, with: "<redacted>") }
            return r
        }
    }

    func sourcesPage(context: ConsoleContext, flash: String? = nil, problem: String? = nil) async throws -> Response {
        let sources = await backend.sources
        let rows = try await allRows()
        let list: [[String: Any]] = sources.enumerated().map { i, s in
            var v: [String: Any] = ["index": i, "url": s.url, "sites": TableRows.sitesText(s),
                                    "tables": rows.filter { $0.sourceIndex == i }.map(\.values)]
            // Mustache takes an empty string as true: leave the key out instead.
            if !s.tablePrefix.isEmpty { v["prefix"] = s.tablePrefix }
            return v
        }
        var values: [String: Any] = ["configPath": backend.settings.configPath, "warehouse": ServerURL.redact(backend.warehouseURL), "sources": list]
        if let e = await backend.reloadError { values["reloadError"] = e }
        return Pages.page("sources", title: "Sources", values, csrf: context.session?.csrf, flash: flash, problem: problem)
    }

    /// Server-sent events: the table states every second while anything changes, and a heartbeat.
    func liveEvents() -> Response {
        let routes = self
        return Response(status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-store"],
                        body: ResponseBody { writer in
            var last = ""
            var quiet = 0
            while !Task.isCancelled && !routes.backend.isStopping {
                let message = StatusMessage(version: routes.backend.progress.version, tables: try await routes.allRows())
                let text = String(decoding: try JSONEncoder().encode(message.tables), as: UTF8.self)
                if text != last || quiet >= 15 {
                    let data = String(decoding: try JSONEncoder().encode(message), as: UTF8.self)
                    try await writer.write(ByteBuffer(string: "data: \(data)\n\n"))
                    last = text
                    quiet = 0
                } else {
                    quiet += 1
                }
                try await Task.sleep(for: .seconds(1))
            }
            try await writer.finish(nil)
        })
    }

    func newSourcePage(context: ConsoleContext, url: String = "", site: String = "", problem: String? = nil,
                       status: HTTPResponse.Status = .ok) -> Response {
        let tables: [[String: Any]] = TableCatalog.builtIn.specs.map { spec in
            ["name": spec.name.rawValue, "meaning": spec.rowMeaning,
             "methods": Pages.methodOptions(selected: .incremental), "frequencies": Pages.frequencyOptions(selected: 6 * 3600)]
        }
        return Pages.page("new-source", title: "New source", ["tables": tables, "url": url, "site": site],
                          csrf: context.session?.csrf, problem: problem, status: status)
    }

    struct CheckAnswer: Encodable {
        var ok: Bool
        var version: String?
        var site: String?
        var timezone: String?
        var error: String?
    }

    func checkConnection(context: ConsoleContext) async throws -> Response {
        let form = context.form
        guard let site = Int((form["site"] ?? "").trimmingCharacters(in: .whitespaces)), site > 0 else {
            return Pages.json(CheckAnswer(ok: false, error: "error: Site ID must be a positive integer such as 1"))
        }
        let url = (form["url"] ?? "").trimmingCharacters(in: .whitespaces)
        switch await backend.checkConnection(url: url, siteId: site, token: (form["token"] ?? "").trimmingCharacters(in: .whitespaces)) {
        case .success(let c): return Pages.json(CheckAnswer(ok: true, version: c.version, site: c.siteName, timezone: c.timezone))
        case .failure(let e): return Pages.json(CheckAnswer(ok: false, error: e.description))
        }
    }

    func importSource(context: ConsoleContext) async throws -> Response {
        let form = context.form
        let url = (form["url"] ?? "").trimmingCharacters(in: .whitespaces)
        let siteText = (form["site"] ?? "").trimmingCharacters(in: .whitespaces)
        let token = (form["token"] ?? "").trimmingCharacters(in: .whitespaces)
        let ids = siteText.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !ids.isEmpty, ids.allSatisfy({ ($0 ?? 0) > 0 }) else {
            return newSourcePage(context: context, url: url, site: siteText, problem: "Site ID: give a positive site ID such as 1", status: .badRequest)
        }
        var tables: [TableName: TablePlan] = [:]
        for spec in TableCatalog.builtIn.specs where form["table_\(spec.name.rawValue)"] == "on" {
            let method = TablePlan.Method(rawValue: form["method_\(spec.name.rawValue)"] ?? "") ?? .incremental
            let every = Int(form["every_\(spec.name.rawValue)"] ?? "").flatMap { Pages.frequencies.map(\.0).contains($0) ? $0 : nil } ?? 6 * 3600
            tables[spec.name] = TablePlan(method: method, every: every)
        }
        do {
            try await backend.importSource(url: url, siteIds: ids.compactMap { $0 }, token: token, tables: tables)
        } catch {
            // The form comes back without the token: it is write-only.
            return newSourcePage(context: context, url: url, site: siteText, problem: "\(error)", status: .badRequest)
        }
        return Pages.redirect("/?imported=1")
    }

    func sourceIndex(_ context: ConsoleContext) -> Int? { context.parameters.get("index").flatMap { Int($0) } }

    func sourcePage(context: ConsoleContext, flash: String? = nil, problem: String? = nil) async throws -> Response {
        let sources = await backend.sources
        guard let index = sourceIndex(context), sources.indices.contains(index) else {
            return Pages.plain(.notFound, "no such source; the sources page lists them")
        }
        let source = sources[index]
        let statuses = (try? await backend.status()) ?? []
        let tokens = await backend.tokens()
        let rows = TableRows.rows(source: source, index: index, statuses: statuses, progress: backend.progress, redact: { text in
            tokens.reduce(text) { $1.count >= 4 ? $0.replacingOccurrences(of: $1, with: "<redacted>") : $0 }
        })
        let tableValues: [[String: Any]] = rows.map { row in
            var v = row.values
            let plan = source.tables[TableName(row.table)]
            v["methods"] = Pages.methodOptions(selected: plan?.method ?? .incremental)
            v["frequencies"] = Pages.frequencyOptions(selected: plan?.every ?? source.every)
            v["csrf"] = context.session?.csrf ?? ""
            if row.derived.isEmpty { v.removeValue(forKey: "derived") }
            return v
        }
        let runs = (try? await backend.runHistory(source: index)) ?? []
        var charts: [[String: Any]] = []
        for site in Set(rows.map(\.siteId)).sorted() where source.tables[.visitsSummary] != nil {
            let points = (try? await backend.visitsPerDay(source: index, siteId: site)) ?? []
            charts.append(["siteId": site, "svg": VisitsChart.svg(points)])
        }
        let tokenPlace: String
        switch source.token {
        case .file(let p): tokenPlace = p
        case .env(let name): tokenPlace = "$" + name
        }
        var values: [String: Any] = [
            "sourceIndex": index, "url": source.url, "sites": TableRows.sitesText(source),
            "tokenPlace": tokenPlace, "tables": tableValues, "charts": charts, "hasRuns": !runs.isEmpty,
            "runs": runs.map { r -> [String: Any] in
                ["startedAt": r.startedAt, "siteId": r.siteId, "table": r.table, "duration": String(format: "%.1f s", r.seconds),
                 "rows": r.rows, "requests": r.requests, "result": r.result, "error": r.error ?? ""]
            },
        ]
        if !source.tablePrefix.isEmpty { values["prefix"] = source.tablePrefix }
        if let verify = source.verify {
            values["verify"] = "every \(Every.format(verify.every)), the last \(verify.days) days, \(verify.repair ? "repairing what differs" : "without repair")"
        }
        return Pages.page("source", title: source.url, values, csrf: context.session?.csrf, flash: flash, problem: problem)
    }

    func removePage(context: ConsoleContext) async throws -> Response {
        let sources = await backend.sources
        guard let index = sourceIndex(context), sources.indices.contains(index) else { return Pages.plain(.notFound, "no such source") }
        return Pages.page("remove-source", title: "Remove source", ["sourceIndex": index, "url": sources[index].url], csrf: context.session?.csrf)
    }

    func remove(context: ConsoleContext) async throws -> Response {
        guard let index = sourceIndex(context) else { return Pages.plain(.notFound, "no such source") }
        guard context.form["confirm"] == "yes" else { return Pages.plain(.badRequest, "confirm the removal on its page") }
        do {
            try await backend.removeSource(index, deleteTables: context.form["delete_tables"] == "yes")
        } catch {
            return try await sourcePage(context: context, problem: "\(error)")
        }
        return try await sourcesPage(context: context, flash: context.form["delete_tables"] == "yes" ? "Source removed, its tables deleted." : "Source removed; its data stays in the warehouse.")
    }

    func tableAction(context: ConsoleContext) async throws -> Response {
        guard let index = sourceIndex(context), let table = context.parameters.get("table").map({ TableName($0) }),
              let action = context.parameters.get("action") else { return Pages.plain(.notFound, "no such table") }
        let form = context.form
        do {
            switch action {
            case "sync":
                let sources = await backend.sources
                guard sources.indices.contains(index) else { throw ConsoleError("no such source") }
                let site = Int(form["site"] ?? "") ?? { if case .ids(let ids) = sources[index].sites { return ids.first ?? 0 } else { return 0 } }()
                try await backend.syncNow(source: index, siteId: site, table: table, fullRefresh: form["full_refresh"] == "1")
                return try await sourcePage(context: context, flash: form["full_refresh"] == "1" ? "Full refresh of \(table) queued." : "Sync of \(table) queued.")
            case "pause", "resume":
                try await backend.setPlan(source: index, table: table, method: nil, every: nil, paused: action == "pause")
                return try await sourcePage(context: context, flash: action == "pause" ? "\(table) paused." : "\(table) resumed.")
            case "plan":
                guard let method = TablePlan.Method(rawValue: form["method"] ?? ""), let every = Int(form["every"] ?? ""), every > 0 else {
                    throw ConsoleError("pick a sync method and a sync frequency")
                }
                try await backend.setPlan(source: index, table: table, method: method, every: every, paused: nil)
                return try await sourcePage(context: context, flash: "\(table): \(Pages.methodLabel(method)), every \(Pages.frequencyLabel(every)).")
            default:
                return Pages.plain(.notFound, "no such action")
            }
        } catch {
            return try await sourcePage(context: context, problem: "\(error)")
        }
    }

    // MARK: Query

    static let examples: [(String, String)] = [
        ("Visits per day", "SELECT _date, nb_visits, nb_actions FROM visits_summary ORDER BY _date DESC LIMIT 14"),
        ("Top pages", "SELECT label, SUM(nb_hits) AS hits FROM pages GROUP BY label ORDER BY hits DESC LIMIT 10"),
        ("Top referrers", "SELECT label, SUM(nb_visits) AS visits FROM referrers GROUP BY label ORDER BY visits DESC LIMIT 10"),
        ("Countries", "SELECT code, SUM(nb_visits) AS visits FROM countries GROUP BY code ORDER BY visits DESC LIMIT 10"),
        ("Recent runs", "SELECT started_at, table_name, rows, requests, result FROM _matomo_sync_runs ORDER BY started_at DESC LIMIT 20"),
    ]

    func queryPage(context: ConsoleContext, sql: String?) async throws -> Response {
        var values: [String: Any] = ["sql": sql ?? Self.examples[0].1,
                                     "examples": Self.examples.map { ["label": $0.0, "sql": $0.1] }]
        if let sql, !sql.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            values["csvLink"] = "/query.csv?sql=" + FormBody.encode(sql)
            do {
                let result = try await backend.query(sql)
                let shown = result.rows.prefix(1000)
                values["hasResult"] = true
                values["columns"] = result.columns
                values["rows"] = shown.map { ["cells": $0.map(CSVText.text)] }
                values["rowCount"] = result.rows.count > shown.count ? "\(result.rows.count) rows (the first \(shown.count) shown; Download CSV has all)" : "\(result.rows.count) rows"
            } catch {
                values["error"] = "\(error)"
            }
        }
        return Pages.page("query", title: "Query", values, csrf: context.session?.csrf)
    }

    func queryCSV(_ sql: String) async throws -> Response {
        do {
            let result = try await backend.query(sql)
            return Response(status: .ok, headers: [.contentType: "text/csv; charset=utf-8", .contentDisposition: "attachment; filename=\"query.csv\""],
                            body: .init(byteBuffer: ByteBuffer(string: CSVText.render(result))))
        } catch {
            return Pages.plain(.badRequest, "\(error)")
        }
    }
}

/// Query results as text: cells for the page, RFC 4180 for the download.
enum CSVText {
    static func text(_ cell: Cell) -> String {
        switch cell {
        case .null: return ""
        case .int(let v): return String(v)
        case .real(let v): return String(v)
        case .text(let s): return s
        }
    }

    static func field(_ s: String) -> String {
        // A leading = + - @ would make a spreadsheet run the cell as a formula.
        var s = s
        if let first = s.first, "=+-@".contains(first), Double(s) == nil { s = "'" + s }
        guard s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return s }
        return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    static func render(_ result: QueryResult) -> String {
        var out = result.columns.map(field).joined(separator: ",") + "\r\n"
        for row in result.rows { out += row.map { field(text($0)) }.joined(separator: ",") + "\r\n" }
        return out
    }
}

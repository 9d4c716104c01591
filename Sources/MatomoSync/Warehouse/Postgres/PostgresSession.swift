import Foundation
import Logging
import NIOSSL
import PostgresNIO

/// One connection to PostgreSQL, opened on first use, shared by a warehouse's reader and writer: the
/// actor and `serialized` keep one statement or transaction at a time on it. Opened read-only, every
/// transaction of the session is read-only.
actor PostgresSession {
    nonisolated let displayName: String
    let url: ServerURL
    let schema: String
    let readOnly: Bool
    var connection: PostgresConnection?
    /// Columns per table, as the server has them; forgotten when a transaction rolls back.
    var columnCache: [String: TableColumns] = [:]
    private var busy = false
    private var waiters: [CheckedContinuation<Void, Never>] = []
    let logger: Logger = {
        var l = Logger(label: "matomo-sync.postgres")
        l.logLevel = .critical
        return l
    }()

    init(url: ServerURL, readOnly: Bool) {
        self.url = url
        self.schema = url.parameters["schema"].flatMap { $0.isEmpty ? nil : $0 } ?? "public"
        self.readOnly = readOnly
        self.displayName = url.redacted
    }

    deinit {
        // A safety net for a warehouse dropped without close() (an error on the way): the closure
        // keeps the connection alive until its channel is closed, as postgres-nio requires.
        if let c = connection, !c.isClosed {
            c.close().whenComplete { _ in _ = c }
        }
    }

    // MARK: The read side (PostgresReader)

    func tableNames() async throws -> [String] {
        try await serialized {
            try await self.guarded {
                // The migrations' records are the state table's bookkeeping, as grdb_migrations is on SQLite.
                try await self.execute("""
                    SELECT table_name::TEXT FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY 1
                    """).map { try $0.decode(String.self) }.filter { $0 != StateMigrations.table }
            }
        }
    }

    func status() async throws -> [TableStatus] {
        try await serialized {
            try await self.guarded {
                guard try await self.tableExists(stateTableName) else { return [] }
                let rows = try await self.execute("""
                    SELECT \(StateTable.selectList(q)) FROM \(q(stateTableName)) ORDER BY instance_url, site_id, table_name
                    """)
                return try await StateTable.statuses(cells: rows.map { $0.map(PostgresTypes.cell) }) { table, site in
                    guard try await self.tableExists(table) else { return 0 }
                    var binds = PostgresBindings()
                    binds.append(Int64(site))
                    let counted = try await self.execute("SELECT COUNT(*) FROM \(q(table)) WHERE \(q("_site_id")) = $1", binds)
                    if case .int(let n)? = counted.first.map({ PostgresTypes.cell($0.first!) }) { return Int(n) }
                    return 0
                }
            }
        }
    }

    func query(_ sql: String) async throws -> QueryResult {
        if let refusal = ReadOnlyStatement.refusal(sql) { throw refusal }
        return try await serialized {
            try await self.guarded {
                // Read-only whatever the SQL says; the extended protocol also refuses several statements.
                try await self.execute("BEGIN READ ONLY")
                do {
                    let rows: [PostgresRow]
                    do {
                        rows = try await self.execute(sql)
                    } catch {
                        throw Self.refusedStatement(error) ?? error
                    }
                    var columns = rows.first.map { $0.map(\.columnName) } ?? []
                    if rows.isEmpty { columns = try await self.columnNames(of: sql) }
                    try await self.execute("ROLLBACK")
                    return QueryResult(columns: columns, rows: rows.map { $0.map(PostgresTypes.cell) })
                } catch {
                    _ = try? await self.execute("ROLLBACK")
                    throw error
                }
            }
        }
    }

    /// The column names of a query that returned no row (postgres-nio shows names only on rows): the
    /// query joined to one row, so it yields one row of NULLs. Empty when the SQL cannot be a subquery.
    private func columnNames(of sql: String) async throws -> [String] {
        let body = ServerTypes.bareStatement(sql)
        try await execute("SAVEPOINT matomo_sync_columns")
        do {
            let rows = try await execute("SELECT q.* FROM (SELECT 1) AS matomo_sync_one LEFT JOIN (\n\(body)\n) AS q ON TRUE LIMIT 1")
            try await execute("RELEASE SAVEPOINT matomo_sync_columns")
            return rows.first.map { $0.map(\.columnName) } ?? []
        } catch {
            try await execute("ROLLBACK TO SAVEPOINT matomo_sync_columns")
            return []
        }
    }

    func close() async throws {
        try? await connection?.close()
        connection = nil
    }

    /// `body` in one transaction, after any other statement of the session.
    func inTransaction<T: Sendable>(_ body: @Sendable (isolated PostgresSession) async throws -> T) async throws -> T {
        try await serialized { try await self.transaction { try await body(self) } }
    }

    /// `body` after any other statement of the session, its driver errors said in one line.
    func serially<T: Sendable>(_ body: @Sendable (isolated PostgresSession) async throws -> T) async throws -> T {
        try await serialized { try await self.guarded { try await body(self) } }
    }

    // MARK: Connection and transactions

    func connect() async throws -> PostgresConnection {
        if let connection, !connection.isClosed { return connection }
        let tls: PostgresConnection.Configuration.TLS
        switch url.parameters["sslmode"] ?? "prefer" {
        case "disable": tls = .disable
        case "require", "verify-ca", "verify-full": tls = .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
        default: tls = .prefer(try NIOSSLContext(configuration: .makeClientConfiguration()))
        }
        let user = url.user ?? "postgres"
        let config = PostgresConnection.Configuration(host: url.host, port: url.port ?? 5432, username: user,
                                                      password: url.password, database: url.database ?? user, tls: tls)
        let c: PostgresConnection
        do {
            c = try await PostgresConnection.connect(configuration: config, id: 1, logger: logger)
        } catch let error as PSQLError where error.serverInfo == nil {
            throw SyncError.warehouse("cannot reach \(displayName): \(Self.connectFailure(error)); check the host and port of --warehouse (PostgreSQL's port, 5432 by default) and that the server accepts TCP connections there")
        }
        connection = c
        if readOnly {
            try await c.query(PostgresQuery(unsafeSQL: "SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY"), logger: logger)
        } else {
            try await c.query(PostgresQuery(unsafeSQL: "CREATE SCHEMA IF NOT EXISTS \(q(schema))"), logger: logger)
        }
        try await c.query(PostgresQuery(unsafeSQL: "SET search_path TO \(q(schema))"), logger: logger)
        // lz4 compresses visits' JSONB ~4x faster than the default pglz (a quarter of a load's server
        // time), for ~6% more space. PostgreSQL before 14, or built without lz4, keeps its default.
        if !readOnly {
            _ = try? await c.query(PostgresQuery(unsafeSQL: "SET default_toast_compression = lz4"), logger: logger)
        }
        return c
    }

    @discardableResult
    func execute(_ statement: BoundStatement) async throws -> [PostgresRow] {
        try await execute(statement.sql, Self.bindings(statement.values))
    }

    static func bindings(_ values: [Cell]) -> PostgresBindings {
        var binds = PostgresBindings()
        for cell in values {
            switch cell {
            case .int(let n): binds.append(n)
            case .text(let t): binds.append(t)
            case .real(let d): binds.append(d)
            case .null: binds.append(String?.none)
            }
        }
        return binds
    }

    @discardableResult
    func execute(_ sql: String, _ binds: PostgresBindings = PostgresBindings()) async throws -> [PostgresRow] {
        let c = try await connect()
        var rows: [PostgresRow] = []
        for try await row in try await c.query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger) {
            rows.append(row)
        }
        return rows
    }

    /// One statement after another on the connection: the actor alone would interleave them at each `await`.
    private func serialized<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        if busy {
            await withCheckedContinuation { waiters.append($0) }
        } else {
            busy = true
        }
        defer {
            if waiters.isEmpty { busy = false } else { waiters.removeFirst().resume() }
        }
        return try await body()
    }

    /// Runs `body` between BEGIN and COMMIT; any failure rolls everything back, DDL included.
    private func transaction<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        try await guarded {
            try await self.execute("BEGIN")
            do {
                let value = try await body()
                try await self.execute("COMMIT")
                return value
            } catch {
                _ = try? await self.execute("ROLLBACK")
                self.columnCache = [:]
                throw error
            }
        }
    }

    /// Turns driver errors into one line naming the warehouse, never its password.
    private func guarded<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as SyncError {
            throw error
        } catch {
            if connection?.isClosed ?? false { connection = nil }
            throw SyncError.warehouse("\(displayName): \(Self.message(error))")
        }
    }

    /// The server's refusal of a write (the transaction is read-only) or of several statements (the
    /// extended protocol takes one), said as `query`'s rule rather than in the server's words.
    static func refusedStatement(_ error: any Error) -> SyncError? {
        guard let e = error as? PSQLError, let info = e.serverInfo else { return nil }
        if info[.sqlState] == "25006" { return .invalidInput(oneReadOnlyStatement + "; this one writes") }
        if info[.sqlState] == "42601", info[.message]?.contains("multiple commands") ?? false {
            return .invalidInput(oneReadOnlyStatement + "; this SQL has several")
        }
        return nil
    }

    /// Why a connection failed, in words rather than the driver's nested error values.
    static func connectFailure(_ error: PSQLError) -> String {
        let text = String(reflecting: error.underlying ?? error)
        if text.contains("ECONNREFUSED") || text.localizedCaseInsensitiveContains("connection refused") { return "connection refused" }
        if text.localizedCaseInsensitiveContains("timeout") || text.localizedCaseInsensitiveContains("timed out") { return "no answer (timed out)" }
        if text.localizedCaseInsensitiveContains("resolve") || text.contains("EAI_") || text.localizedCaseInsensitiveContains("unknown host") {
            return "the host name does not resolve"
        }
        if text.localizedCaseInsensitiveContains("ssl") || text.localizedCaseInsensitiveContains("tls") { return "the TLS handshake failed (see sslmode=)" }
        return "\(error.code)"
    }

    static func message(_ error: any Error) -> String {
        if let e = error as? PSQLError {
            if let m = e.serverInfo?[.message] {
                return m + (e.serverInfo?[.sqlState].map { " (SQLSTATE \($0))" } ?? "")
            }
            if let u = e.underlying { return "\(e.code): \(u)" }
            return "\(e.code)"
        }
        if let e = error as? PostgresDecodingError { return "cannot decode a value of column \(e.columnName): \(e.code)" }
        return String(describing: error)
    }

    /// One bound upsert of the state row, its columns and key from StateTable.
    func writeState(_ key: StateKey, _ s: TableState) async throws {
        let binds = Self.bindings(StateTable.row(key, s))
        let keys = Set(StateTable.key)
        let updates = StateTable.names.filter { !keys.contains($0) }.map { "\(q($0)) = EXCLUDED.\(q($0))" }
        try await execute("""
            INSERT INTO \(q(stateTableName)) (\(StateTable.selectList(q)))
            VALUES (\((1...StateTable.names.count).map { "$\($0)" }.joined(separator: ", ")))
            ON CONFLICT (\(StateTable.key.map(q).joined(separator: ", "))) DO UPDATE SET \(updates.joined(separator: ", "))
            """, binds)
    }
}

private func q(_ identifier: String) -> String { ColumnNaming.quote(identifier) }

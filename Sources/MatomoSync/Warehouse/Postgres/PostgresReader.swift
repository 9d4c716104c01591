/// The read side of a PostgreSQL warehouse: `status`, its tables and `query`, over a session that the
/// writer (PostgresWarehouse) shares and a reader alone opens read-only.
public struct PostgresReader: WarehouseReader {
    public let displayName: String
    let session: PostgresSession

    /// Opened read-only: every transaction of its connection is.
    public init(url: ServerURL) throws {
        self.init(session: PostgresSession(url: url, readOnly: true))
    }

    init(session: PostgresSession) {
        self.session = session
        displayName = session.displayName
    }

    public func status() async throws -> [TableStatus] { try await session.status() }
    public func tableNames() async throws -> [String] { try await session.tableNames() }
    public func query(_ sql: String) async throws -> QueryResult { try await session.query(sql) }
    public func close() async throws { try await session.close() }
}

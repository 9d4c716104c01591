import Testing
@testable import MatomoSync

/// Warehouse URLs: every scheme parses, and the password never shows.
struct WarehouseURLTests {
    @Test func postgresURLKeepsItsPartsAndHidesThePassword() throws {
        let url = try ServerURL(parsing: "postgres://sync:p%40ss%3Aw%2Frd@db.example.com:6543/analytics?schema=matomo")
        #expect(url.user == "sync")
        #expect(url.password == "p@ss:w/rd")
        #expect(url.host == "db.example.com")
        #expect(url.port == 6543)
        #expect(url.database == "analytics")
        #expect(url.parameters["schema"] == "matomo")
        #expect(url.redacted == "postgres://sync:***@db.example.com:6543/analytics?schema=matomo")
    }

    @Test(arguments: ["postgres://u:secret-pw@127.0.0.1:1/db", "postgresql://u:secret-pw@127.0.0.1:1/db?schema=s",
                      "clickhouse://u:secret-pw@127.0.0.1:1/db", "clickhouses://u:secret-pw@h:8443/db"])
    func serverWarehousesOpenWithoutConnectingAndNeverShowThePassword(_ raw: String) async throws {
        let w = try WarehouseURL.open(raw)
        #expect(!w.displayName.contains("secret-pw"))
        #expect(w.displayName.contains("***"))
        try await w.close()
    }

    @Test(arguments: ["postgres://u:secret-pw@127.0.0.1:1/db?sslmode=disable", "clickhouse://u:secret-pw@127.0.0.1:1/db"])
    func anUnreachableServerFailsWithARedactedMessage(_ url: String) async throws {
        let w = try WarehouseURL.open(url)
        do {
            try await w.prepare()
            Issue.record("expected a failure")
        } catch {
            #expect(!"\(error)".contains("secret-pw"))
            #expect("\(error)".contains("127.0.0.1:1"))
        }
        try await w.close()
    }

    @Test func unknownSchemesAreRefusedWithoutEchoingTheURL() {
        #expect(throws: SyncError.self) { try WarehouseURL.open("mysql://u:secret-pw@h/db") }
        #expect(ServerURL.redact("mysql://u:secret-pw@h/db") == "mysql://u:***@h/db")
    }
}

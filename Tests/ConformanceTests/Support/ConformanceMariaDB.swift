import Foundation

/// The stored truth: Matomo's own `matomo_log_visit`, read with the `mariadb` client through the socket.
struct ConformanceMariaDB {
    let socket: String

    /// Rows of tab-separated fields, times in UTC.
    func query(_ sql: String) async throws -> [[String]] {
        let client = ["/usr/bin/mariadb", "/usr/bin/mysql"].first { FileManager.default.isExecutableFile(atPath: $0) } ?? "mariadb"
        let result = try await runProcess(client, ["--no-defaults", "-S", socket, "-uroot", "-N", "-B", "matomo",
                                                   "-e", "SET time_zone = '+00:00'; " + sql])
        guard result.status == 0 else { throw ConformanceFailure("mariadb: \(result.err)") }
        return result.out.split(separator: "\n", omittingEmptySubsequences: true).map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
    }

    /// Every visit of `site`: id, last action (Live's `serverTimestamp`), visitor id in hex.
    func visits(site: Int) async throws -> [TruthVisit] {
        try await query("SELECT idvisit, UNIX_TIMESTAMP(visit_last_action_time), LOWER(HEX(idvisitor)) FROM matomo_log_visit WHERE idsite = \(site)")
            .map { TruthVisit(id: Int64($0[0])!, lastAction: Int64($0[1])!, visitor: $0[2]) }
    }
}

struct TruthVisit: Sendable {
    var id: Int64
    var lastAction: Int64
    var visitor: String
}

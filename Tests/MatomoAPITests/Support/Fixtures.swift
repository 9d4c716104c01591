import Foundation

/// Real Matomo 5.0.2 answers (copied from the shared samples), read from the source tree: the
/// fixture folder of MatomoSyncTests, which both test targets read.
enum Fixtures {
    static func bytes(_ name: String) throws -> [UInt8] {
        let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("MatomoSyncTests/Fixtures")
        return Array(try Data(contentsOf: dir.appendingPathComponent(name + ".json")))
    }
}

/// The state table's schema versions (StateTable.versions) as migrations on the server warehouses,
/// kept as GRDB's migrator keeps them on SQLite: each version is applied once, in order, and recorded
/// in `_matomo_sync_schema`, so a change to the state table is one new version, applied where missing.
enum StateMigrations {
    static let table = "_matomo_sync_schema"

    /// One per version, the identifiers SQLite's migrator records too.
    static let identifiers: [String] = StateTable.versions.enumerated().map { "state \($0.offset + 1): \($0.element.name)" }

    /// The versions a warehouse that recorded `applied` still needs, oldest first.
    static func pending(applied: some Sequence<String>) -> [(index: Int, identifier: String)] {
        let done = Set(applied)
        return identifiers.enumerated().filter { !done.contains($0.element) }.map { ($0.offset, $0.element) }
    }

    /// The columns version `index` brings to a state table (the first makes the table with its key).
    static func columns(of index: Int) -> [Column] { StateTable.versions[index].columns.map(\.column) }

    /// Runs the pending versions in order, each followed by its record, on the caller's actor.
    /// Returns the identifiers applied now.
    @discardableResult
    static func migrate(applied: [String], isolation: isolated (any Actor)? = #isolation,
                        apply: (_ index: Int) async throws -> Void,
                        record: (_ identifier: String) async throws -> Void) async throws -> [String] {
        var done: [String] = []
        for (index, identifier) in pending(applied: applied) {
            try await apply(index)
            try await record(identifier)
            done.append(identifier)
        }
        return done
    }
}

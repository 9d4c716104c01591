/// Every table a run knows: the built-in ones and the reports a config declares. Everything that
/// lists tables (`--tables`, the config, `status`, `tables`, the demo, the README check) reads it.
public struct TableCatalog: Sendable {
    public let specs: [TableSpec]

    public init(_ specs: [TableSpec]) { self.specs = specs }

    public var names: [TableName] { specs.map(\.name) }

    public func spec(_ name: TableName) -> TableSpec? { specs.first { $0.name == name } }

    /// The built-in tables plus `reports`, refusing a name that clashes.
    public func adding(_ reports: [TableSpec]) throws -> TableCatalog {
        var all = specs
        for r in reports {
            guard spec(r.name) == nil, !all.contains(where: { $0.name == r.name }) else {
                throw SyncError.invalidInput("report '\(r.name)' clashes with \(spec(r.name) != nil ? "a built-in table" : "another report") of that name")
            }
            all.append(r)
        }
        return TableCatalog(all)
    }

    /// Parses a comma-separated list such as `visits,countries`, refusing unknown names.
    public func parseList(_ text: String) throws -> [TableName] {
        var out: [TableName] = []
        for part in text.split(separator: ",") {
            let name = TableName(part.trimmingCharacters(in: .whitespaces))
            guard spec(name) != nil else {
                throw SyncError.invalidInput("unknown table '\(name)'; the tables are \(names.map(\.rawValue).joined(separator: ", "))")
            }
            if !out.contains(name) { out.append(name) }
        }
        guard !out.isEmpty else { throw SyncError.invalidInput("--tables is empty; name at least one table") }
        return out
    }

    /// Checks a chosen list of tables: a derived table needs the table it comes from.
    public func checkSelection(_ tables: [TableName]) throws {
        for name in tables {
            guard let spec = spec(name) else { throw SyncError.invalidInput("unknown table '\(name)'") }
            if let source = spec.derivedFrom, !tables.contains(source) {
                throw SyncError.invalidInput("\(name) is made from \(source)'s answers and syncs with it: add \(source) to the tables")
            }
        }
    }

    /// `--tables` help: the names, comma-separated.
    public var helpList: String { names.map(\.rawValue).joined(separator: ", ") }
}

import Foundation
import MatomoSync

/// Writes a config file from its model: what the console saves when a source is linked, edited or
/// removed. Everything `ConfigLoader` reads is written back (reports, prefixes, per-table plans), so
/// a hand-edited file survives a console edit in meaning; its comments do not.
public enum ConfigFileWriter {
    public static let header = """
        # matomo-sync config. The web console (matomo-sync serve) rewrites this file when a source is
        # linked, edited or removed; edit it by hand freely, then reload (SIGHUP or the console's Reload
        # button). Comments are not kept when the console saves.
        """

    public static func render(warehouse: String, sources: [SourceConfig]) -> String {
        var out = header + "\n\nwarehouse = \(quote(warehouse))\n"
        for source in sources {
            out += "\n[[source]]\n"
            out += "url = \(quote(source.url))\n"
            switch source.sites {
            case .all: out += "sites = \"all\"\n"
            case .ids(let ids): out += "sites = [\(ids.map(String.init).joined(separator: ", "))]\n"
            }
            switch source.token {
            case .file(let path): out += "token_file = \(quote(path))\n"
            case .env(let name): out += "token_env = \(quote(name))\n"
            }
            if !source.tablePrefix.isEmpty { out += "table_prefix = \(quote(source.tablePrefix))\n" }
            if source.backfillDays != 365 { out += "backfill_days = \(source.backfillDays)\n" }
            out += "every = \(quote(Every.format(source.every)))\n"
            if let verify = source.verify {
                out += "verify = { every = \(quote(Every.format(verify.every))), days = \(verify.days), repair = \(verify.repair) }\n"
            }
            for report in source.reports {
                out += "\n[[source.report]]\n"
                out += "name = \(quote(report.name.rawValue))\n"
                out += "method = \(quote(report.method))\n"
                if !report.params.isEmpty {
                    out += "params = { " + report.params.map { "\(key($0.0)) = \(quote($0.1))" }.joined(separator: ", ") + " }\n"
                }
                if let k = report.key { out += "key = [" + k.map(quote).joined(separator: ", ") + "]\n" }
            }
            out += "\n[source.tables]\n"
            for name in source.catalog.names {
                guard let plan = source.tables[name] else {
                    out += "\(key(name.rawValue)) = false\n"
                    continue
                }
                var parts = ["method = \(quote(plan.method.rawValue))", "every = \(quote(Every.format(plan.every)))"]
                if plan.truncate { parts.append("truncate = true") }
                if plan.paused { parts.append("paused = true") }
                out += "\(key(name.rawValue)) = { \(parts.joined(separator: ", ")) }\n"
            }
        }
        return out
    }

    /// A TOML basic string.
    static func quote(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7f {
                    out += String(format: "\\u%04X", scalar.value)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }

    /// A bare key when it can be one, quoted otherwise.
    static func key(_ s: String) -> String {
        let bare = !s.isEmpty && s.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "_" || $0 == "-" }
        return bare ? s : quote(s)
    }

    /// Replaces the file in one step (a reader never sees half of it), keeping it private to its owner
    /// only when it was already.
    public static func save(_ text: String, to path: String) throws {
        let temporary = path + ".saving"
        guard FileManager.default.createFile(atPath: temporary, contents: Data(text.utf8)) else {
            throw ConsoleError("cannot write \(temporary); check the folder's permissions")
        }
        if rename(temporary, path) != 0 {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw ConsoleError("cannot replace \(path): \(reason)")
        }
    }
}

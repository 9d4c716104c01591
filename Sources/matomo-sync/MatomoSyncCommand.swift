import ArgumentParser
import Foundation
import MatomoAPI

@main
struct MatomoSyncCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "matomo-sync",
        abstract: "Sync a Matomo site's visits and reports into a SQL warehouse.",
        discussion: """
            The API token comes from MATOMO_TOKEN or --token-file, never from a flag (it would show in `ps` and shell history). MATOMO_URL and MATOMO_SITE_ID stand in for --url and --site-id. Try `matomo-sync demo` to see a whole sync against a built-in fake Matomo.

            Exit status: 0 on success; 1 when the command failed (a table that did not sync, an unreachable server, a value out of range such as --site-id 0); 64 when the command line cannot be parsed (an unknown option or subcommand, a missing value, a value not of the option's kind such as --format xml). Shell completion: `matomo-sync --generate-completion-script bash` (or zsh, fish).
            """,
        version: MatomoSyncVersion.current,
        subcommands: [SyncCommand.self, RunCommand.self, ServeCommand.self, VerifyCommand.self, CheckCommand.self, StatusCommand.self, QueryCommand.self, TablesCommand.self, ReportsCommand.self, DemoCommand.self]
    )

    /// ArgumentParser's `main`, with every line going through `Console`: SIGPIPE ignored, a closed
    /// stdout or stderr never fatal, and under `--log-format json` even a usage error is a JSON record.
    static func main() async {
        Console.setUp()
        let arguments = Array(CommandLine.arguments.dropFirst())
        if zip(arguments, arguments.dropFirst()).contains(where: { $0 == "--log-format" && $1 == "json" })
            || arguments.contains("--log-format=json") {
            Console.logFormat = .json
        }
        do {
            var command = try parseAsRoot(arguments)
            if var async = command as? AsyncParsableCommand {
                try await async.run()
            } else {
                try command.run()
            }
        } catch {
            let code = exitCode(for: error)
            let text = fullMessage(for: error)
            if !text.isEmpty {
                if code == .success {
                    Console.out(text + "\n")
                } else if Console.logFormat == .json {
                    Console.message(text, level: "error")
                } else {
                    Console.rawError(text + "\n")
                }
            }
            Foundation.exit(code.rawValue)
        }
    }
}

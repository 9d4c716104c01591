import ArgumentParser
import Foundation

@main
struct MatomoSyncCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "matomo-sync",
        abstract: "Sync a Matomo site's visits and reports into a SQL warehouse.",
        discussion: """
            The API token comes from MATOMO_TOKEN or --token-file, never from a flag (it would show in `ps` and shell history). MATOMO_URL and MATOMO_SITE_ID stand in for --url and --site-id. Try `matomo-sync demo` to see a whole sync against a built-in fake Matomo.
            """,
        subcommands: [SyncCommand.self, RunCommand.self, CheckCommand.self, StatusCommand.self, QueryCommand.self, DemoCommand.self]
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

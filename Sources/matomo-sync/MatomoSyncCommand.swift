import ArgumentParser

@main
struct MatomoSyncCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "matomo-sync",
        abstract: "Sync a Matomo site's visits and reports into a SQL warehouse.",
        discussion: """
            The API token comes from MATOMO_TOKEN or --token-file, never from a flag (it would show in `ps` and shell history). MATOMO_URL and MATOMO_SITE_ID stand in for --url and --site-id. Try `matomo-sync demo` to see a whole sync against a built-in fake Matomo.
            """,
        subcommands: [SyncCommand.self, RunCommand.self, CheckCommand.self, StatusCommand.self, QueryCommand.self, TablesCommand.self, ReportsCommand.self, DemoCommand.self]
    )
}

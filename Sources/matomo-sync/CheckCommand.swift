import ArgumentParser
import Foundation
import MatomoAPI
import MatomoSync

struct CheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check the URL, the token and access to the site; exit 0 only if a sync would work.")

    @OptionGroup var source: SourceOptions

    func run() async throws {
        try await runReportingErrors {
            let (client, sites) = try source.makeClient()
            do {
                let version = try await client.matomoVersion()
                Console.out("Matomo \(version) at \(client.instance)\n")
                for siteId in try await sites.resolve(with: client) {
                    let site = try await client.site(id: siteId)
                    // The visit log is the table most often switched off; ask for one visit to know.
                    _ = try await client.call("Live.getLastVisitsDetails", [("idSite", String(siteId)), ("period", "day"), ("date", "today"), ("filter_limit", "1")])
                    Console.out("site \(site.id): \(site.name)\n")
                    Console.out("timezone: \(site.timezoneName)\n")
                }
                await client.shutdown()
                Console.out("ok: a sync would work\n")
            } catch {
                await client.shutdown()
                throw error
            }
        }
    }
}

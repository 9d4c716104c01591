import Foundation
import Logging
import MatomoAPI

/// A config file's tables, each when due: `SyncService` running the file's plan (`SyncPlan(config:)`).
/// Kept so the callers of before read the same; new code builds the plan and the service itself.
public final class ScheduledRunner: Sendable {
    public let config: SyncConfig
    public let service: SyncService

    public init(config: SyncConfig, warehouse: any Warehouse, clientConfiguration: ClientConfiguration,
                progress: any SyncProgress, maxConcurrentTables: Int = 2, pageSize: Int? = nil,
                now: @escaping @Sendable () -> Date = { Date() },
                stopRequested: @escaping @Sendable () -> String? = { nil },
                logger: Logger = Logger(label: "matomo-sync")) throws {
        self.config = config
        service = try SyncService(plan: try SyncPlan(config: config, pageSize: pageSize), warehouse: warehouse,
                                  clientConfiguration: clientConfiguration, progress: progress, maxConcurrentRuns: maxConcurrentTables,
                                  now: now, stopRequested: stopRequested, logger: logger)
    }

    public func shutdown() async { await service.shutdown() }

    /// One pass over the due tables (every table with `all`), then the due verifies with `verifies`.
    /// Throws when stopped by a signal.
    @discardableResult
    public func runOnce(all: Bool = false, verifies: Bool = false) async throws -> [TableReport] {
        try await service.runOnce(all: all, verifies: verifies)
    }

    /// Runs until a signal asks to stop; returns then, with every started batch committed.
    public func runForever(pollInterval: Duration = .seconds(1)) async throws { try await service.runForever(pollInterval: pollInterval) }
}

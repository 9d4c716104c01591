/// Runs `body`, then `cleanup`, whether `body` threw or not: async clean-up (closing clients,
/// releasing locks) cannot go in a `defer`.
public func withCleanup<T>(_ body: () async throws -> T, cleanup: () async -> Void) async throws -> T {
    do {
        let result = try await body()
        await cleanup()
        return result
    } catch {
        await cleanup()
        throw error
    }
}

/// Fetches jobs concurrently, at most `ahead` at a time, and hands their results back strictly in job
/// order, so the caller can commit each one with a cursor that only moves forward. Results wait for
/// the caller, which bounds memory to `ahead` results.
struct OrderedFetches<Job: Sendable, Result: Sendable> {
    private var queue: [Job]
    private var next = 0
    private var inflight: [(job: Job, task: Task<Result, any Error>)] = []
    private let ahead: Int
    private let fetch: @Sendable (Job) async throws -> Result

    init(jobs: [Job], ahead: Int, fetch: @escaping @Sendable (Job) async throws -> Result) {
        self.queue = jobs
        self.ahead = max(1, ahead)
        self.fetch = fetch
    }

    /// The next job in order and its result; nil when all are done. Cancelling the caller cancels the fetch.
    mutating func next() async throws -> (Job, Result)? {
        try Task.checkCancellation()
        fill()
        guard !inflight.isEmpty else { return nil }
        let (job, task) = inflight.removeFirst()
        fill()
        let result = try await withTaskCancellationHandler {
            try await task.value
        } onCancel: {
            task.cancel()
        }
        return (job, result)
    }

    /// Runs `job` before every other job not yet handed back.
    mutating func pushFront(_ job: Job) {
        inflight.insert((job, start(job)), at: 0)
    }

    /// Forgets the jobs not yet handed back that match, cancelling those in flight.
    mutating func drop(where matches: (Job) -> Bool) {
        for entry in inflight where matches(entry.job) { entry.task.cancel() }
        inflight.removeAll { matches($0.job) }
        queue = Array(queue[next...].filter { !matches($0) })
        next = 0
    }

    func cancelAll() {
        for entry in inflight { entry.task.cancel() }
    }

    private mutating func fill() {
        while inflight.count < ahead, next < queue.count {
            inflight.append((queue[next], start(queue[next])))
            next += 1
        }
    }

    private func start(_ job: Job) -> Task<Result, any Error> {
        let fetch = self.fetch
        return Task { try await fetch(job) }
    }
}

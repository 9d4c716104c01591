/// Rules the server warehouses share for typed columns and state rows.
enum ServerTypes {
    /// The wider of two column types (a full refresh's staging table against its target).
    static func union(_ a: ColumnType, _ b: ColumnType) -> ColumnType {
        if a == b { return a }
        if Set([a, b]) == [.integer, .real] { return .real }
        return .text
    }

    /// `YYYY-MM-DD`, what a DATE column takes.
    static func isDate(_ s: String) -> Bool {
        let u = Array(s.utf8)
        guard u.count == 10, u[4] == 45, u[7] == 45 else { return false }
        return u.enumerated().allSatisfy { $0.offset == 4 || $0.offset == 7 || (48...57).contains($0.element) }
    }

    /// A state read as `cursor, phase, last_success_at, last_error, last_error_at` cells, with
    /// `next_run_at, failures` at `scheduleAt`.
    static func state(from cells: [Cell], scheduleAt: Int = 5) -> TableState {
        func text(_ i: Int) -> String? { if i < cells.count, case .text(let s) = cells[i] { return s }; return nil }
        var failures = 0
        if scheduleAt + 1 < cells.count, case .int(let n) = cells[scheduleAt + 1] { failures = Int(n) }
        return TableState(cursor: text(0), phase: TableState.Phase(rawValue: text(1) ?? "") ?? .incremental,
                          lastSuccessAt: text(2), lastError: text(3), lastErrorAt: text(4),
                          nextRunAt: text(scheduleAt), failures: failures)
    }
}

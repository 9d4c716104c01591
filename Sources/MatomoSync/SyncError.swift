/// Errors of the sync itself (bad input, warehouse trouble), each saying what to do.
public enum SyncError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalidInput(String)
    case warehouse(String)
    case interrupted(String)

    public var description: String {
        switch self {
        case .invalidInput(let m): return m
        case .warehouse(let m): return "warehouse: \(m)"
        case .interrupted(let m): return m
        }
    }
}

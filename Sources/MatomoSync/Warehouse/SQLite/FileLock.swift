import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An advisory lock on a file beside the database (`flock`), so two syncs into the same SQLite file
/// do not interleave. The kernel drops it when the process dies, even by SIGKILL: no stale locks.
final class FileLock: Sendable {
    let path: String
    private let fd: Int32

    /// Takes the lock or throws, saying who holds it.
    init(path: String, warehouse: String) throws {
        self.path = path
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw SyncError.warehouse("cannot create the lock file \(path): \(String(cString: strerror(errno)))")
        }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let holder = (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            close(fd)
            throw SyncError.warehouse("another matomo-sync is already syncing into \(warehouse)\(holder.isEmpty ? "" : " (pid \(holder))"); wait for it to finish, or stop it, then run again")
        }
        let pid = "\(getpid())\n"
        _ = ftruncate(fd, 0)
        _ = pid.withCString { write(fd, $0, strlen($0)) }
        self.fd = fd
    }

    func release() {
        _ = ftruncate(fd, 0)
        flock(fd, LOCK_UN)
        close(fd)
    }
}

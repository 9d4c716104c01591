import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An advisory lock on a file beside the database (`flock`), so two syncs into the same SQLite file
/// do not interleave. The kernel drops it when the process dies, even by SIGKILL: no stale locks.
/// The holder deletes the file when it lets go. That is safe because a taker checks, once locked,
/// that the path still names the file it locked: one that was deleted under it is let go and the
/// path opened again, so two processes never both hold "the" lock.
final class FileLock: Sendable {
    let path: String
    private let fd: Int32

    /// Takes the lock or throws, saying who holds it.
    init(path: String, warehouse: String) throws {
        self.path = path
        while true {
            let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
            guard fd >= 0 else {
                throw SyncError.warehouse("cannot create the lock file \(path): \(String(cString: strerror(errno)))")
            }
            if flock(fd, LOCK_EX | LOCK_NB) != 0 {
                let holder = (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
                close(fd)
                throw SyncError.warehouse("another matomo-sync is already syncing into \(warehouse)\(holder.isEmpty ? "" : " (pid \(holder))"); wait for it to finish, or stop it, then run again")
            }
            guard Self.isStillAtPath(fd, path) else {
                close(fd)
                continue
            }
            let pid = "\(getpid())\n"
            _ = ftruncate(fd, 0)
            _ = pid.withCString { write(fd, $0, strlen($0)) }
            self.fd = fd
            return
        }
    }

    /// Whether `path` is the very file `fd` has open (same device and inode).
    static func isStillAtPath(_ fd: Int32, _ path: String) -> Bool {
        var opened = stat()
        var named = stat()
        guard fstat(fd, &opened) == 0, stat(path, &named) == 0 else { return false }
        return opened.st_dev == named.st_dev && opened.st_ino == named.st_ino
    }

    /// Deletes the file while still holding it (nobody else can hold this file), then lets go.
    func release() {
        if Self.isStillAtPath(fd, path) { unlink(path) }
        flock(fd, LOCK_UN)
        close(fd)
    }
}

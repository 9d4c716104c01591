import Foundation
import HummingbirdBcrypt

/// The console's one password, kept only as a bcrypt hash. It comes from
/// `MATOMO_SYNC_CONSOLE_PASSWORD`, a `--password-file`, or is generated on the first start, shown
/// once on stderr and its hash kept beside the config (`<config>.console-password`, mode 0600).
public struct PasswordStore: Sendable {
    public let hash: String

    public init(hash: String) { self.hash = hash }

    /// Where the generated password's hash is kept for a config file.
    public static func hashFile(forConfig configPath: String) -> String { configPath + ".console-password" }

    /// Finds the password: the environment, the file, or the kept hash; generates one otherwise.
    /// `announce` receives the generated password (once, to print on stderr).
    public static func load(environment: [String: String], passwordFile: String?, configPath: String,
                            cost: UInt8 = 10, announce: (String) -> Void) throws -> PasswordStore {
        if let value = environment["MATOMO_SYNC_CONSOLE_PASSWORD"], !value.isEmpty {
            return PasswordStore(hash: Bcrypt.hash(value, cost: cost))
        }
        if let passwordFile {
            guard let text = try? String(contentsOfFile: passwordFile, encoding: .utf8),
                  let first = text.split(whereSeparator: \.isNewline).first.map(String.init), !first.isEmpty else {
                throw ConsoleError("--password-file \(passwordFile): cannot read a password from its first line")
            }
            return PasswordStore(hash: Bcrypt.hash(first, cost: cost))
        }
        let kept = hashFile(forConfig: configPath)
        if let text = try? String(contentsOfFile: kept, encoding: .utf8) {
            let hash = text.trimmingCharacters(in: .whitespacesAndNewlines)
            if hash.hasPrefix("$2") { return PasswordStore(hash: hash) }
        }
        let generated = randomPassword()
        let hash = Bcrypt.hash(generated, cost: cost)
        try SecretFile.write(hash + "\n", to: kept)
        announce(generated)
        return PasswordStore(hash: hash)
    }

    /// bcrypt's own comparison runs over the whole hash whatever the input, so timing tells nothing.
    public func verify(_ candidate: String) -> Bool {
        guard !candidate.isEmpty, candidate.utf8.count <= 256 else {
            // Spend the same time as a real check, so the length of a guess is not timed either.
            _ = Bcrypt.verify("x", hash: hash)
            return false
        }
        return Bcrypt.verify(candidate, hash: hash)
    }

    static func randomPassword() -> String {
        let alphabet = Array("abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789")
        var generator = SystemRandomNumberGenerator()
        return String((0..<20).map { _ in alphabet[Int(generator.next(upperBound: UInt64(alphabet.count)))] })
    }
}

/// Writes a file only its owner may read (tokens, the password hash): created 0600 before any byte lands.
enum SecretFile {
    static func write(_ text: String, to path: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard fd >= 0 else { throw ConsoleError("cannot write \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        // An existing file keeps its mode on open; make sure it is 0600 too.
        fchmod(fd, 0o600)
        let bytes = Array(text.utf8)
        var written = 0
        while written < bytes.count {
            let n = bytes[written...].withUnsafeBytes { Foundation.write(fd, $0.baseAddress, $0.count) }
            guard n > 0 else { throw ConsoleError("cannot write \(path): \(String(cString: strerror(errno)))") }
            written += n
        }
    }
}

/// An error the console shows as it is (already free of secrets).
public struct ConsoleError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}

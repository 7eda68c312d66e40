// Password hashing for web accounts (PBKDF2-HMAC-SHA256, OWASP 2023: at least 600,000
// iterations) and the random secrets of the web: session ids, CSRF tokens, API bearer tokens.
// Hashing is CPU-bound (a few hundred milliseconds): callers run it off Swift's shared task
// threads.
import WatchpostCore
import Crypto

public enum PasswordHash {
    /// Iterations for new hashes. Verification uses the count stored with each hash, so raising
    /// this later keeps old hashes valid (they are rehashed at the next password change).
    public static let iterations = 600_000
    public static let minimumLength = 10

    /// `pbkdf2-sha256$<iterations>$<salt base64url>$<hash base64url>`.
    public static func make(_ password: String, iterations: Int = iterations) throws(WatchpostError) -> String {
        do {
            let salt = try SecureRandom.bytes(16)
            let hash = try PBKDF2.sha256(password: password, salt: salt, iterations: iterations)
            return "pbkdf2-sha256$\(iterations)$\(Base64URL.encode(salt))$\(Base64URL.encode(hash))"
        } catch {
            throw WatchpostError(.crypto, "cannot hash password: \(error)")
        }
    }

    /// Compares in constant time. A malformed stored hash never matches.
    public static func verify(_ password: String, against stored: String) -> Bool {
        let parts = stored.split(separator: "$", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0] == "pbkdf2-sha256", let n = Int(parts[1]), n >= 1, n <= 10_000_000,
              let salt = Base64URL.decode(String(parts[2])), let expected = Base64URL.decode(String(parts[3])), !expected.isEmpty,
              let got = try? PBKDF2.sha256(password: password, salt: salt, iterations: n, length: expected.count) else { return false }
        return constantTimeEquals(got, expected)
    }

    /// Spends the same time as a real verification, for unknown accounts (so response time does
    /// not tell which logins exist).
    public static func burn(_ password: String) {
        _ = try? PBKDF2.sha256(password: password, salt: Array(repeating: 0, count: 16), iterations: iterations)
    }

    /// Why a new password is refused, or nil when acceptable.
    public static func weakness(_ password: String, login: String) -> String? {
        if password.count < minimumLength { return "a password needs at least \(minimumLength) characters" }
        if password.lowercased().contains(login.lowercased()) && !login.isEmpty { return "the password must not contain the login name" }
        if Set(password).count < 4 { return "the password repeats too few distinct characters" }
        return nil
    }
}

public enum WebSecret {
    /// A random token of 32 bytes in base64url (43 characters): session ids, API tokens.
    public static func token(prefix: String = "") throws(WatchpostError) -> String {
        do { return prefix + Base64URL.encode(try SecureRandom.bytes(32)) }
        catch { throw WatchpostError(.crypto, "cannot draw random bytes: \(error)") }
    }

    /// SHA-256 in hex, how session ids and API tokens are stored.
    public static func digest(_ token: String) -> String { Hex.encode(SHA256Hasher.digest(token)) }

    public static func equal(_ a: String, _ b: String) -> Bool { constantTimeEquals(Array(a.utf8), Array(b.utf8)) }
}

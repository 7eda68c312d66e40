// Crypto is the one module that touches OpenSSL's libcrypto: SHA-256 (streaming), HMAC-SHA256,
// Ed25519 keys, signatures and verification, PBKDF2-HMAC-SHA256, secure random bytes and
// constant-time comparison. Only the EVP API is used (the low-level SHA256_* calls are deprecated).
import CCrypto

/// The linked libcrypto's (OpenSSL's) version ("3.0.15"), asked at run time.
public enum LibCrypto {
    public static var libraryVersion: String {
        "\(OPENSSL_version_major()).\(OPENSSL_version_minor()).\(OPENSSL_version_patch())"
    }
}

public struct CryptoError: Error, Sendable, CustomStringConvertible {
    public let operation: String
    public let detail: String
    public var description: String { "\(operation) failed: \(detail)" }

    static func fromOpenSSL(_ op: String) -> CryptoError {
        let code = ERR_get_error()
        var buf = [CChar](repeating: 0, count: 256)
        if code != 0 { ERR_error_string_n(code, &buf, buf.count) }
        return CryptoError(operation: op, detail: code == 0 ? "unknown OpenSSL error" : String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
    }
}

/// Incremental SHA-256. Feed it blocks of any size; `finalize()` returns the 32-byte digest.
public final class SHA256Hasher {
    private let ctx: OpaquePointer

    public init() {
        ctx = EVP_MD_CTX_new()
        EVP_DigestInit_ex(ctx, EVP_sha256(), nil)
    }

    deinit { EVP_MD_CTX_free(ctx) }

    public func update(_ bytes: UnsafeRawBufferPointer) {
        if bytes.count > 0 { EVP_DigestUpdate(ctx, bytes.baseAddress, bytes.count) }
    }

    public func update(_ bytes: [UInt8]) { bytes.withUnsafeBytes { update($0) } }
    public func update(_ text: String) { update(Array(text.utf8)) }

    /// The digest; the hasher is reset and can be used again.
    public func finalize() -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        var len: UInt32 = 32
        EVP_DigestFinal_ex(ctx, &out, &len)
        EVP_DigestInit_ex(ctx, EVP_sha256(), nil)
        return out
    }

    public static func digest(_ bytes: [UInt8]) -> [UInt8] {
        let h = SHA256Hasher()
        h.update(bytes)
        return h.finalize()
    }

    public static func digest(_ text: String) -> [UInt8] { digest(Array(text.utf8)) }
}

public enum HMACSHA256 {
    public static func authenticate(_ message: [UInt8], key: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        var len: UInt32 = 32
        _ = key.withUnsafeBytes { k in
            message.withUnsafeBytes { m in
                HMAC(EVP_sha256(), k.baseAddress, Int32(k.count), m.baseAddress?.assumingMemoryBound(to: UInt8.self), m.count, &out, &len)
            }
        }
        return out
    }
}

public enum PBKDF2 {
    /// PBKDF2-HMAC-SHA256. OWASP (2023) asks for at least 600,000 iterations.
    public static func sha256(password: String, salt: [UInt8], iterations: Int, length: Int = 32) throws(CryptoError) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: length)
        let rc = password.withCString { p in
            PKCS5_PBKDF2_HMAC(p, Int32(password.utf8.count), salt, Int32(salt.count), Int32(iterations), EVP_sha256(), Int32(length), &out)
        }
        guard rc == 1 else { throw CryptoError.fromOpenSSL("PBKDF2") }
        return out
    }
}

public enum SecureRandom {
    public static func bytes(_ count: Int) throws(CryptoError) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        guard RAND_bytes(&out, Int32(count)) == 1 else { throw CryptoError.fromOpenSSL("RAND_bytes") }
        return out
    }
}

/// Compares two byte strings in time that depends only on their length (for MACs and tokens).
public func constantTimeEquals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
    guard a.count == b.count else { return false }
    return a.withUnsafeBytes { pa in b.withUnsafeBytes { pb in CRYPTO_memcmp(pa.baseAddress, pb.baseAddress, a.count) == 0 } }
}

/// Ed25519 with raw 32-byte keys (RFC 8032), as the content manifests use.
public enum Ed25519 {
    public struct KeyPair: Sendable {
        public let privateKey: [UInt8]
        public let publicKey: [UInt8]
    }

    public static func generate() throws(CryptoError) -> KeyPair {
        let seed = try SecureRandom.bytes(32)
        return KeyPair(privateKey: seed, publicKey: try publicKey(fromPrivate: seed))
    }

    public static func publicKey(fromPrivate seed: [UInt8]) throws(CryptoError) -> [UInt8] {
        guard seed.count == 32, let pkey = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nil, seed, 32) else {
            throw CryptoError(operation: "Ed25519 private key", detail: "a private key is 32 bytes")
        }
        defer { EVP_PKEY_free(pkey) }
        var out = [UInt8](repeating: 0, count: 32)
        var len = 32
        guard EVP_PKEY_get_raw_public_key(pkey, &out, &len) == 1 else { throw CryptoError.fromOpenSSL("Ed25519 public key") }
        return out
    }

    public static func sign(_ message: [UInt8], privateKey seed: [UInt8]) throws(CryptoError) -> [UInt8] {
        guard seed.count == 32, let pkey = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nil, seed, 32) else {
            throw CryptoError(operation: "Ed25519 sign", detail: "a private key is 32 bytes")
        }
        defer { EVP_PKEY_free(pkey) }
        guard let ctx = EVP_MD_CTX_new() else { throw CryptoError.fromOpenSSL("EVP_MD_CTX_new") }
        defer { EVP_MD_CTX_free(ctx) }
        guard EVP_DigestSignInit(ctx, nil, nil, nil, pkey) == 1 else { throw CryptoError.fromOpenSSL("Ed25519 sign init") }
        var sig = [UInt8](repeating: 0, count: 64)
        var sigLen = 64
        let rc = message.withUnsafeBytes { m in
            EVP_DigestSign(ctx, &sig, &sigLen, m.baseAddress?.assumingMemoryBound(to: UInt8.self), m.count)
        }
        guard rc == 1 else { throw CryptoError.fromOpenSSL("Ed25519 sign") }
        return sig
    }

    public static func verify(_ signature: [UInt8], of message: [UInt8], publicKey: [UInt8]) -> Bool {
        guard signature.count == 64, publicKey.count == 32,
              let pkey = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nil, publicKey, 32) else { return false }
        defer { EVP_PKEY_free(pkey) }
        guard let ctx = EVP_MD_CTX_new() else { return false }
        defer { EVP_MD_CTX_free(ctx) }
        guard EVP_DigestVerifyInit(ctx, nil, nil, nil, pkey) == 1 else { return false }
        return message.withUnsafeBytes { m in
            EVP_DigestVerify(ctx, signature, 64, m.baseAddress?.assumingMemoryBound(to: UInt8.self), m.count) == 1
        }
    }
}

/// Lower-case hex, and back.
public enum Hex {
    public static func encode(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 2)
        for b in bytes { out.append(digits[Int(b >> 4)]); out.append(digits[Int(b & 15)]) }
        return String(decoding: out, as: UTF8.self)
    }

    public static func decode(_ text: String) -> [UInt8]? {
        let chars = Array(text.utf8)
        guard chars.count % 2 == 0 else { return nil }
        func nibble(_ c: UInt8) -> UInt8? {
            switch c {
            case 48...57: return c - 48
            case 97...102: return c - 87
            case 65...70: return c - 55
            default: return nil
            }
        }
        var out = [UInt8]()
        out.reserveCapacity(chars.count / 2)
        var i = 0
        while i < chars.count {
            guard let hi = nibble(chars[i]), let lo = nibble(chars[i + 1]) else { return nil }
            out.append(hi << 4 | lo)
            i += 2
        }
        return out
    }
}

// Ed25519 key files in the PEM forms OpenSSL itself reads and writes (PKCS#8 "PRIVATE KEY" and
// SubjectPublicKeyInfo "PUBLIC KEY"), so that a Department can make or inspect keys with
// `openssl genpkey -algorithm ed25519` / `openssl pkey` as well as with `watchpost manifest keygen`.
import CCrypto

extension Ed25519 {
    /// PKCS#8 PEM ("-----BEGIN PRIVATE KEY-----") for a 32-byte private key (seed).
    public static func privateKeyPEM(_ seed: [UInt8]) throws(CryptoError) -> String {
        guard seed.count == 32, let pkey = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nil, seed, 32) else {
            throw CryptoError(operation: "Ed25519 private key", detail: "a private key is 32 bytes")
        }
        defer { EVP_PKEY_free(pkey) }
        return try writePEM("PEM_write_bio_PrivateKey") { bio in PEM_write_bio_PrivateKey(bio, pkey, nil, nil, 0, nil, nil) }
    }

    /// SubjectPublicKeyInfo PEM ("-----BEGIN PUBLIC KEY-----") for a 32-byte public key.
    public static func publicKeyPEM(_ publicKey: [UInt8]) throws(CryptoError) -> String {
        guard publicKey.count == 32, let pkey = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nil, publicKey, 32) else {
            throw CryptoError(operation: "Ed25519 public key", detail: "a public key is 32 bytes")
        }
        defer { EVP_PKEY_free(pkey) }
        return try writePEM("PEM_write_bio_PUBKEY") { bio in PEM_write_bio_PUBKEY(bio, pkey) }
    }

    /// The 32-byte private key (seed) from a PKCS#8 PEM text. Rejects keys of other algorithms
    /// and encrypted keys (they would need a passphrase prompt; the Department signs offline).
    public static func privateKey(fromPEM text: String) throws(CryptoError) -> [UInt8] {
        let pkey = try readPEM(text, what: "private key") { bio in PEM_read_bio_PrivateKey(bio, nil, { _, _, _, _ in 0 }, nil) }
        defer { EVP_PKEY_free(pkey) }
        guard EVP_PKEY_get_base_id(pkey) == EVP_PKEY_ED25519 else {
            throw CryptoError(operation: "Ed25519 private key", detail: "the key is not an Ed25519 key")
        }
        var out = [UInt8](repeating: 0, count: 32)
        var len = 32
        guard EVP_PKEY_get_raw_private_key(pkey, &out, &len) == 1, len == 32 else { throw CryptoError.fromOpenSSL("Ed25519 raw private key") }
        return out
    }

    /// The 32-byte public key from a SubjectPublicKeyInfo PEM text.
    public static func publicKey(fromPEM text: String) throws(CryptoError) -> [UInt8] {
        let pkey = try readPEM(text, what: "public key") { bio in PEM_read_bio_PUBKEY(bio, nil, nil, nil) }
        defer { EVP_PKEY_free(pkey) }
        guard EVP_PKEY_get_base_id(pkey) == EVP_PKEY_ED25519 else {
            throw CryptoError(operation: "Ed25519 public key", detail: "the key is not an Ed25519 key")
        }
        var out = [UInt8](repeating: 0, count: 32)
        var len = 32
        guard EVP_PKEY_get_raw_public_key(pkey, &out, &len) == 1, len == 32 else { throw CryptoError.fromOpenSSL("Ed25519 raw public key") }
        return out
    }

    /// A short, stable name for a public key: the first 16 hex digits of its SHA-256. Manifests
    /// carry it so that "signed with another key" can be told apart from "edited after signing".
    public static func keyID(_ publicKey: [UInt8]) -> String { String(Hex.encode(SHA256Hasher.digest(publicKey)).prefix(16)) }

    private static func writePEM(_ op: String, _ write: (OpaquePointer) -> Int32) throws(CryptoError) -> String {
        guard let bio = BIO_new(BIO_s_mem()) else { throw CryptoError.fromOpenSSL("BIO_new") }
        defer { BIO_free(bio) }
        guard write(bio) == 1 else { throw CryptoError.fromOpenSSL(op) }
        var out: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 512)
        while true {
            let n = BIO_read(bio, &buf, Int32(buf.count))
            if n <= 0 { break }
            out.append(contentsOf: buf[0..<Int(n)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static func readPEM(_ text: String, what: String, _ read: (OpaquePointer) -> OpaquePointer?) throws(CryptoError) -> OpaquePointer {
        let bytes = Array(text.utf8)
        let pkey: OpaquePointer? = bytes.withUnsafeBytes { raw in
            guard let bio = BIO_new_mem_buf(raw.baseAddress, Int32(raw.count)) else { return nil }
            defer { BIO_free(bio) }
            return read(bio)
        }
        guard let pkey else {
            ERR_clear_error()
            throw CryptoError(operation: "read \(what)", detail: "not a PEM \(what) (expected -----BEGIN \(what.uppercased())-----)")
        }
        return pkey
    }
}

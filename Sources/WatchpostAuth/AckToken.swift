// WatchpostAuth owns the signed tokens that let a recipient act on an incident without an
// account — the one-click acknowledgement links in emails and the token quoted in replies — and
// (with the web work) password hashing and sessions. Keys come from the secrets file.
import WatchpostCore
import Crypto

/// A token carrying incident id, recipient, escalation level and expiry, authenticated with
/// HMAC-SHA256. Text form: `v1.<payload, base64url>.<mac, base64url>`; URL- and subject-safe.
public struct AckToken: Sendable, Hashable {
    public var incidentID: Int64
    public var level: Int
    public var recipient: String
    public var expires: Instant

    public init(incidentID: Int64, level: Int, recipient: String, expires: Instant) {
        self.incidentID = incidentID
        self.level = level
        self.recipient = recipient
        self.expires = expires
    }

    public enum Failure: Error, Sendable, Hashable, CustomStringConvertible {
        case malformed
        case forged
        case expired(Instant)

        public var description: String {
            switch self {
            case .malformed: return "the link is damaged or incomplete"
            case .forged: return "the link's signature is not valid (forged or altered)"
            case .expired(let t): return "the link expired at \(t)"
            }
        }
    }

    var payload: String { "\(incidentID)|\(level)|\(recipient)|\(expires.seconds)" }

    public func signed(key: [UInt8]) -> String {
        let p = Array(payload.utf8)
        return "v1.\(Base64URL.encode(p)).\(Base64URL.encode(HMACSHA256.authenticate(p, key: key)))"
    }

    /// Verifies the MAC (in constant time) and the expiry.
    public static func verify(_ text: String, key: [UInt8], now: Instant) throws(Failure) -> AckToken {
        let parts = text.trimmingWhitespace().split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == "v1", let p = Base64URL.decode(String(parts[1])), let mac = Base64URL.decode(String(parts[2])) else {
            throw .malformed
        }
        guard constantTimeEquals(HMACSHA256.authenticate(p, key: key), mac) else { throw .forged }
        let fields = String(decoding: p, as: UTF8.self).split(separator: "|", omittingEmptySubsequences: false)
        guard fields.count == 4, let id = Int64(fields[0]), let level = Int(fields[1]), let exp = Int64(fields[3]) else { throw .malformed }
        let token = AckToken(incidentID: id, level: level, recipient: String(fields[2]), expires: Instant(seconds: exp))
        if now >= token.expires { throw .expired(token.expires) }
        return token
    }

    /// Verifies against the current key and then the keys it replaced (a rotated `web.link_key`
    /// still honours the links already sent with the old one until they expire).
    public static func verify(_ text: String, keys: [[UInt8]], now: Instant) throws(Failure) -> AckToken {
        var last = Failure.forged
        for key in keys where !key.isEmpty {
            do { return try verify(text, key: key, now: now) } catch {
                if case .forged = error { last = error; continue }
                throw error
            }
        }
        throw last
    }

    /// A stable identifier of a signed token, for recording that it has been used. It is taken
    /// from the decoded payload and MAC, never from the text as received: another spelling of the
    /// same token (surrounding spaces, `%20`, padding) has the same fingerprint, so a used link
    /// stays used however it is re-typed.
    public static func fingerprint(_ text: String) -> String {
        let canonical = canonicalForm(text) ?? text
        return Hex.encode(Array(SHA256Hasher.digest(canonical).prefix(16)))
    }

    /// The one spelling of a token: `v1.` + canonical base64url of the decoded payload and MAC.
    /// Nil when the text does not decode.
    public static func canonicalForm(_ text: String) -> String? {
        let parts = text.trimmingWhitespace().split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == "v1", let p = Base64URL.decode(String(parts[1])), let mac = Base64URL.decode(String(parts[2])) else {
            return nil
        }
        return "v1.\(Base64URL.encode(p)).\(Base64URL.encode(mac))"
    }
}

/// The link-signing key from the secrets file: hex if it looks like hex, otherwise its UTF-8 bytes.
public func linkKeyBytes(_ secret: String) -> [UInt8] {
    if secret.count >= 32, secret.count % 2 == 0, let b = Hex.decode(secret) { return b }
    return Array(secret.utf8)
}

public enum Base64URL {
    static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    public static func encode(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var i = 0
        while i + 2 < bytes.count {
            let n = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2])
            for s in [18, 12, 6, 0] { out.append(alphabet[Int((n >> UInt32(s)) & 63)]) }
            i += 3
        }
        let rest = bytes.count - i
        if rest == 1 {
            let n = UInt32(bytes[i]) << 16
            out.append(alphabet[Int(n >> 18 & 63)]); out.append(alphabet[Int(n >> 12 & 63)])
        } else if rest == 2 {
            let n = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8
            out.append(alphabet[Int(n >> 18 & 63)]); out.append(alphabet[Int(n >> 12 & 63)]); out.append(alphabet[Int(n >> 6 & 63)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    public static func decode(_ text: String) -> [UInt8]? {
        var values: [UInt8] = []
        for c in text.utf8 {
            guard let v = alphabet.firstIndex(of: c) else { return nil }
            values.append(UInt8(v))
        }
        if values.count % 4 == 1 { return nil }
        // Canonical only: the bits below the last whole byte must be zero. Otherwise four
        // spellings of the final character decode to the same bytes, and a used token could be
        // replayed by re-spelling it.
        switch values.count % 4 {
        case 2: if values[values.count - 1] & 0x0F != 0 { return nil }
        case 3: if values[values.count - 1] & 0x03 != 0 { return nil }
        default: break
        }
        var out: [UInt8] = []
        var i = 0
        while i < values.count {
            let chunk = values[i..<min(i + 4, values.count)]
            var n: UInt32 = 0
            for (k, v) in chunk.enumerated() { n |= UInt32(v) << UInt32(18 - 6 * k) }
            out.append(UInt8(n >> 16 & 255))
            if chunk.count > 2 { out.append(UInt8(n >> 8 & 255)) }
            if chunk.count > 3 { out.append(UInt8(n & 255)) }
            i += 4
        }
        return out
    }
}

// The approved-content manifest: a UTF-8 text file the Department signs with Ed25519. Every byte
// before the `signature` line is signed (comments included), so nothing in the file can be
// changed without the signature failing. Format (README "Content integrity"):
//
//   watchpost-manifest 1
//   approved-by Sở Thông tin và Truyền thông tỉnh Điện Biên
//   approved-at 2026-11-20T09:00:00+07:00
//   valid-from 2026-11-20T00:00:00+07:00
//   valid-to 2026-12-31T23:59:59+07:00
//   key-id 3f1c0e5b9a7d2c44
//   file <sha256 hex> <size in bytes> <relative path>
//   …
//   signature ed25519 <128 hex digits>
//
// Format 2 (`watchpost-manifest 2`) adds a `sequence N` line — the Department numbers its
// approvals so the box can refuse an older one replayed onto it — and optional attribute lines
// under each `file` line (two spaces, name, value; ManifestMetadata.swift):
//
//   sequence 42
//   file <sha256> <size> videos/hoa-ban-2026.mp4
//     title Lễ hội Hoa Ban 2026
//     source dai-ptth-dien-bien
//     languages vi, en
//     month 2026-03
//     kind programme
//
// Format 1 files stay readable (no sequence: counted as 0; no metadata). A manifest is written
// in format 1 when it has neither, so older boxes read it too.
import WatchpostCore
import Crypto

/// One approved item: its relative path (ContentPath spelling), SHA-256 (lower-case hex) and size.
public struct ApprovedItem: Sendable, Hashable, Codable {
    public var path: String
    public var sha256: String
    public var size: Int64
    /// Title, source, languages, month and kind (format 2; empty in format 1).
    public var metadata: ItemMetadata

    public init(path: String, sha256: String, size: Int64, metadata: ItemMetadata = ItemMetadata()) {
        self.path = path
        self.sha256 = sha256
        self.size = size
        self.metadata = metadata
    }
}

/// Why a manifest could not be read: the line and what is wrong with it.
public struct ManifestFormatError: Error, Sendable, Hashable, CustomStringConvertible {
    public var line: Int
    /// What is wrong, from the catalogue ("content.manifest.format.…").
    public var text: Message

    public init(line: Int, _ text: Message) {
        self.line = line
        self.text = text
    }

    /// Vietnamese, then English.
    public var message: String { Catalogue.bilingual(text) }
    public var description: String {
        line > 0 ? Catalogue.bilingual(Message("content.manifest.format.at_line", ["line": .int(Int64(line)), "what": .message(text)])) : message
    }
}

public struct Manifest: Sendable, Hashable {
    public static let magic = "watchpost-manifest 1"
    public static let magic2 = "watchpost-manifest 2"
    /// Offset used when writing times: the sites' zone, Asia/Ho_Chi_Minh (UTC+7, no DST).
    public static let writtenOffset = 7 * 3600

    public var approvedBy: String
    public var approvedAt: Instant
    public var validFrom: Instant
    public var validTo: Instant
    /// `Ed25519.keyID` of the key that signed it.
    public var keyID: String
    public var items: [ApprovedItem]
    /// The Department's approval number (format 2); nil in format 1, which counts as 0.
    public var sequence: Int64?
    /// The exact bytes the signature covers, and the signature (empty when unsigned).
    public var signedBytes: [UInt8]
    public var signature: [UInt8]

    public init(approvedBy: String, approvedAt: Instant, validFrom: Instant, validTo: Instant, keyID: String, items: [ApprovedItem],
                sequence: Int64? = nil) {
        // Whole seconds: the written form has no fractions.
        self.approvedBy = approvedBy
        self.approvedAt = Instant(seconds: approvedAt.seconds)
        self.validFrom = Instant(seconds: validFrom.seconds)
        self.validTo = Instant(seconds: validTo.seconds)
        self.keyID = keyID
        self.items = items.sorted { $0.path.utf8.lexicographicallyPrecedes($1.path.utf8) }
        self.sequence = sequence
        self.signedBytes = []
        self.signature = []
    }

    /// The sequence for comparisons (format 1: 0).
    public var effectiveSequence: Int64 { sequence ?? 0 }
    /// Format 2 when there is a sequence or any metadata.
    public var formatVersion: Int { sequence != nil || items.contains(where: { !$0.metadata.isEmpty }) ? 2 : 1 }

    public func item(at path: String) -> ApprovedItem? { itemsByPath[path] }
    public var itemsByPath: [String: ApprovedItem] { Dictionary(items.map { ($0.path, $0) }, uniquingKeysWith: { a, _ in a }) }

    /// The text that is signed: everything but the signature line.
    public func body() -> String {
        var lines = [formatVersion == 2 ? Manifest.magic2 : Manifest.magic,
                     "# Approved content list — Danh mục nội dung đã được phê duyệt. Signed; any edit voids the signature.",
                     "approved-by \(approvedBy)",
                     "approved-at \(approvedAt.iso8601(offsetSeconds: Manifest.writtenOffset))",
                     "valid-from \(validFrom.iso8601(offsetSeconds: Manifest.writtenOffset))",
                     "valid-to \(validTo.iso8601(offsetSeconds: Manifest.writtenOffset))",
                     "key-id \(keyID)"]
        if let sequence { lines.append("sequence \(sequence)") }
        for i in items {
            lines.append("file \(i.sha256) \(i.size) \(i.path)")
            lines += i.metadata.lines()
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The complete signed file.
    public func signed(privateKey: [UInt8]) throws(CryptoError) -> String {
        let text = body()
        let sig = try Ed25519.sign(Array(text.utf8), privateKey: privateKey)
        return text + "signature ed25519 \(Hex.encode(sig))\n"
    }

    /// Whether `signature` is a valid Ed25519 signature of `signedBytes` by `publicKey`.
    public func signatureIsValid(publicKey: [UInt8]) -> Bool {
        !signature.isEmpty && Ed25519.verify(signature, of: signedBytes, publicKey: publicKey)
    }

    public func isValid(at t: Instant) -> Bool { validFrom <= t && t <= validTo }

    /// Reads a manifest's structure. The signature is not checked here (`signatureIsValid`).
    public static func parse(_ bytes: [UInt8]) throws(ManifestFormatError) -> Manifest {
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw ManifestFormatError(line: 0, Message("content.manifest.format.not_utf8"))
        }
        var fields: [String: (String, Int)] = [:]
        var items: [ApprovedItem] = []
        var seenPaths: [String: Int] = [:]
        var signature: [UInt8]? = nil
        var signedCount = 0
        var version = 1
        var sequence: Int64? = nil
        var sequenceLine = 0
        var offset = 0
        var lineNo = 0
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        for (index, raw) in lines.enumerated() {
            lineNo += 1
            let lineBytes = raw.utf8.count + (index < lines.count - 1 ? 1 : 0)
            defer { offset += lineBytes }
            let line = String(raw)
            if signature != nil {
                if line.isEmpty && index == lines.count - 1 { continue }
                throw ManifestFormatError(line: lineNo, Message("content.manifest.format.after_signature"))
            }
            if line.hasSuffix("\r") { throw ManifestFormatError(line: lineNo, Message("content.manifest.format.crlf")) }
            if lineNo == 1 {
                guard line == magic || line == magic2 else { throw ManifestFormatError(line: 1, Message("content.manifest.format.magic", ["v2": .text(magic2), "v1": .text(magic)])) }
                version = line == magic2 ? 2 : 1
                continue
            }
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("  ") {
                guard version == 2 else { throw ManifestFormatError(line: lineNo, Message("content.manifest.format.needs_v2", ["what": .text("title/source/languages/month/kind"), "v2": .text(magic2)])) }
                guard !items.isEmpty else { throw ManifestFormatError(line: lineNo, Message("content.manifest.format.attribute_first")) }
                let (name, value) = split(String(line.dropFirst(2)))
                if let why = items[items.count - 1].metadata.set(name, value) { throw ManifestFormatError(line: lineNo, why) }
                continue
            }
            let (word, rest) = split(line)
            switch word {
            case "approved-by", "approved-at", "valid-from", "valid-to", "key-id":
                if let (_, first) = fields[word] { throw ManifestFormatError(line: lineNo, Message("content.manifest.format.twice", ["what": .text(word), "first": .int(Int64(first))])) }
                guard !rest.isEmpty else { throw ManifestFormatError(line: lineNo, Message("content.manifest.format.no_value", ["what": .text(word)])) }
                fields[word] = (rest, lineNo)
            case "sequence":
                guard version == 2 else { throw ManifestFormatError(line: lineNo, Message("content.manifest.format.needs_v2", ["what": .text("sequence"), "v2": .text(magic2)])) }
                if sequenceLine > 0 { throw ManifestFormatError(line: lineNo, Message("content.manifest.format.twice", ["what": .text("sequence"), "first": .int(Int64(sequenceLine))])) }
                guard let n = Int64(rest), n >= 0 else { throw ManifestFormatError(line: lineNo, Message("content.manifest.format.sequence", ["text": .text(rest)])) }
                sequence = n
                sequenceLine = lineNo
            case "file":
                let parts = rest.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
                guard parts.count == 3 else { throw ManifestFormatError(line: lineNo, Message("content.manifest.format.expected", ["form": .text("file <sha256> <size> <path>")])) }
                let hash = String(parts[0]), path = String(parts[2])
                guard hash.utf8.count == 64, hash.utf8.allSatisfy({ (48...57).contains($0) || (97...102).contains($0) }) else {
                    throw ManifestFormatError(line: lineNo, Message("content.manifest.format.hash", ["text": .text(hash)]))
                }
                guard let size = Int64(parts[1]), size >= 0 else { throw ManifestFormatError(line: lineNo, Message("content.manifest.format.size", ["text": .text(String(parts[1]))])) }
                if let why = ContentPath.problem(path) { throw ManifestFormatError(line: lineNo, why) }
                if let first = seenPaths[path] { throw ManifestFormatError(line: lineNo, Message("content.manifest.format.twice", ["what": .text(path), "first": .int(Int64(first))])) }
                seenPaths[path] = lineNo
                items.append(ApprovedItem(path: path, sha256: hash, size: size))
            case "signature":
                let parts = rest.split(separator: " ")
                guard parts.count == 2, parts[0] == "ed25519", let sig = Hex.decode(String(parts[1])), sig.count == 64 else {
                    throw ManifestFormatError(line: lineNo, Message("content.manifest.format.expected", ["form": .text("signature ed25519 <128 hex digits>")]))
                }
                signature = sig
                signedCount = offset
            default:
                throw ManifestFormatError(line: lineNo, Message("content.manifest.format.unknown_line", ["text": .text(word)]))
            }
        }
        guard let signature else { throw ManifestFormatError(line: 0, Message("content.manifest.format.unsigned")) }
        func field(_ name: String) throws(ManifestFormatError) -> String {
            guard let (v, _) = fields[name] else { throw ManifestFormatError(line: 0, Message("content.manifest.format.missing", ["what": .text(name)])) }
            return v
        }
        func instant(_ name: String) throws(ManifestFormatError) -> Instant {
            let v = try field(name)
            guard let t = Instant.parse(v, defaultOffset: writtenOffset) else {
                throw ManifestFormatError(line: fields[name]?.1 ?? 0, Message("content.manifest.format.time", ["what": .text(name), "text": .text(v)]))
            }
            return t
        }
        var m = Manifest(approvedBy: try field("approved-by"), approvedAt: try instant("approved-at"), validFrom: try instant("valid-from"),
                         validTo: try instant("valid-to"), keyID: try field("key-id"), items: items, sequence: sequence)
        if m.validTo < m.validFrom { throw ManifestFormatError(line: fields["valid-to"]?.1 ?? 0, Message("content.manifest.format.validity")) }
        m.signedBytes = Array(bytes[0..<signedCount])
        m.signature = signature
        return m
    }

    private static func split(_ line: String) -> (String, String) {
        guard let sp = line.firstIndex(of: " ") else { return (line, "") }
        return (String(line[..<sp]), String(line[line.index(after: sp)...]))
    }
}

/// What checking a manifest against the Department's key and the time found.
public enum ManifestVerdict: Sendable, Hashable {
    case valid(Manifest)
    /// Signature fine, but `now` is outside the validity period.
    case expired(Manifest)
    case notYetValid(Manifest)
    /// Signed by a key other than the configured one (key-id differs).
    case otherKey(Manifest, expectedKeyID: String)
    /// key-id matches but the signature does not verify: edited after signing, or forged.
    case badSignature(Manifest)
    case malformed(ManifestFormatError)
    case missing(String)

    /// The manifest when its signature is good (valid, expired or not yet valid).
    public var trustedManifest: Manifest? {
        switch self {
        case .valid(let m), .expired(let m), .notYetValid(let m): return m
        default: return nil
        }
    }

    public static func judge(bytes: [UInt8], publicKey: [UInt8], at now: Instant) -> ManifestVerdict {
        let m: Manifest
        do { m = try Manifest.parse(bytes) } catch { return .malformed(error) }
        let expectedID = Ed25519.keyID(publicKey)
        guard m.signatureIsValid(publicKey: publicKey) else {
            return m.keyID != expectedID ? .otherKey(m, expectedKeyID: expectedID) : .badSignature(m)
        }
        if now < m.validFrom { return .notYetValid(m) }
        if now > m.validTo { return .expired(m) }
        return .valid(m)
    }
}

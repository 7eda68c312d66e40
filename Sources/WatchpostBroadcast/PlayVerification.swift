// Re-proves past plays against the archive of approvals (issue 16, point 4; Vũng Áng Art.
// 4.3.b–c): for each play, the archived manifest named in its row must still be there, carry the
// Department's signature, name the same key, approval time and sequence, and list the played
// item with the same hash — or, for a play logged as not approved, must NOT approve it.
import WatchpostCore
import WatchpostContent
import WatchpostStore
import Crypto

/// What re-checking one play found.
public enum PlayProof: Sendable, Hashable {
    /// The archived approval confirms the row (approved, or rightly not approved).
    case proven
    /// Not approved and no manifest was in force (missing, bad signature…): nothing to re-check.
    case noApproval
    case archiveMissing(manifestID: String)
    case archiveUnreadable(manifestID: String, reason: String)
    case signatureInvalid(manifestID: String)
    /// What differs, as a catalogue message.
    case mismatch(Message)
    /// Logged "could not be checked" (the share away): the archived manifest in force when it
    /// played lists it (`sequence`: that manifest's).
    case notCheckedListed(sequence: String)
    /// Logged "could not be checked": the archived manifest in force when it played does not
    /// approve it — an unapproved play the log could not flag (review of #16, session 6).
    case notCheckedUnapproved(path: String, sequence: String)

    public var isProblem: Bool {
        switch self {
        case .proven, .noApproval, .notCheckedListed: return false
        default: return true
        }
    }

    /// A short code for tables and JSON.
    public var code: String {
        switch self {
        case .proven: return "proven"
        case .noApproval: return "no-approval"
        case .archiveMissing: return "archive-missing"
        case .archiveUnreadable: return "archive-unreadable"
        case .signatureInvalid: return "signature-invalid"
        case .mismatch: return "mismatch"
        case .notCheckedListed: return "not-checked-listed"
        case .notCheckedUnapproved: return "not-checked-unapproved"
        }
    }

    public var message: Message {
        switch self {
        case .proven: return Message("content.plays.proof.proven")
        case .noApproval: return Message("content.plays.proof.no_approval")
        case .archiveMissing(let id): return Message("content.plays.proof.archive_missing", ["manifest": .text(id)])
        case .archiveUnreadable(let id, let why): return Message("content.plays.proof.archive_unreadable", ["manifest": .text(id), "reason": .text(why)])
        case .signatureInvalid(let id): return Message("content.plays.proof.signature_invalid", ["manifest": .text(id)])
        case .mismatch(let what): return Message("content.plays.proof.mismatch", ["what": .message(what)])
        case .notCheckedListed(let seq): return Message("content.plays.proof.not_checked_listed", ["sequence": .text(seq)])
        case .notCheckedUnapproved(let path, let seq): return Message("content.plays.proof.not_checked_unapproved", ["path": .text(path), "sequence": .text(seq)])
        }
    }
}

public struct PlayVerifier {
    public let archive: ManifestArchive
    public let publicKey: [UInt8]
    private var cache: [String: Result<Manifest, PlayProofFailure>] = [:]
    /// Every archived manifest whose signature verifies (read once, for not-checked plays).
    private var trusted: [Manifest]?

    public init(archive: ManifestArchive, publicKey: [UInt8]) {
        self.archive = archive
        self.publicKey = publicKey
    }

    /// Re-checks one entry (gaps are always proven: they claim nothing was approved).
    public mutating func verify(_ entry: BroadcastEntry) -> PlayProof {
        guard entry.kind == .play, let item = entry.item else { return .proven }
        if item.manifestID.isEmpty, item.approval == .notChecked {
            // Nothing was judged when it played: re-check it against the approval then in force
            // (the newest archived manifest valid at its start), instead of saying none was.
            guard let m = inForce(at: entry.started) else { return .noApproval }
            let seq = m.sequence.map(String.init) ?? "-"
            let listed = m.item(at: item.path) ?? (item.sha256.isEmpty ? nil : m.items.first { $0.sha256 == item.sha256 })
            if let listed, item.sha256.isEmpty || listed.sha256 == item.sha256 { return .notCheckedListed(sequence: seq) }
            return .notCheckedUnapproved(path: item.path, sequence: seq)
        }
        guard !item.manifestID.isEmpty else {
            return item.approved ? .mismatch(Message("content.plays.mismatch.no_manifest")) : .noApproval
        }
        let manifest: Manifest
        switch load(item.manifestID) {
        case .success(let m): manifest = m
        case .failure(let f): return f.proof
        }
        if manifest.keyID != item.keyID { return .mismatch(Message("content.plays.mismatch.key", ["logged": .text(item.keyID), "archived": .text(manifest.keyID)])) }
        if manifest.sequence != item.sequence { return .mismatch(Message("content.plays.mismatch.sequence", ["logged": .text(item.sequence.map(String.init) ?? "-"), "archived": .text(manifest.sequence.map(String.init) ?? "-")])) }
        if let at = item.approvedAt, at != manifest.approvedAt { return .mismatch(Message("content.plays.mismatch.approved_at")) }
        let listed = manifest.item(at: item.path) ?? (item.sha256.isEmpty ? nil : manifest.items.first { $0.sha256 == item.sha256 })
        let hashMatches = listed.map { item.sha256.isEmpty || $0.sha256 == item.sha256 } ?? false
        let inForce = manifest.isValid(at: entry.started)
        if item.approved {
            guard let listed, hashMatches else { return .mismatch(Message("content.plays.mismatch.not_listed", ["path": .text(item.path), "sha256": .text(item.sha256)])) }
            guard inForce else { return .mismatch(Message("content.plays.mismatch.outside_validity")) }
            _ = listed
            return .proven
        }
        // Logged as not approved: the archive must agree (not listed with that hash, or not in force).
        if hashMatches && inForce && item.reason.hasPrefix("player.") {
            return .mismatch(Message("content.plays.mismatch.approves_unlogged", ["path": .text(item.path)]))
        }
        return .proven
    }

    /// The archived approval in force at `t`: the highest sequence valid then (the latest
    /// approval time among equals).
    mutating func inForce(at t: Instant) -> Manifest? {
        if trusted == nil {
            trusted = archive.entries().compactMap { e -> Manifest? in
                if case .success(let m) = load(e.id) { return m }
                return nil
            }
        }
        return (trusted ?? []).filter { $0.isValid(at: t) }.max { ($0.effectiveSequence, $0.approvedAt) < ($1.effectiveSequence, $1.approvedAt) }
    }

    mutating func load(_ id: String) -> Result<Manifest, PlayProofFailure> {
        if let hit = cache[id] { return hit }
        let result: Result<Manifest, PlayProofFailure>
        if let entry = archive.entry(id: id) {
            do {
                let bytes = try archive.bytes(of: entry)
                if ManifestArchive.id(of: bytes) != id {
                    result = .failure(PlayProofFailure(proof: .mismatch(Message("content.plays.mismatch.altered", ["path": .text(entry.path)]))))
                } else {
                    switch ManifestVerdict.judge(bytes: bytes, publicKey: publicKey, at: Instant(milliseconds: 0)) {
                    case .valid(let m), .expired(let m), .notYetValid(let m): result = .success(m)
                    case .malformed(let e): result = .failure(PlayProofFailure(proof: .archiveUnreadable(manifestID: id, reason: e.description)))
                    default: result = .failure(PlayProofFailure(proof: .signatureInvalid(manifestID: id)))
                    }
                }
            } catch {
                result = .failure(PlayProofFailure(proof: .archiveUnreadable(manifestID: id, reason: error.reason)))
            }
        } else {
            result = .failure(PlayProofFailure(proof: .archiveMissing(manifestID: id)))
        }
        cache[id] = result
        return result
    }
}

public struct PlayProofFailure: Error, Sendable, Hashable {
    public var proof: PlayProof
}

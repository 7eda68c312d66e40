// The archive of approvals: every manifest the box has accepted (a good Department signature, not
// older than one accepted before), kept byte for byte — text and signature — so any past play can
// be re-proved against the approval that covered it (Vũng Áng Art. 4.3.b–c: broadcast
// information is stored for replay and lookup). One folder per site next to the database:
//
//   <database folder>/manifest-archive/<site>/<sequence, 12 digits>-<sha256 of the file>.manifest
//
// Files, not database rows, because the content and player probes (which have no store) write
// and read it, and because an auditor can copy the folder and verify each file with
// `watchpost manifest verify`. Writes are atomic (temp file, fsync, rename) and idempotent.
import WatchpostCore
import Crypto
import Posix

/// One archived manifest: where it is, its identity and what it says.
public struct ArchivedManifest: Sendable, Hashable {
    /// SHA-256 (hex) of the whole file, signature line included: the id play records carry.
    public var id: String
    public var sequence: Int64
    public var path: String
}

public struct ManifestArchive: Sendable {
    public let folder: String

    public init(folder: String) { self.folder = folder }

    /// The archive of one site, next to the database.
    public init(databasePath: String, site: String) {
        let dir = databasePath.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
        let base = databasePath.hasPrefix("/") && dir.isEmpty ? "" : (dir.isEmpty ? "." : dir)
        folder = "\(base)/manifest-archive/\(site)"
    }

    /// The id of a manifest's bytes.
    public static func id(of bytes: [UInt8]) -> String { Hex.encode(SHA256Hasher.digest(bytes)) }

    static func fileName(sequence: Int64, id: String) -> String {
        let digits = String(max(0, sequence))
        return String(repeating: "0", count: max(0, 12 - digits.count)) + digits + "-" + id + ".manifest"
    }

    /// Every archived manifest, oldest sequence first (names only; nothing is parsed).
    public func entries() -> [ArchivedManifest] {
        guard let names = try? FileSystem.listDirectory(folder) else { return [] }
        return names.compactMap { name -> ArchivedManifest? in
            guard name.hasSuffix(".manifest"), let dash = name.firstIndex(of: "-") else { return nil }
            let seq = Int64(name[..<dash]) ?? -1
            let id = String(name[name.index(after: dash)...].dropLast(".manifest".count))
            guard seq >= 0, id.utf8.count == 64 else { return nil }
            return ArchivedManifest(id: id, sequence: seq, path: "\(folder)/\(name)")
        }.sorted { ($0.sequence, $0.id) < ($1.sequence, $1.id) }
    }

    /// The highest sequence accepted so far (nil: nothing archived).
    public func highestSequence() -> Int64? { entries().last?.sequence }

    public func entry(id: String) -> ArchivedManifest? { entries().first { $0.id == id } }

    /// The exact bytes of an archived manifest.
    public func bytes(of entry: ArchivedManifest) throws(SystemError) -> [UInt8] {
        try FileSystem.readBytes(entry.path, limit: ContentCheckSettings.maxManifestBytes)
    }

    /// Whether `manifest` would replay an older approval: its sequence is below the highest one
    /// accepted. Returns that highest sequence when it is a replay. `scope` (the manifest file a
    /// check reads): the highest accepted for that file only — two content checks at one site,
    /// signed with one key, each have their own sequence and must not flag each other's manifests
    /// as replayed (review of issue #14). The content and player checks reading one manifest
    /// share its scope. Without a scope, the site's highest.
    public func replayedBelow(_ manifest: Manifest, scope: String? = nil) -> Int64? {
        let highest: Int64?
        if let scope { highest = highestSequence(scope: scope) } else { highest = highestSequence() }
        guard let top = highest, manifest.effectiveSequence < top else { return nil }
        return top
    }

    /// Where the highest sequence accepted for one manifest file is kept.
    func scopeFile(_ scope: String) -> String { "\(folder)/scopes/\(Self.id(of: Array(scope.utf8)).prefix(32)).sequence" }

    /// The highest sequence accepted for one manifest file (nil: none yet).
    public func highestSequence(scope: String) -> Int64? {
        guard let text = try? FileSystem.readText(scopeFile(scope)) else { return nil }
        return Int64(text.trimmingWhitespace())
    }

    /// Keeps a trusted manifest (call only after its signature verified and it is not a replay).
    /// Returns its id. Idempotent: an archived file is never rewritten.
    ///
    /// The scope's highest sequence is read, compared and written under a lock on the archive's
    /// folder (flock, so the daemon's checks and a `watchpost` command keeping at once wait for
    /// each other): unlocked, a keep of sequence 3 that read the mark before a keep of sequence 8
    /// wrote it could write 3 after it, lowering the anti-replay mark (#13 review s10, D7; seen in
    /// 17 of 20 rounds of eight keeps at once).
    @discardableResult
    public func keep(bytes: [UInt8], manifest: Manifest, scope: String? = nil) throws(SystemError) -> String {
        let id = try keepFile(bytes: bytes, manifest: manifest)
        if let scope {
            // keepFile made the folder, or found the manifest's file in it.
            try FileSystem.withExclusiveLock(onFolder: folder) { () throws(SystemError) in
                let highest = highestSequence(scope: scope) ?? Int64.min
                if manifest.effectiveSequence > highest {
                    try FileSystem.makeDirectories("\(folder)/scopes")
                    try FileSystem.writeAtomically(scopeFile(scope), "\(manifest.effectiveSequence)\n")
                }
                // The newest accepted manifest of this file, by id: several manifests may share a
                // sequence (old ones without a sequence count as 0), so the id says which one.
                if manifest.effectiveSequence >= highest, lastAcceptedID(scope: scope) != id {
                    try FileSystem.makeDirectories("\(folder)/scopes")
                    try FileSystem.writeAtomically(lastFile(scope), "\(id)\n")
                }
            }
        }
        return id
    }

    /// Where the id of the newest manifest accepted for one manifest file is kept.
    func lastFile(_ scope: String) -> String { "\(folder)/scopes/\(Self.id(of: Array(scope.utf8)).prefix(32)).last" }

    func lastAcceptedID(scope: String) -> String? {
        guard let text = try? FileSystem.readText(lastFile(scope)) else { return nil }
        let id = text.trimmingWhitespace()
        return id.utf8.count == 64 ? id : nil
    }

    /// The newest manifest the box accepted for one manifest file (nil: none, or which one is not
    /// known). While the share is away the player check and the broadcast log judge the playing
    /// item against it (review of #16, session 6: nothing was judged, so an unapproved item on
    /// the screen was never flagged). An archive written before the id was kept: the one entry
    /// with that file's highest sequence, if there is exactly one.
    public func lastAccepted(scope: String) -> ArchivedManifest? {
        if let id = lastAcceptedID(scope: scope) { return entry(id: id) }
        guard let top = highestSequence(scope: scope) else { return nil }
        let candidates = entries().filter { $0.sequence == top }
        return candidates.count == 1 ? candidates[0] : nil
    }

    func keepFile(bytes: [UInt8], manifest: Manifest) throws(SystemError) -> String {
        let id = Self.id(of: bytes)
        let path = "\(folder)/\(Self.fileName(sequence: manifest.effectiveSequence, id: id))"
        if FileSystem.exists(path) { return id }
        try FileSystem.makeDirectories(folder)
        do {
            try FileSystem.writeAtomically(path, String(decoding: bytes, as: UTF8.self), mode: 0o444)
        } catch {
            // Another writer (the content and player checks share the archive) may have won.
            if FileSystem.exists(path) { return id }
            throw error
        }
        return id
    }
}

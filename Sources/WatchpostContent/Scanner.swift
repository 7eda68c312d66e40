// The media-folder scanner: walks the folder without following symlinks out of it, and hashes
// files in large sequential blocks with one fixed buffer, so memory stays the same whatever the
// file size. It is blocking code: the probe runs it inside `runBlocking`, on a thread of its own.
import WatchpostCore
import Crypto
import Posix
import Synchronization

/// What the scanner remembers about a file it hashed. A file whose device, inode, size and mtime
/// are unchanged is not read again until the next full re-hash.
public struct HashCacheEntry: Sendable, Hashable {
    public var device: UInt64
    public var inode: UInt64
    public var size: Int64
    public var modifiedNanoseconds: Int64
    public var sha256: String
    /// When it was last read and hashed.
    public var hashedAt: Instant

    public init(device: UInt64, inode: UInt64, size: Int64, modifiedNanoseconds: Int64, sha256: String, hashedAt: Instant) {
        self.device = device
        self.inode = inode
        self.size = size
        self.modifiedNanoseconds = modifiedNanoseconds
        self.sha256 = sha256
        self.hashedAt = hashedAt
    }

    func matches(_ s: FileStatus) -> Bool {
        device == s.device && inode == s.inode && size == s.size && modifiedNanoseconds == s.modifiedNanoseconds
    }
}

/// One entry of the media folder, as the scan saw it. Paths are ContentPath spellings relative
/// to the media folder.
public enum ScannedEntry: Sendable, Hashable {
    /// A regular file (or a symlink to one inside the folder). `sha256` is nil when the scan
    /// stopped before reaching it.
    case file(path: String, size: Int64, sha256: String?)
    /// A symlink whose target is outside the media folder (or dangling): reported, not followed.
    case symlinkEscape(path: String, target: String)
    /// Could not be read (permissions, I/O error, or not a regular file such as a FIFO).
    case unreadable(path: String, reason: String)
    /// Kept changing while it was hashed (size or times differed before and after, twice).
    case changing(path: String)

    public var path: String {
        switch self {
        case .file(let p, _, _), .symlinkEscape(let p, _), .unreadable(let p, _), .changing(let p): return p
        }
    }
}

/// Shared between a running scan and the probe: a stop request and progress counters.
public final class ScanControl: Sendable {
    let stopRequested = Atomic<Bool>(false)
    let bytesHashed = Atomic<Int64>(0)
    let filesHashed = Atomic<Int>(0)

    public init() {}
    public func requestStop() { stopRequested.store(true, ordering: .relaxed) }
    public var hashedBytes: Int64 { bytesHashed.load(ordering: .relaxed) }
    public var hashedFiles: Int { filesHashed.load(ordering: .relaxed) }
}

public struct ScanOptions: Sendable {
    /// Read size; one buffer of this size is the scan's only large allocation.
    public var blockSize: Int = 1 << 20
    /// Paths (ContentPath spelling) the scan skips: the manifest itself when it lives in the folder.
    public var excluded: Set<String> = []
    /// Test seam: called after each block is hashed, with the file's path. Lets a test change a
    /// file in the middle of hashing it.
    public var afterBlock: (@Sendable (String) -> Void)? = nil

    public init(blockSize: Int = 1 << 20, excluded: Set<String> = [], afterBlock: (@Sendable (String) -> Void)? = nil) {
        self.blockSize = blockSize
        self.excluded = excluded
        self.afterBlock = afterBlock
    }
}

public struct ScanOutcome: Sendable {
    public var entries: [ScannedEntry]
    /// The cache after the scan: one entry per regular file seen and hashed (now or before).
    public var cache: [String: HashCacheEntry]
    /// False when a stop request ended the scan early (some files have no hash yet).
    public var complete: Bool
    public var bytesHashed: Int64
    public var filesHashed: Int
    /// The media folder itself could not be listed.
    public var folderError: String?
}

public enum MediaScanner {
    /// Scans `root`. Files whose cache entry still matches their stat are not read unless
    /// `rehashBefore` is set and they were hashed before it (the full re-hash).
    public static func scan(root: String, cache: [String: HashCacheEntry], rehashBefore: Instant?, now: Instant,
                            options: ScanOptions, control: ScanControl) -> ScanOutcome {
        var outcome = ScanOutcome(entries: [], cache: [:], complete: true, bytesHashed: 0, filesHashed: 0, folderError: nil)
        let rootBytes = Array(root.utf8)
        let realRoot: PathBytes
        do {
            realRoot = try FileSystem.resolvedPath(rootBytes)
            guard try FileSystem.linkStatus(realRoot).kind == .directory else {
                outcome.folderError = "\(root) is not a folder"
                return outcome
            }
        } catch {
            outcome.folderError = "\(root): \(error.reason)"
            return outcome
        }

        // 1. Walk: collect what is there, without reading file contents.
        struct Candidate { var path: String; var openPath: PathBytes; var status: FileStatus }
        var candidates: [Candidate] = []
        var pending: [(dir: PathBytes, rel: PathBytes)] = [(realRoot, [])]
        while let (dir, rel) = pending.popLast() {
            let names: [PathBytes]
            do { names = try FileSystem.directoryEntryNames(dir) } catch {
                if rel.isEmpty { outcome.folderError = "\(root): \(error.reason)"; return outcome }
                outcome.entries.append(.unreadable(path: ContentPath.encode(rel) + "/", reason: "folder cannot be listed: \(error.reason)"))
                continue
            }
            for name in names {
                let full = dir + [0x2f] + name
                let relPath = rel.isEmpty ? name : rel + [0x2f] + name
                let spelled = ContentPath.encode(relPath)
                if options.excluded.contains(spelled) { continue }
                let st: FileStatus
                do { st = try FileSystem.linkStatus(full) } catch {
                    outcome.entries.append(.unreadable(path: spelled, reason: error.reason)); continue
                }
                switch st.kind {
                case .directory:
                    pending.append((full, relPath))
                case .regular:
                    candidates.append(Candidate(path: spelled, openPath: full, status: st))
                case .symlink:
                    let target = (try? FileSystem.linkTarget(full)).map { ContentPath.encode($0) } ?? "?"
                    guard let resolved = try? FileSystem.resolvedPath(full), isInside(resolved, realRoot) else {
                        outcome.entries.append(.symlinkEscape(path: spelled, target: target)); continue
                    }
                    guard let targetStatus = try? FileSystem.linkStatus(resolved) else {
                        outcome.entries.append(.unreadable(path: spelled, reason: "symlink target vanished")); continue
                    }
                    switch targetStatus.kind {
                    case .regular: candidates.append(Candidate(path: spelled, openPath: resolved, status: targetStatus))
                    case .directory: break  // its contents are scanned where they really are; following it could loop
                    default: outcome.entries.append(.unreadable(path: spelled, reason: "symlink to a \(targetStatus.kind.rawValue), not a regular file"))
                    }
                default:
                    outcome.entries.append(.unreadable(path: spelled, reason: "not a regular file (\(st.kind.rawValue))"))
                }
            }
        }

        // 2. Hash: files whose stat changed (or that are new) first, then the full re-hash.
        func needsHash(_ c: Candidate) -> Int? {
            guard let entry = cache[c.path], entry.matches(c.status) else { return 0 }
            if let before = rehashBefore, entry.hashedAt < before { return 1 }
            return nil
        }
        let ordered = candidates.enumerated().sorted { a, b in
            (needsHash(a.element) ?? 2, a.offset) < (needsHash(b.element) ?? 2, b.offset)
        }.map(\.element)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(4096, options.blockSize), alignment: 4096)
        defer { buffer.deallocate() }
        let hasher = SHA256Hasher()
        var stopped = false
        var results: [String: ScannedEntry] = [:]
        for c in ordered {
            if needsHash(c) == nil, let entry = cache[c.path] {
                outcome.cache[c.path] = entry
                results[c.path] = .file(path: c.path, size: c.status.size, sha256: entry.sha256)
                continue
            }
            if stopped || control.stopRequested.load(ordering: .relaxed) {
                stopped = true
                if let old = cache[c.path], old.matches(c.status) { outcome.cache[c.path] = old }  // keep for next time
                results[c.path] = .file(path: c.path, size: c.status.size, sha256: nil)
                continue
            }
            var attempt = 0
            while true {
                attempt += 1
                switch hashFile(c.openPath, path: c.path, buffer: buffer, hasher: hasher, options: options, control: control) {
                case .hashed(let digest, let st, let bytes):
                    outcome.bytesHashed += bytes
                    outcome.filesHashed += 1
                    control.filesHashed.add(1, ordering: .relaxed)
                    outcome.cache[c.path] = HashCacheEntry(device: st.device, inode: st.inode, size: st.size,
                                                          modifiedNanoseconds: st.modifiedNanoseconds, sha256: digest, hashedAt: now)
                    results[c.path] = .file(path: c.path, size: st.size, sha256: digest)
                case .changed(let bytes):
                    outcome.bytesHashed += bytes
                    if attempt < 2 { continue }  // one retry: a copy that just finished settles
                    results[c.path] = .changing(path: c.path)
                case .failed(let reason):
                    results[c.path] = .unreadable(path: c.path, reason: reason)
                case .stopped:
                    stopped = true
                    results[c.path] = .file(path: c.path, size: c.status.size, sha256: nil)
                }
                break
            }
        }
        outcome.entries += candidates.compactMap { results[$0.path] }
        outcome.entries.sort { $0.path.utf8.lexicographicallyPrecedes($1.path.utf8) }
        outcome.complete = !stopped
        return outcome
    }

    static func isInside(_ path: PathBytes, _ root: PathBytes) -> Bool {
        path.count > root.count && path.starts(with: root) && (root == [0x2f] || path[root.count] == 0x2f)
    }

    enum HashResult { case hashed(String, FileStatus, Int64), changed(Int64), failed(String), stopped }

    /// Hashes one file with the shared buffer. The stat taken on the open descriptor before and
    /// after reading must agree (size, mtime, ctime, inode) and match the bytes read; otherwise
    /// the file changed while it was being hashed and the digest means nothing.
    static func hashFile(_ openPath: PathBytes, path: String, buffer: UnsafeMutableRawBufferPointer, hasher: SHA256Hasher,
                         options: ScanOptions, control: ScanControl) -> HashResult {
        let file: StreamingFile
        do { file = try StreamingFile(openPath) } catch {
            if error.errno == 40 /* ELOOP: replaced by a symlink since the walk */ { return .changed(0) }
            return .failed(error.reason)
        }
        let before: FileStatus
        do { before = try file.status() } catch { return .failed(error.reason) }
        guard before.kind == .regular else { return .failed("not a regular file (\(before.kind.rawValue))") }
        file.adviseSequential()
        _ = hasher.finalize()  // reset
        var total: Int64 = 0
        let view = UnsafeMutableRawBufferPointer(start: buffer.baseAddress, count: max(4096, options.blockSize))
        // Read no more than the size seen at open (plus one block to notice growth): a file that
        // is appended to as fast as it is read must not keep the scan busy forever.
        while total <= before.size {
            if control.stopRequested.load(ordering: .relaxed) { return .stopped }
            let n: Int
            do { n = try file.read(into: view) } catch { return .failed(error.reason) }
            if n == 0 { break }
            hasher.update(UnsafeRawBufferPointer(start: view.baseAddress, count: n))
            total += Int64(n)
            control.bytesHashed.add(Int64(n), ordering: .relaxed)
            options.afterBlock?(path)
        }
        let after: FileStatus
        do { after = try file.status() } catch { return .failed(error.reason) }
        if after.size != before.size || after.modifiedNanoseconds != before.modifiedNanoseconds
            || after.changedNanoseconds != before.changedNanoseconds || total != after.size {
            return .changed(total)
        }
        return .hashed(Hex.encode(hasher.finalize()), after, total)
    }

    /// Hashes one file start to end (for `watchpost manifest create` and the bench): the digest
    /// and size, or the reason it could not be read. Same streaming and change detection as a scan.
    public static func hashOne(_ path: String, blockSize: Int = 1 << 20) -> Result<(sha256: String, size: Int64), WatchpostError> {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: blockSize, alignment: 4096)
        defer { buffer.deallocate() }
        switch hashFile(Array(path.utf8), path: path, buffer: buffer, hasher: SHA256Hasher(), options: ScanOptions(blockSize: blockSize), control: ScanControl()) {
        case .hashed(let d, let st, _): return .success((d, st.size))
        case .changed: return .failure(WatchpostError(.io, "\(path) changed while it was being hashed", hint: "wait until copying has finished"))
        case .failed(let why): return .failure(WatchpostError(.io, "cannot read \(path): \(why)"))
        case .stopped: return .failure(WatchpostError(.io, "stopped"))
        }
    }
}

/// Whether a media folder is there to judge (blocking: a share can hang — call inside
/// runBlocking). The same test the content check makes of its scan: a folder that is missing,
/// not a folder, cannot be listed or is empty (the mount point of an unmounted share) is
/// unavailable.
public enum MediaFolderCheck {
    /// Why the folder is unavailable; nil when it holds something.
    public static func unavailable(_ folder: String) -> String? {
        let bytes = Array(folder.utf8)
        do {
            guard try FileSystem.status(folder).kind == .directory else { return "\(folder) is not a folder" }
            if try FileSystem.directoryEntryNames(bytes).isEmpty { return "the media folder \(folder) is empty (not mounted?)" }
            return nil
        } catch {
            return "\(folder): \(error.reason)"
        }
    }
}

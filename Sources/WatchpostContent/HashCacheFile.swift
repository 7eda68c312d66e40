// The scanner's hash cache on disk, so that a restart does not re-read every file: one text file
// per content check next to the database (`content-<site>-<check>.state`), written atomically.
//
//   watchpost-content-state 1
//   full-rehash <milliseconds since the epoch of the last completed full re-hash, or ->
//   <device> <inode> <size> <mtime ns> <hashed at ms> <sha256> <path>
import WatchpostCore
import Posix

public struct ContentState: Sendable, Hashable {
    public var cache: [String: HashCacheEntry] = [:]
    public var lastFullRehash: Instant? = nil

    public init(cache: [String: HashCacheEntry] = [:], lastFullRehash: Instant? = nil) {
        self.cache = cache
        self.lastFullRehash = lastFullRehash
    }

    static let magic = "watchpost-content-state 1"

    public func render() -> String {
        var lines = [Self.magic, "full-rehash \(lastFullRehash.map { String($0.milliseconds) } ?? "-")"]
        for (path, e) in cache.sorted(by: { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }) {
            lines.append("\(e.device) \(e.inode) \(e.size) \(e.modifiedNanoseconds) \(e.hashedAt.milliseconds) \(e.sha256) \(path)")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Parses a state file. A damaged file is not an error worth stopping for: the lines that
    /// cannot be read are dropped and those files are simply hashed again.
    public static func parse(_ text: String) -> ContentState {
        var state = ContentState()
        let lines = text.split(separator: "\n")
        guard lines.first == Substring(magic) else { return state }
        for line in lines.dropFirst() {
            if line.hasPrefix("full-rehash ") {
                state.lastFullRehash = Int64(line.dropFirst(12)).map { Instant(milliseconds: $0) }
                continue
            }
            let p = line.split(separator: " ", maxSplits: 6, omittingEmptySubsequences: false)
            guard p.count == 7, let dev = UInt64(p[0]), let ino = UInt64(p[1]), let size = Int64(p[2]), let mt = Int64(p[3]),
                  let at = Int64(p[4]), p[5].utf8.count == 64 else { continue }
            state.cache[String(p[6])] = HashCacheEntry(device: dev, inode: ino, size: size, modifiedNanoseconds: mt,
                                                       sha256: String(p[5]), hashedAt: Instant(milliseconds: at))
        }
        return state
    }

    public static func load(_ path: String) -> ContentState {
        guard let text = try? FileSystem.readText(path) else { return ContentState() }
        return parse(text)
    }

    public func save(_ path: String) throws(SystemError) {
        try FileSystem.writeAtomically(path, render(), mode: 0o600)
    }
}

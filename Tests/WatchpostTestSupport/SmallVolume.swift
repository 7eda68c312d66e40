// A small tmpfs volume for disk-full tests (issue #19): mounted fresh, filled to a chosen level by
// a writer of its own, unmounted at the end. Needs root, as CI runs; without it the test fails
// saying so (never skips).
import Posix
import SQLite
import Glibc

public struct SmallVolume: Sendable {
    /// Where it is mounted.
    public let path: String

    /// Mounts a fresh tmpfs of `size` (mount's syntax: "2m") on a new temporary folder; `mount`
    /// runs on a thread of its own (runProgram), not on a cooperative thread.
    public init(size: String) async throws {
        guard getuid() == 0 else { throw MissingRequirement("mounting a \(size) tmpfs needs root (CI runs as root)") }
        path = try makeTemporaryFolder("watchpost-small-volume")
        let mount = try await runProgram("/bin/mount", arguments: ["-t", "tmpfs", "-o", "size=\(size)", "tmpfs", path], timeout: .seconds(60))
        guard mount.exitCode == 0 else { throw MissingRequirement("mount -t tmpfs \(path): \(mount.output)") }
    }

    public var free: Int64 { (try? FileSystem.space(at: path).free) ?? 0 }
    public var total: Int64 { (try? FileSystem.space(at: path).total) ?? 0 }

    /// Appends to `file` until at most `keep` bytes are free (0: to the last block). Each write
    /// is at most the room above `keep`, so a level is not overshot by a whole chunk.
    public func fill(_ file: String, leaving keep: Int64 = 0) {
        let fd = open(file, O_WRONLY | O_CREAT | O_APPEND, 0o600)
        guard fd >= 0 else { return }
        defer { close(fd) }
        let chunk = [UInt8](repeating: 0x55, count: 65_536)
        while free > keep {
            let count = Int(min(Int64(chunk.count), max(free - keep, 512)))
            if chunk.withUnsafeBytes({ write(fd, $0.baseAddress, count) }) <= 0 { break }
        }
    }

    /// Makes the volume full for the next commit of `database` (a WAL database on this volume):
    /// cuts its WAL to nothing with a checkpoint from a connection of its own, then appends to
    /// `filler` up to the last block. Since the store checkpoints after every commit on a small
    /// volume (#19 s9), a checkpointed WAL keeps its blocks, and a commit that fits into them
    /// needs no new block — it would succeed on a volume only filled (CommitBackoffTests, red in
    /// every run of 388f849). Synchronous, so an SMTP double may call it as it accepts. Returns
    /// the WAL's size after the cut (0 unless a reader held it), for the caller to check.
    @discardableResult
    public func fillCuttingWAL(of database: String, filler: String) -> Int64 {
        if let connection = try? SQLiteConnection(path: database) { try? connection.execute("PRAGMA wal_checkpoint(TRUNCATE)") }
        fill(filler)
        return FileSystem.size(of: database + "-wal") ?? 0
    }

    /// Detaches the volume (umount2 MNT_DETACH, as `umount -l`) and removes its folder: system
    /// calls only, for `defer`, which cannot suspend and must not wait on a child.
    public func unmount() {
        _ = umount2(path, Int32(MNT_DETACH))
        rmdir(path)
    }
}

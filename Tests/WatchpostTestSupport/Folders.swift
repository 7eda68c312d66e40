// Temporary folders and database paths for tests (unique without clocks or counters) and their removal.
import Posix
import Glibc

/// A fresh, empty folder /tmp/<prefix>-XXXXXX (mode 0700 until the caller changes it).
public func makeTemporaryFolder(_ prefix: String) throws -> String {
    var template = Array("/tmp/\(prefix)-XXXXXX".utf8CString)
    let made: String? = template.withUnsafeMutableBufferPointer { buffer in
        guard let base = buffer.baseAddress, mkdtemp(base) != nil else { return nil }
        return String(cString: base)
    }
    guard let made else { throw MissingRequirement("cannot create a temporary folder under /tmp: \(String(cString: strerror(errno)))") }
    return made
}

/// Removes a folder tree (best effort: a test's clean-up must not hide its result). System calls
/// only (FileSystem.removeTree: unlink, rmdir), no `rm` child to wait for: it is called from
/// `defer` on Swift's cooperative threads, which must not block.
public func removeTree(_ path: String) {
    guard path.count > 5, path.hasPrefix("/") else { return }
    FileSystem.removeTree(path)
}

/// A path for a fresh SQLite database under /tmp (random name, nothing created yet); remove it
/// with `removeDatabase`, which also takes the WAL and shared-memory files SQLite adds.
public func temporaryDatabase(_ prefix: String = "watchpost-test") -> String {
    "/tmp/\(prefix)-\(getpid())-\(UInt64.random(in: 0..<UInt64.max)).db"
}

/// Removes a database made by `temporaryDatabase` with its -wal and -shm companions.
public func removeDatabase(_ path: String) { for suffix in ["", "-wal", "-shm"] { unlink(path + suffix) } }

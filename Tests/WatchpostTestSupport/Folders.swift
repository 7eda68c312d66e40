// Temporary folders for tests (mkdtemp: unique without clocks or counters) and their removal.
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

/// Removes a folder tree (best effort: a test's clean-up must not hide its result).
public func removeTree(_ path: String) {
    guard path.count > 5, path.hasPrefix("/") else { return }
    _ = try? Subprocess.run("/bin/rm", arguments: ["-rf", path], timeout: .seconds(30))
}

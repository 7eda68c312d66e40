// Where the running program's file is, to find the helper programs installed beside it
// (`watchpost-pdf` next to `watchpost`, in /usr/local/bin or in .build/debug).
import Glibc

extension CurrentProcess {
    /// The folder holding the running executable (readlink of /proc/self/exe); nil if unreadable.
    public static func executableDirectory() -> String? {
        guard let target = try? FileSystem.linkTarget(Array("/proc/self/exe".utf8)) else { return nil }
        let path = String(decoding: target, as: UTF8.self)
        guard let slash = path.lastIndex(of: "/") else { return nil }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }
}

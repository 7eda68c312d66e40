// The file-system calls the content-integrity probe needs: lstat/fstat with inode, device and
// nanosecond times, directory listing with raw (byte) names, open for streaming reads without
// following symlinks or blocking on FIFOs, posix_fadvise, realpath — plus the few calls tests use
// to stage tampering (utimensat, chmod, mkfifo, symlink). Paths are taken as bytes where a file
// name need not be UTF-8 (a media share can hold any bytes).
import Glibc

/// What `lstat`/`fstat` says about a file.
public struct FileStatus: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable {
        case regular, directory, symlink, fifo, socket, characterDevice = "character device", blockDevice = "block device", other
    }

    public var kind: Kind
    public var device: UInt64
    public var inode: UInt64
    public var size: Int64
    public var modifiedNanoseconds: Int64
    public var changedNanoseconds: Int64
    /// Permission bits (e.g. 0o644).
    public var permissions: UInt32

    init(_ st: stat) {
        switch st.st_mode & S_IFMT {
        case S_IFREG: kind = .regular
        case S_IFDIR: kind = .directory
        case S_IFLNK: kind = .symlink
        case S_IFIFO: kind = .fifo
        case S_IFSOCK: kind = .socket
        case S_IFCHR: kind = .characterDevice
        case S_IFBLK: kind = .blockDevice
        default: kind = .other
        }
        device = UInt64(st.st_dev)
        inode = UInt64(st.st_ino)
        size = Int64(st.st_size)
        modifiedNanoseconds = Int64(st.st_mtim.tv_sec) * 1_000_000_000 + Int64(st.st_mtim.tv_nsec)
        changedNanoseconds = Int64(st.st_ctim.tv_sec) * 1_000_000_000 + Int64(st.st_ctim.tv_nsec)
        permissions = UInt32(st.st_mode) & 0o7777
    }
}

/// A path as the bytes the kernel sees (no terminating NUL).
public typealias PathBytes = [UInt8]

@inline(__always) func withCPath<T>(_ path: PathBytes, _ body: (UnsafePointer<CChar>) -> T) -> T {
    (path + [0]).withUnsafeBufferPointer { $0.withMemoryRebound(to: CChar.self) { body($0.baseAddress!) } }
}

@inline(__always) func describe(_ path: PathBytes) -> String { String(decoding: path, as: UTF8.self) }

extension FileSystem {
    /// `lstat`: the entry itself (a symlink is reported as a symlink).
    public static func linkStatus(_ path: PathBytes) throws(SystemError) -> FileStatus {
        var st = stat()
        guard withCPath(path, { lstat($0, &st) }) == 0 else { throw SystemError(call: "lstat \(describe(path))", errno: Glibc.errno) }
        return FileStatus(st)
    }

    public static func linkStatus(_ path: String) throws(SystemError) -> FileStatus { try linkStatus(Array(path.utf8)) }

    /// `stat`: follows symlinks.
    public static func status(_ path: String) throws(SystemError) -> FileStatus {
        var st = stat()
        guard stat(path, &st) == 0 else { throw SystemError(call: "stat \(path)", errno: Glibc.errno) }
        return FileStatus(st)
    }

    /// The names in a directory as raw bytes (without "." and ".."), sorted bytewise.
    public static func directoryEntryNames(_ path: PathBytes) throws(SystemError) -> [PathBytes] {
        guard let dir = withCPath(path, { opendir($0) }) else { throw SystemError(call: "opendir \(describe(path))", errno: Glibc.errno) }
        defer { closedir(dir) }
        var names: [PathBytes] = []
        while true {
            Glibc.errno = 0
            guard let entry = readdir(dir) else {
                if Glibc.errno != 0 { throw SystemError(call: "readdir \(describe(path))", errno: Glibc.errno) }
                break
            }
            let name: PathBytes = withUnsafeBytes(of: entry.pointee.d_name) { raw in Array(raw.prefix { $0 != 0 }) }
            if name != [46] && name != [46, 46] { names.append(name) }
        }
        return names.sorted { $0.lexicographicallyPrecedes($1) }
    }

    /// `realpath`: the absolute path with every symlink resolved.
    public static func resolvedPath(_ path: PathBytes) throws(SystemError) -> PathBytes {
        guard let p = withCPath(path, { realpath($0, nil) }) else { throw SystemError(call: "realpath \(describe(path))", errno: Glibc.errno) }
        defer { free(p) }
        return Array(UnsafeRawBufferPointer(start: p, count: strlen(p)))
    }

    /// The target a symlink names (not resolved).
    public static func linkTarget(_ path: PathBytes) throws(SystemError) -> PathBytes {
        var buf = [UInt8](repeating: 0, count: Int(PATH_MAX) + 1)
        let n = withCPath(path) { p in buf.withUnsafeMutableBytes { readlink(p, $0.baseAddress!.assumingMemoryBound(to: CChar.self), $0.count) } }
        guard n >= 0 else { throw SystemError(call: "readlink \(describe(path))", errno: Glibc.errno) }
        return Array(buf[0..<n])
    }

    /// Creates a new file with exactly `mode` (the umask does not apply) and refuses to replace an
    /// existing one (O_EXCL): a private key must never silently overwrite another.
    public static func createExclusive(_ path: String, _ text: String, mode: UInt32) throws(SystemError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode_t(mode))
        if fd < 0 { throw SystemError(call: "create \(path)", errno: Glibc.errno) }
        defer { close(fd) }
        if fchmod(fd, mode_t(mode)) != 0 { throw SystemError(call: "fchmod \(path)", errno: Glibc.errno) }
        let bytes = Array(text.utf8)
        var off = 0
        while off < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + off, bytes.count - off) }
            if n < 0 { if Glibc.errno == EINTR { continue }; throw SystemError(call: "write \(path)", errno: Glibc.errno) }
            off += n
        }
        if fsync(fd) != 0 { throw SystemError(call: "fsync \(path)", errno: Glibc.errno) }
    }

    /// Sets a file's modification time (nanoseconds since the epoch), leaving its access time.
    public static func setModificationTime(_ path: String, nanoseconds: Int64) throws(SystemError) {
        var times = [timespec(tv_sec: 0, tv_nsec: (1 << 30) - 2 /* UTIME_OMIT, a macro Swift cannot import */),
                     timespec(tv_sec: Int(nanoseconds / 1_000_000_000), tv_nsec: Int(nanoseconds % 1_000_000_000))]
        guard utimensat(AT_FDCWD, path, &times, AT_SYMLINK_NOFOLLOW) == 0 else { throw SystemError(call: "utimensat \(path)", errno: Glibc.errno) }
    }

    public static func setPermissions(_ path: String, _ mode: UInt32) throws(SystemError) {
        guard chmod(path, mode_t(mode)) == 0 else { throw SystemError(call: "chmod \(path)", errno: Glibc.errno) }
    }

    public static func makeFIFO(_ path: String) throws(SystemError) {
        guard mkfifo(path, 0o644) == 0 else { throw SystemError(call: "mkfifo \(path)", errno: Glibc.errno) }
    }

    public static func makeSymlink(_ path: String, pointingTo target: String) throws(SystemError) {
        guard Glibc.symlink(target, path) == 0 else { throw SystemError(call: "symlink \(path)", errno: Glibc.errno) }
    }

    public static func unlinkFile(_ path: String) throws(SystemError) {
        guard unlink(path) == 0 else { throw SystemError(call: "unlink \(path)", errno: Glibc.errno) }
    }

    public static func move(_ from: String, to: String) throws(SystemError) {
        guard Glibc.rename(from, to) == 0 else { throw SystemError(call: "rename \(from)", errno: Glibc.errno) }
    }

    /// Appends bytes to a file (creating it); for tests and tools.
    public static func append(_ path: String, _ bytes: [UInt8]) throws(SystemError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        if fd < 0 { throw SystemError(call: "open \(path)", errno: Glibc.errno) }
        defer { close(fd) }
        var off = 0
        while off < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + off, bytes.count - off) }
            if n < 0 { if Glibc.errno == EINTR { continue }; throw SystemError(call: "write \(path)", errno: Glibc.errno) }
            off += n
        }
    }

    /// Reads a whole (small) file as bytes, refusing files over `limit` bytes so that a hostile
    /// or mistaken path (a 10 GB video named as the manifest) cannot exhaust memory.
    public static func readBytes(_ path: String, limit: Int) throws(SystemError) -> [UInt8] {
        let file = try StreamingFile(Array(path.utf8))
        let st = try file.status()
        guard st.kind == .regular else { throw SystemError(call: "read \(path): not a regular file", errno: EINVAL) }
        guard st.size <= Int64(limit) else { throw SystemError(call: "read \(path): larger than \(limit) bytes", errno: EFBIG) }
        file.adviseSequential()
        var out: [UInt8] = []
        out.reserveCapacity(Int(st.size))
        var buf = [UInt8](repeating: 0, count: 65_536)
        while true {
            let r: Result<Int, SystemError> = buf.withUnsafeMutableBytes { b in Result { () throws(SystemError) -> Int in try file.read(into: b) } }
            let n = try r.get()
            if n == 0 { break }
            out.append(contentsOf: buf[0..<n])
            if out.count > limit { throw SystemError(call: "read \(path): larger than \(limit) bytes", errno: EFBIG) }
        }
        return out
    }

    /// Writes bytes at an offset of an existing file without truncating it (same inode; the size
    /// changes only if the write goes past the end). Tests use it to tamper in place.
    public static func overwrite(_ path: String, at offset: Int64, _ bytes: [UInt8]) throws(SystemError) {
        let fd = open(path, O_WRONLY | O_CLOEXEC)
        if fd < 0 { throw SystemError(call: "open \(path)", errno: Glibc.errno) }
        defer { close(fd) }
        let n = bytes.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, off_t(offset)) }
        if n != bytes.count { throw SystemError(call: "pwrite \(path)", errno: Glibc.errno) }
    }

    /// Sets a file's size (a sparse file when growing); creates the file if needed.
    public static func setSize(_ path: String, _ size: Int64) throws(SystemError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0o644)
        if fd < 0 { throw SystemError(call: "open \(path)", errno: Glibc.errno) }
        defer { close(fd) }
        if ftruncate(fd, off_t(size)) != 0 { throw SystemError(call: "ftruncate \(path)", errno: Glibc.errno) }
    }

    /// Blocks the calling thread (never call it on a shared task thread).
    public static func sleepBlocking(milliseconds: Int) {
        var ts = timespec(tv_sec: milliseconds / 1000, tv_nsec: (milliseconds % 1000) * 1_000_000)
        var left = timespec()
        while nanosleep(&ts, &left) != 0 && Glibc.errno == EINTR { ts = left }
    }

    /// Whether the process runs with root's file privileges (permission bits do not stop it).
    public static var isPrivileged: Bool { geteuid() == 0 }
}

/// A file opened for one streaming read: never follows a final symlink (O_NOFOLLOW), never blocks
/// on a FIFO or device (O_NONBLOCK; the caller checks `status().kind` before reading), does not
/// touch the access time where allowed (O_NOATIME), and tells the kernel the read is sequential.
/// Blocking: use it inside `runBlocking`.
public final class StreamingFile {
    public let fd: Int32
    public let path: PathBytes

    public init(_ path: PathBytes) throws(SystemError) {
        self.path = path
        let flags = O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK
        var fd = withCPath(path) { open($0, flags | 0o1000000 /* O_NOATIME (Linux), not imported */) }
        if fd < 0 && Glibc.errno == EPERM { fd = withCPath(path) { open($0, flags) } }  // O_NOATIME needs ownership
        guard fd >= 0 else { throw SystemError(call: "open \(describe(path))", errno: Glibc.errno) }
        self.fd = fd
    }

    deinit { close(fd) }

    public func status() throws(SystemError) -> FileStatus {
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw SystemError(call: "fstat \(describe(path))", errno: Glibc.errno) }
        return FileStatus(st)
    }

    /// Tells the kernel the file is read front to back (larger read-ahead).
    public func adviseSequential() {
        _ = posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL)
        // The file was opened non-blocking only so that opening a FIFO cannot hang; reads of a
        // regular file are unaffected, but clear the flag anyway.
        let fl = fcntl(fd, F_GETFL)
        if fl >= 0 { _ = fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) }
    }

    /// Reads up to `buffer.count` bytes; 0 at the end of the file.
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(SystemError) -> Int {
        while true {
            let n = Glibc.read(fd, buffer.baseAddress, buffer.count)
            if n >= 0 { return n }
            if Glibc.errno == EINTR { continue }
            throw SystemError(call: "read \(describe(path))", errno: Glibc.errno)
        }
    }
}

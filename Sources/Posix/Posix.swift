// Posix owns every direct system call the product makes (clock, threads, signals, sockets,
// file modes, sd_notify). Like swift-nio's Posix layer, errno is turned into a typed
// `SystemError` in one place, so no other module needs to read errno. It depends on nothing of
// ours: durations are Swift's `Duration`, and the domain's clock and log sink over these calls
// live in WatchpostHost.
import Glibc
import Dispatch
import Synchronization

/// Numbers `FileSystem.writeAtomically`'s temporary files within the process (see there).
private let temporaryFileNumber = Atomic<UInt64>(0)

/// A failed system call: which call, the errno, and the system's words for it.
public struct SystemError: Error, Sendable, Hashable, CustomStringConvertible {
    public let call: String
    public let errno: Int32
    public init(call: String, errno: Int32) { self.call = call; self.errno = errno }
    public var reason: String { String(cString: strerror(errno)) }
    public var description: String { "\(call): \(reason) (errno \(errno))" }

    public static let wouldBlock = EAGAIN
    public static let interrupted = EINTR
    public static let permissionDenied = EPERM
    public static let accessDenied = EACCES
    public static let connectionRefused = ECONNREFUSED
    public static let inProgress = EINPROGRESS
    public static let noEntry = ENOENT
}

/// Runs a call that returns -1 on failure, retrying on EINTR, and throws `SystemError` otherwise.
@discardableResult
public func syscall<T: BinaryInteger>(_ name: String, _ body: () -> T) throws(SystemError) -> T {
    while true {
        let r = body()
        if r != -1 { return r }
        let e = Glibc.errno
        if e == EINTR { continue }
        throw SystemError(call: name, errno: e)
    }
}

/// Wall-clock milliseconds since the Unix epoch (CLOCK_REALTIME).
public func wallClockMilliseconds() -> Int64 {
    var ts = timespec()
    clock_gettime(CLOCK_REALTIME, &ts)
    return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
}

/// Monotonic seconds for measuring durations (not affected by clock steps).
public func monotonicNanoseconds() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
}

/// Writes `text` to standard error with as few `write(2)` calls as it takes (one for a line of
/// ordinary length), so that lines from several threads never interleave.
public func writeToStandardError(_ text: String) {
    var bytes = Array(text.utf8)
    bytes.withUnsafeMutableBytes { buf in
        guard let base = buf.baseAddress else { return }
        var off = 0
        while off < buf.count {
            let n = Glibc.write(2, base + off, buf.count - off)
            if n <= 0 { if Glibc.errno == EINTR { continue }; return }
            off += n
        }
    }
}

extension Duration {
    /// Whole milliseconds (rounded down, at least 0): what poll(2) and the deadlines here take.
    var wholeMilliseconds: Int64 {
        let (s, atto) = components
        if s < 0 { return 0 }
        let (ms, overflow) = s.multipliedReportingOverflow(by: 1000)
        return overflow ? Int64.max : ms &+ atto / 1_000_000_000_000_000
    }
}

/// Runs blocking work (a C call that may wait: curl_easy_perform, a libusb transfer, a termios
/// read, getaddrinfo, PBKDF2) on a thread of the process's bounded `BlockingPool`, so that Swift's
/// shared task threads — only as many as cores, two here — are never held by it.
public func runBlocking<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await BlockingPool.process.run(body)
}

/// Signals delivered as an AsyncStream (service-lifecycle style). The default action of each
/// listed signal is switched off; the stream yields the signal number each time one arrives.
public enum Signals {
    public static let terminate = SIGTERM
    public static let interrupt = SIGINT
    public static let hangup = SIGHUP

    public static func ignoreBrokenPipe() { signal(SIGPIPE, SIG_IGN) }

    public static func stream(_ signals: [Int32]) -> AsyncStream<Int32> {
        AsyncStream { continuation in
            let sources = signals.map { sig -> any DispatchSourceSignal in
                signal(sig, SIG_IGN)
                let s = DispatchSource.makeSignalSource(signal: sig, queue: .global())
                s.setEventHandler { continuation.yield(sig) }
                s.resume()
                return s
            }
            let holder = SignalSourceHolder(sources)
            continuation.onTermination = { _ in holder.cancelAll() }
        }
    }
}

/// Keeps dispatch signal sources alive for as long as their stream is consumed.
private final class SignalSourceHolder: Sendable {
    private let sources: Mutex<[any DispatchSourceSignal]>
    init(_ s: sending [any DispatchSourceSignal]) { sources = Mutex(s) }
    func cancelAll() { sources.withLock { all in all.forEach { $0.cancel() }; all.removeAll() } }
}

public enum FileSystem {
    /// The permission bits of a file (e.g. 0o600), or nil when it does not exist.
    public static func mode(of path: String) throws(SystemError) -> UInt32? {
        var st = stat()
        if stat(path, &st) != 0 {
            if Glibc.errno == ENOENT { return nil }
            throw SystemError(call: "stat \(path)", errno: Glibc.errno)
        }
        return UInt32(st.st_mode) & 0o7777
    }

    public static func owner(of path: String) -> UInt32? {
        var st = stat()
        return stat(path, &st) == 0 ? st.st_uid : nil
    }

    public static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }
    /// The size in bytes of a file (after following links), or nil when it cannot be read.
    public static func size(of path: String) -> Int64? {
        var st = stat()
        return stat(path, &st) == 0 ? Int64(st.st_size) : nil
    }
    /// Free bytes (for this unprivileged process) and total bytes of the filesystem holding `path`.
    public static func space(at path: String) throws(SystemError) -> (free: Int64, total: Int64) {
        var s = statvfs()
        if statvfs(path, &s) != 0 { throw SystemError(call: "statvfs \(path)", errno: Glibc.errno) }
        let unit = Int64(s.f_frsize)
        return (Int64(s.f_bavail) * unit, Int64(s.f_blocks) * unit)
    }

    /// Allocates `bytes` of real disk blocks to a new 0600 file (nothing when it exists).
    public static func preallocate(_ path: String, bytes: Int64) throws(SystemError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        if fd < 0 { if Glibc.errno == EEXIST { return }; throw SystemError(call: "open \(path)", errno: Glibc.errno) }
        defer { close(fd) }
        let rc = posix_fallocate(fd, 0, off_t(bytes))
        if rc != 0 { unlink(path); throw SystemError(call: "posix_fallocate \(path)", errno: rc) }
    }

    /// Writes `bytes` at `offset` of an existing file, in place, and waits for them to reach the
    /// disk (fdatasync). Into blocks `preallocate` gave, it needs no new block: it works on a full disk.
    public static func overwrite(_ path: String, at offset: Int64, bytes: [UInt8]) throws(SystemError) {
        let fd = open(path, O_WRONLY | O_CLOEXEC)
        if fd < 0 { throw SystemError(call: "open \(path)", errno: Glibc.errno) }
        defer { close(fd) }
        let n = bytes.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, off_t(offset)) }
        if n != bytes.count { throw SystemError(call: "pwrite \(path)", errno: n < 0 ? Glibc.errno : EIO) }
        if fdatasync(fd) != 0 { throw SystemError(call: "fdatasync \(path)", errno: Glibc.errno) }
    }

    /// Creates an empty file readable and writable by its owner only (0600), unless it exists.
    public static func createPrivateFile(_ path: String) throws(SystemError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        if fd < 0 { if Glibc.errno == EEXIST { return }; throw SystemError(call: "open \(path)", errno: Glibc.errno) }
        close(fd)
    }

    /// Sets a file's mode to 0600 when it exists and is more open than that.
    public static func restrictToOwner(_ path: String) throws(SystemError) {
        var st = stat()
        guard stat(path, &st) == 0 else { return }
        if UInt32(st.st_mode) & 0o077 != 0, chmod(path, 0o600) != 0 { throw SystemError(call: "chmod \(path)", errno: Glibc.errno) }
    }

    /// A regular file (after following links) that this process may execute.
    public static func isExecutableFile(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG && access(path, X_OK) == 0
    }
    /// A regular file (after following links) that this process may read.
    public static func isReadableFile(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG && access(path, R_OK) == 0
    }

    /// Creates (or replaces) a symbolic link at `path` pointing to `target`.
    public static func symlink(_ target: String, at path: String) throws(SystemError) {
        unlink(path)
        if Glibc.symlink(target, path) != 0 { throw SystemError(call: "symlink \(path)", errno: Glibc.errno) }
    }

    public static func remove(_ path: String) { unlink(path) }
    /// A regular file (after following links).
    public static func isRegularFile(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG
    }
    public static func isDirectory(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }

    /// A directory in which this process may create files (write and search permission, on a
    /// file system mounted read-write: access(2) answers EROFS even for root).
    public static func isWritableDirectory(_ path: String) -> Bool {
        isDirectory(path) && access(path, W_OK | X_OK) == 0
    }

    public static func makeDirectories(_ path: String, mode: UInt32 = 0o750) throws(SystemError) {
        var built = path.hasPrefix("/") ? "" : "."
        for part in path.split(separator: "/") {
            built += "/" + part
            if mkdir(built, mode_t(mode)) != 0 && Glibc.errno != EEXIST {
                throw SystemError(call: "mkdir \(built)", errno: Glibc.errno)
            }
        }
    }

    public static func readText(_ path: String) throws(SystemError) -> String {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 { throw SystemError(call: "open \(path)", errno: Glibc.errno) }
        defer { close(fd) }
        var out: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = buf.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 { if Glibc.errno == EINTR { continue }; throw SystemError(call: "read \(path)", errno: Glibc.errno) }
            if n == 0 { break }
            out.append(contentsOf: buf[0..<n])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// What `readRegularFile` found.
    public enum BoundedRead: Sendable, Equatable {
        case contents([UInt8])
        /// A device, FIFO, directory or socket (`/dev/zero`, a named pipe): never read.
        case notRegularFile
        /// Bigger than the limit; nothing beyond it was read.
        case tooLarge(limit: Int)
    }

    /// Reads a regular file of at most `limit` bytes. The type is checked on the opened descriptor
    /// (fstat), so a path swapped between check and read cannot slip a device in; a FIFO is opened
    /// non-blocking so that opening it cannot hang.
    public static func readRegularFile(_ path: String, limit: Int) throws(SystemError) -> BoundedRead {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        if fd < 0 { throw SystemError(call: "open \(path)", errno: Glibc.errno) }
        defer { close(fd) }
        var st = stat()
        if fstat(fd, &st) != 0 { throw SystemError(call: "fstat \(path)", errno: Glibc.errno) }
        guard (st.st_mode & S_IFMT) == S_IFREG else { return .notRegularFile }
        if st.st_size > limit { return .tooLarge(limit: limit) }
        var out: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = buf.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 { if Glibc.errno == EINTR || Glibc.errno == EAGAIN { continue }; throw SystemError(call: "read \(path)", errno: Glibc.errno) }
            if n == 0 { break }
            out.append(contentsOf: buf[0..<n])
            if out.count > limit { return .tooLarge(limit: limit) }  // grew while being read
        }
        return .contents(out)
    }

    /// Writes a file atomically (temp file, fsync, rename) with the given mode.
    public static func writeAtomically(_ path: String, _ text: String, mode: UInt32 = 0o644) throws(SystemError) {
        // A temporary file of this call's own: named after the process only, two threads writing
        // one path at once shared it, and the second rename found it gone (ENOENT) — the player
        // check and the broadcast log, keeping one manifest in the archive as the daemon started,
        // logged a play without its manifest id (#13 s10, DaemonKillTests at load 5).
        let tmp = path + ".tmp-\(getpid())-\(temporaryFileNumber.add(1, ordering: .relaxed).newValue)"
        let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode_t(mode))
        if fd < 0 { throw SystemError(call: "open \(tmp)", errno: Glibc.errno) }
        let bytes = Array(text.utf8)
        var off = 0
        while off < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + off, bytes.count - off) }
            if n < 0 { if Glibc.errno == EINTR { continue }; let e = Glibc.errno; close(fd); unlink(tmp); throw SystemError(call: "write \(tmp)", errno: e) }
            off += n
        }
        fchmod(fd, mode_t(mode))
        fsync(fd)
        close(fd)
        // A failed call leaves no temporary file behind: with a name per call, each failure on a
        // full disk would leave one more (#13 review s10, D3).
        if Glibc.rename(tmp, path) != 0 { let e = Glibc.errno; unlink(tmp); throw SystemError(call: "rename \(tmp)", errno: e) }
    }

    /// Runs `body` holding an exclusive flock(2) on the folder `path`: any other thread or process
    /// locking the same folder waits until `body` returns (closing the descriptor releases the
    /// lock, also when `body` throws). For a read-compare-write of small files in that folder;
    /// it blocks its thread while it waits, so call it where blocking is allowed (the blocking
    /// pool), never on a cooperative thread.
    public static func withExclusiveLock<T>(onFolder path: String, _ body: () throws(SystemError) -> T) throws(SystemError) -> T {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if fd < 0 { throw SystemError(call: "open \(path)", errno: Glibc.errno) }
        defer { close(fd) }
        try syscall("flock \(path)") { flock(fd, LOCK_EX) }
        return try body()
    }

    /// rename(2): atomically replaces `to` (a file, or an empty directory) with `from`.
    public static func rename(_ from: String, to: String) throws(SystemError) {
        if Glibc.rename(from, to) != 0 { throw SystemError(call: "rename \(from)", errno: Glibc.errno) }
    }

    /// Removes a file or a whole directory tree (symbolic links are removed, never followed).
    public static func removeTree(_ path: String) {
        var st = stat()
        guard lstat(path, &st) == 0 else { return }
        if (st.st_mode & S_IFMT) == S_IFDIR {
            for name in (try? listDirectory(path)) ?? [] { removeTree("\(path)/\(name)") }
            rmdir(path)
        } else {
            unlink(path)
        }
    }

    public static func listDirectory(_ path: String) throws(SystemError) -> [String] {
        guard let dir = opendir(path) else { throw SystemError(call: "opendir \(path)", errno: Glibc.errno) }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafePointer(to: entry.pointee.d_name) { p in
                p.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }
}

public enum CurrentProcess {
    public static var id: Int32 { getpid() }
    /// The real user id (the owner a secrets file must have, besides root).
    public static var userID: UInt32 { getuid() }
    public static func environment(_ name: String) -> String? { getenv(name).map { String(cString: $0) } }
    /// Resident set size in kB from /proc/self/status (VmRSS), for self-monitoring and benchmarks.
    public static func residentKilobytes() -> Int? {
        guard let text = try? FileSystem.readText("/proc/self/status") else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            return line.dropFirst(6).split(separator: " ").first.flatMap { Int($0) }
        }
        return nil
    }
    /// Terminates the process at once with `code` (after output has been written).
    public static func exit(_ code: Int32) -> Never { Glibc.exit(code) }
}

/// systemd's readiness and watchdog protocol, spoken directly on NOTIFY_SOCKET (no libsystemd):
/// a datagram such as `READY=1` or `WATCHDOG=1` to a unix socket path (`@` = abstract namespace).
public struct SystemdNotifier: Sendable {
    public let socketPath: String?

    public init(environmentValue: String? = CurrentProcess.environment("NOTIFY_SOCKET")) {
        socketPath = environmentValue.flatMap { $0.isEmpty ? nil : $0 }
    }

    public var isActive: Bool { socketPath != nil }

    /// The watchdog interval systemd asked for (WATCHDOG_USEC), if any.
    public static func watchdogInterval() -> Duration? {
        guard let v = CurrentProcess.environment("WATCHDOG_USEC"), let us = Int64(v), us > 0 else { return nil }
        return .microseconds(us)
    }

    public func notify(_ message: String) throws(SystemError) {
        guard let path = socketPath else { return }
        let fd = try syscall("socket(AF_UNIX)") { socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0) }
        defer { close(fd) }
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        var pathBytes = Array(path.utf8)
        if pathBytes.first == UInt8(ascii: "@") { pathBytes[0] = 0 }
        guard pathBytes.count < MemoryLayout.size(ofValue: addr.sun_path) else {
            throw SystemError(call: "NOTIFY_SOCKET path too long", errno: ENAMETOOLONG)
        }
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in
            for (i, b) in pathBytes.enumerated() { raw[i] = b }
        }
        let len = socklen_t(MemoryLayout<sa_family_t>.size + pathBytes.count)
        let msg = Array(message.utf8)
        try withUnsafePointer(to: &addr) { p throws(SystemError) in
            try p.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa throws(SystemError) in
                _ = try syscall("sendto(NOTIFY_SOCKET)") { msg.withUnsafeBytes { sendto(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL), sa, len) } }
            }
        }
    }
}

/// A serial executor that runs its jobs on one dedicated thread. Actors that make blocking C
/// calls (the store's sqlite3_step with fsync) use it so that they never hold one of Swift's
/// shared task threads.
///
/// The thread holds the executor until `shutdown()`: an owner (an actor) calls it from its
/// `deinit`, or every owner made at a reload left a thread behind for good (3 per SIGHUP, found by
/// the #21 review).
///
/// `@unchecked Sendable` is safe here: the only mutable state, `jobs` and `finished`, is read and
/// written only while `lock` is held, and the thread itself is started once in `init` and never
/// touched again.
public final class DedicatedThreadExecutor: SerialExecutor, @unchecked Sendable {
    private var jobs: [UnownedJob] = []
    private var finished = false
    private var lock = pthread_mutex_t()
    private var wake = pthread_cond_t()
    public let name: String

    public init(name: String) {
        self.name = name
        pthread_mutex_init(&lock, nil)
        pthread_cond_init(&wake, nil)
        let box = Unmanaged.passRetained(self).toOpaque()
        var tid = pthread_t()
        var attr = pthread_attr_t()
        pthread_attr_init(&attr)
        pthread_attr_setdetachstate(&attr, Int32(PTHREAD_CREATE_DETACHED))
        pthread_create(&tid, &attr, { raw in
            let me = Unmanaged<DedicatedThreadExecutor>.fromOpaque(raw!).takeRetainedValue()
            // Named after its owner ("store", "smtp", "imap"…) so that `ps -L`, gdb and the
            // reload test can tell it from libdispatch's workers (Linux keeps 15 bytes).
            // (pthread_setname_np is not visible to Swift here; /proc/thread-self/comm is the same.)
            let comm = open("/proc/thread-self/comm", O_WRONLY)
            if comm >= 0 {
                let bytes = Array(me.name.utf8.prefix(15))
                _ = bytes.withUnsafeBytes { write(comm, $0.baseAddress, $0.count) }
                close(comm)
            }
            me.loop()
            return nil
        }, box)
        pthread_attr_destroy(&attr)
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let unowned = UnownedJob(job)
        pthread_mutex_lock(&lock)
        jobs.append(unowned)
        pthread_cond_signal(&wake)
        pthread_mutex_unlock(&lock)
    }

    public func asUnownedSerialExecutor() -> UnownedSerialExecutor { UnownedSerialExecutor(ordinary: self) }

    /// Ends the thread once the jobs queued so far have run. Call it when nothing will be
    /// enqueued any more (the owning actor's `deinit`).
    public func shutdown() {
        pthread_mutex_lock(&lock)
        finished = true
        pthread_cond_signal(&wake)
        pthread_mutex_unlock(&lock)
    }

    private func loop() {
        while true {
            pthread_mutex_lock(&lock)
            while jobs.isEmpty && !finished { pthread_cond_wait(&wake, &lock) }
            if jobs.isEmpty {  // finished, and nothing left to run
                pthread_mutex_unlock(&lock)
                return
            }
            let batch = jobs
            jobs.removeAll(keepingCapacity: true)
            pthread_mutex_unlock(&lock)
            for job in batch { job.runSynchronously(on: asUnownedSerialExecutor()) }
        }
    }
}

/// Runs a program with arguments, capturing its standard output and error (at most `maxOutput`
/// bytes), killing it when `timeout` passes. Blocking: call through `runBlocking`.
public enum Subprocess {
    public struct Outcome: Sendable {
        public var exitCode: Int32?
        public var signal: Int32?
        public var output: String
        public var timedOut: Bool
    }

    /// The process groups of the children running now (each child leads its own): registered
    /// between spawn and reaping, so a group id here can never be another process's.
    private static let running = Mutex<Set<pid_t>>([])

    /// Kills (SIGKILL) the process group of every child still running, and returns how many.
    /// The daemon calls it once its services have stopped: a child leads a group of its own, so a
    /// terminal's SIGTERM or Ctrl-C never reaches a plugin still running, which was left behind
    /// by a hand-started daemon (#19 review s6; under systemd the unit's cgroup was cleaned).
    @discardableResult
    public static func killRunningGroups() -> Int {
        running.withLock { groups in
            for g in groups { kill(-g, SIGKILL) }
            return groups.count
        }
    }

    /// `environment`: the child's whole environment as `NAME=value` entries (nil: this process's).
    /// The child leads a process group of its own; on timeout the whole group is killed, so a
    /// plugin's own children do not outlive it (a program that exits normally may leave a
    /// server it started on purpose running: only a timeout, or the daemon stopping, kills the group).
    public static func run(_ path: String, arguments: [String], timeout: Duration, maxOutput: Int = 64 * 1024,
                           environment: [String]? = nil) throws(SystemError) -> Outcome {
        var fds: [Int32] = [0, 0]
        try syscall("pipe") { pipe(&fds) }
        _ = fcntl(fds[0], F_SETFD, FD_CLOEXEC)
        _ = fcntl(fds[1], F_SETFD, FD_CLOEXEC)
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, fds[1], 1)
        posix_spawn_file_actions_adddup2(&actions, fds[1], 2)
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        // The daemon ignores SIGTERM, SIGHUP and SIGPIPE (it takes them through its signal
        // stream) and ignored dispositions survive exec: reset them, and the signal mask, so a
        // plugin or responder command can be stopped like any other program.
        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for sig in [SIGTERM, SIGINT, SIGHUP, SIGPIPE, SIGQUIT, SIGUSR1, SIGUSR2, SIGCHLD, SIGALRM] { sigaddset(&defaults, sig) }
        posix_spawnattr_setsigdefault(&attr, &defaults)
        var noMask = sigset_t()
        sigemptyset(&noMask)
        posix_spawnattr_setsigmask(&attr, &noMask)
        posix_spawnattr_setpgroup(&attr, 0)
        posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETPGROUP))
        var pid: pid_t = 0
        let envp: [UnsafeMutablePointer<CChar>?]? = environment.map { $0.map { strdup($0) } + [nil] }
        defer { envp?.forEach { free($0) } }
        let rc: Int32
        if let envp { rc = posix_spawn(&pid, path, &actions, &attr, argv, envp) } else { rc = posix_spawn(&pid, path, &actions, &attr, argv, environ) }
        close(fds[1])
        if rc != 0 { close(fds[0]); throw SystemError(call: "posix_spawn \(path)", errno: rc) }
        running.withLock { _ = $0.insert(pid) }
        defer { close(fds[0]) }
        let deadline = monotonicNanoseconds() + UInt64(timeout.wholeMilliseconds) * 1_000_000
        var out: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 4096)
        var timedOut = false
        while true {
            let now = monotonicNanoseconds()
            if now >= deadline { timedOut = true; break }
            var pfd = pollfd(fd: fds[0], events: Int16(POLLIN), revents: 0)
            let left = Int32(min(1000, (deadline - now) / 1_000_000 + 1))
            let n = poll(&pfd, 1, left)
            if n < 0 { if Glibc.errno == EINTR { continue }; break }
            if n == 0 { continue }
            let got = buf.withUnsafeMutableBytes { Glibc.read(fds[0], $0.baseAddress, $0.count) }
            if got < 0 { if Glibc.errno == EINTR { continue }; break }
            if got == 0 { break }
            if out.count < maxOutput { out.append(contentsOf: buf[0..<min(got, maxOutput - out.count)]) }
        }
        if timedOut { kill(-pid, SIGKILL) }
        // Waited for without reaping first: until the child is reaped its pid (and group id) is
        // not reused, so it leaves the registry before it can name anyone else's group.
        var info = siginfo_t()
        while waitid(P_PID, id_t(pid), &info, WEXITED | WNOWAIT) < 0 && Glibc.errno == EINTR {}
        running.withLock { _ = $0.remove(pid) }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && Glibc.errno == EINTR {}
        let exited = (status & 0x7f) == 0
        return Outcome(exitCode: exited ? (status >> 8) & 0xff : nil, signal: exited ? nil : status & 0x7f,
                       output: String(decoding: out, as: UTF8.self), timedOut: timedOut)
    }
}

/// glibc's allocator knobs the daemon uses to keep its resident memory bounded under load.
public enum Allocator {
    /// Caps the number of malloc arenas (M_ARENA_MAX). glibc gives each thread that contends on
    /// malloc an arena of its own, up to 8 per core; each arena keeps the memory it once held.
    public static func limitArenas(_ count: Int) {
        _ = glibc_mallopt(-8 /* M_ARENA_MAX in <malloc.h> */, Int32(clamping: count))
    }

    /// Returns the free pages of every arena to the kernel (malloc_trim(0)); true if any were.
    @discardableResult
    public static func releaseFreeMemory() -> Bool { glibc_malloc_trim(0) != 0 }
}

// <malloc.h> is not part of the Glibc module map: the two functions, declared by their C names.
@_silgen_name("mallopt") private func glibc_mallopt(_ param: Int32, _ value: Int32) -> Int32
@_silgen_name("malloc_trim") private func glibc_malloc_trim(_ pad: Int) -> Int32

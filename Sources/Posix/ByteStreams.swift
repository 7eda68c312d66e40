// Posix/ByteStreams owns the system calls behind byte-stream devices: TCP client and listener
// sockets, serial ports (termios, including non-standard rates through termios2), pseudo-terminal
// pairs, Unix-domain control sockets and UDP datagrams. Everything is blocking with a poll(2)
// deadline: callers run it on a dedicated thread (`runBlocking`, `DedicatedThreadExecutor`).
import Glibc

/// A monotonic deadline in nanoseconds (`monotonicNanoseconds()`), for poll(2) timeouts.
public struct MonotonicDeadline: Sendable, Hashable, Comparable {
    public var nanoseconds: UInt64
    public init(nanoseconds: UInt64) { self.nanoseconds = nanoseconds }
    public static func after(milliseconds ms: Int64) -> MonotonicDeadline {
        MonotonicDeadline(nanoseconds: monotonicNanoseconds() &+ UInt64(max(0, ms)) * 1_000_000)
    }
    public static func < (a: MonotonicDeadline, b: MonotonicDeadline) -> Bool { a.nanoseconds < b.nanoseconds }
    /// Milliseconds left, 0 when passed (rounded up so that a poll never spins on 0).
    public var remainingMilliseconds: Int32 {
        let now = monotonicNanoseconds()
        if now >= nanoseconds { return 0 }
        return Int32(min(UInt64(Int32.max), (nanoseconds - now + 999_999) / 1_000_000))
    }
    public var hasPassed: Bool { monotonicNanoseconds() >= nanoseconds }
}

/// Why a byte-stream operation did not complete.
public enum StreamFailure: Error, Sendable, Hashable, CustomStringConvertible {
    /// The deadline passed first.
    case timedOut(String)
    /// The peer closed the connection (read returned 0, or the pty's other side went away).
    case closed
    case system(SystemError)
    case resolve(String)

    public var description: String {
        switch self {
        case .timedOut(let what): return "timed out \(what)"
        case .closed: return "connection closed by the peer"
        case .system(let e): return e.description
        case .resolve(let m): return m
        }
    }
}

/// An open file descriptor for a stream (socket, serial port, pty master). Not Sendable: owned
/// by one thread or actor at a time; `close()` is idempotent.
public final class StreamDescriptor {
    public private(set) var fd: Int32
    /// Takes ownership of `fd` and makes it non-blocking: every wait is a poll(2) with a deadline.
    public init(fd: Int32) {
        self.fd = fd
        if fd >= 0 { setNonBlocking(fd) }
    }
    deinit { if fd >= 0 { Glibc.close(fd) } }

    public var isOpen: Bool { fd >= 0 }
    public func close() { if fd >= 0 { Glibc.close(fd); fd = -1 } }
    /// Gives up ownership: the caller now closes the returned descriptor number (to hand a
    /// connection to another thread, which wraps it in a descriptor of its own).
    public func release() -> Int32 { let f = fd; fd = -1; return f }

    /// Waits until readable, then reads what is there (at most `max` bytes).
    public func readSome(max: Int = 4096, deadline: MonotonicDeadline) throws(StreamFailure) -> [UInt8] {
        guard fd >= 0 else { throw .closed }
        while true {
            var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let n = poll(&pfd, 1, deadline.remainingMilliseconds)
            if n < 0 {
                if errno == EINTR { continue }
                throw .system(SystemError(call: "poll", errno: errno))
            }
            if n == 0 { throw .timedOut("waiting for data") }
            var failure: Int32 = 0
            let buf = [UInt8](unsafeUninitializedCapacity: max) { raw, count in
                let got = Glibc.read(fd, raw.baseAddress, max)
                if got < 0 { failure = errno; count = 0 } else { count = got }
            }
            if failure != 0 {
                if failure == EINTR || failure == EAGAIN { continue }
                // A pty master reads EIO once the last slave descriptor is closed.
                if failure == EIO || failure == ECONNRESET { throw .closed }
                throw .system(SystemError(call: "read", errno: failure))
            }
            if buf.isEmpty { throw .closed }
            return buf
        }
    }

    /// Writes every byte or throws; waits for writability (up to the deadline) only when the
    /// kernel's buffer is full — a request/response client saves a poll(2) per request.
    public func writeAll(_ bytes: [UInt8], deadline: MonotonicDeadline) throws(StreamFailure) {
        guard fd >= 0 else { throw .closed }
        var off = 0
        while off < bytes.count {
            let w = bytes.withUnsafeBytes { raw -> Int in
                isSocket ? send(fd, raw.baseAddress! + off, raw.count - off, Int32(MSG_NOSIGNAL | MSG_DONTWAIT)) : Glibc.write(fd, raw.baseAddress! + off, raw.count - off)
            }
            if w >= 0 { off += w; continue }
            let e = errno
            if e == EINTR { continue }
            if e == EPIPE || e == ECONNRESET || e == EIO { throw .closed }
            guard e == EAGAIN else { throw .system(SystemError(call: "write", errno: e)) }
            var pfd = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
            let n = poll(&pfd, 1, deadline.remainingMilliseconds)
            if n < 0 {
                if errno == EINTR { continue }
                throw .system(SystemError(call: "poll", errno: errno))
            }
            if n == 0 { throw .timedOut("sending") }
        }
    }

    private lazy var isSocket: Bool = {
        var st = stat()
        return fstat(fd, &st) == 0 && (st.st_mode & S_IFMT) == S_IFSOCK
    }()

    /// Drops whatever the kernel holds unread and unsent (serial ports after garbage or a stall).
    public func flushTerminal() { if fd >= 0 { tcflush(fd, TCIOFLUSH) } }
}

private func setNonBlocking(_ fd: Int32) {
    let flags = fcntl(fd, F_GETFL)
    _ = fcntl(fd, F_SETFL, flags | O_NONBLOCK)
}

private func withSockaddr<R>(_ storage: inout sockaddr_storage, _ body: (UnsafeMutablePointer<sockaddr>) -> R) -> R {
    withUnsafeMutablePointer(to: &storage) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1, body) }
}

/// `host` (name or numeric address) and `port` as socket addresses, through the process's one
/// name lookup (`NameResolver`, time-limited: a name that does not resolve within 5 s fails).
private func resolve(_ host: String, _ port: Int, deadline: MonotonicDeadline = .after(milliseconds: 5000)) throws(StreamFailure) -> [(family: Int32, addr: sockaddr_storage, len: socklen_t)] {
    guard let p = UInt16(exactly: port) else { throw .resolve("port \(port) of \(host) is outside 0…65535") }
    switch NameResolver.resolve(host, deadline: deadline) {
    case .failure(let e): throw .resolve(e.description)
    case .success(let addresses):
        return addresses.map { a in
            var ss = sockaddr_storage()
            let len = a.withSockaddr(port: p) { sa, len in
                withUnsafeMutableBytes(of: &ss) { $0.copyMemory(from: UnsafeRawBufferPointer(start: sa, count: Int(len))) }
                return len
            }
            return (family: a.isIPv6 ? AF_INET6 : AF_INET, addr: ss, len: len)
        }
    }
}

public enum TCPSocket {
    /// Connects to host:port before the deadline: the name through the one lookup, the connect
    /// through the one connector (`TCPConnector.connectFirst`: non-blocking connect + poll,
    /// TCP_NODELAY).
    public static func connect(host: String, port: Int, deadline: MonotonicDeadline) throws(StreamFailure) -> StreamDescriptor {
        guard let p = UInt16(exactly: port) else { throw .resolve("port \(port) of \(host) is outside 0…65535") }
        let addresses: [IPAddress]
        switch NameResolver.resolve(host, deadline: deadline) {
        case .failure(let e): throw .resolve(e.description)
        case .success(let a): addresses = a
        }
        switch TCPConnector.connectFirst(addresses, port: p, deadline: deadline) {
        case .success(let fd): return StreamDescriptor(fd: fd)
        case .failure(.timedOut): throw .timedOut("connecting to \(host):\(port)")
        case .failure(.noAddress): throw .resolve("no address for \(host)")
        case .failure(.system(let e)): throw .system(e)
        }
    }
}

/// A listening TCP socket (simulators). `accept` waits at most until the deadline.
public final class TCPListener {
    public let descriptor: StreamDescriptor
    public let port: Int

    public init(host: String, port: Int) throws(StreamFailure) {
        guard var a = try resolve(host, port).first else { throw .resolve("no address for \(host)") }
        let fd = socket(a.family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        if fd < 0 { throw .system(SystemError(call: "socket", errno: errno)) }
        descriptor = StreamDescriptor(fd: fd)
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        if withSockaddr(&a.addr, { bind(fd, $0, a.len) }) != 0 { throw .system(SystemError(call: "bind \(host):\(port)", errno: errno)) }
        if listen(fd, 16) != 0 { throw .system(SystemError(call: "listen", errno: errno)) }
        var ss = sockaddr_storage()
        var len = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = withSockaddr(&ss) { getsockname(fd, $0, &len) }
        // sin_port and sin6_port share offset 2.
        let raw = withUnsafeBytes(of: &ss) { $0.load(fromByteOffset: 2, as: UInt16.self) }
        self.port = Int(UInt16(bigEndian: raw))
    }

    /// The next connection, or nil when the deadline passed first.
    public func accept(deadline: MonotonicDeadline) throws(StreamFailure) -> StreamDescriptor? {
        var pfd = pollfd(fd: descriptor.fd, events: Int16(POLLIN), revents: 0)
        let n = poll(&pfd, 1, deadline.remainingMilliseconds)
        if n < 0 { if errno == EINTR { return nil }; throw .system(SystemError(call: "poll", errno: errno)) }
        if n == 0 { return nil }
        let c = Glibc.accept(descriptor.fd, nil, nil)
        if c < 0 { if errno == EINTR || errno == EAGAIN || errno == ECONNABORTED { return nil }; throw .system(SystemError(call: "accept", errno: errno)) }
        _ = fcntl(c, F_SETFD, FD_CLOEXEC)
        var one: Int32 = 1
        setsockopt(c, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        return StreamDescriptor(fd: c)
    }
}

/// Serial ports: raw 8N1, no flow control, at any rate (standard rates through cfsetspeed,
/// others — e.g. NovaStar's 1,048,576 baud — through Linux termios2 with BOTHER).
public enum SerialPort {
    public static let standardRates: [Int: speed_t] = [
        1200: speed_t(B1200), 2400: speed_t(B2400), 4800: speed_t(B4800), 9600: speed_t(B9600), 19_200: speed_t(B19200),
        38_400: speed_t(B38400), 57_600: speed_t(B57600), 115_200: speed_t(B115200), 230_400: speed_t(B230400),
        460_800: speed_t(B460800), 500_000: speed_t(B500000), 921_600: speed_t(B921600), 1_000_000: speed_t(B1000000),
        2_000_000: speed_t(B2000000),
    ]

    public static func open(path: String, baud: Int) throws(StreamFailure) -> StreamDescriptor {
        let fd = Glibc.open(path, O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK)
        if fd < 0 { throw .system(SystemError(call: "open \(path)", errno: errno)) }
        let d = StreamDescriptor(fd: fd)
        try makeRaw(fd: fd, baud: baud, path: path)
        tcflush(fd, TCIOFLUSH)
        return d
    }

    /// Raw mode, 8 data bits, no parity, 1 stop bit, receiver on, modem lines ignored.
    public static func makeRaw(fd: Int32, baud: Int?, path: String) throws(StreamFailure) {
        var t = termios()
        if tcgetattr(fd, &t) != 0 { throw .system(SystemError(call: "tcgetattr \(path)", errno: errno)) }
        cfmakeraw(&t)
        t.c_cflag &= ~(tcflag_t(PARENB | CSTOPB | CSIZE) | tcflag_t(CRTSCTS))
        t.c_cflag |= tcflag_t(CS8 | CREAD | CLOCAL)
        t.c_iflag &= ~tcflag_t(IXON | IXOFF | IXANY)
        if let baud, let speed = standardRates[baud] { cfsetspeed(&t, speed) }
        if tcsetattr(fd, TCSANOW, &t) != 0 { throw .system(SystemError(call: "tcsetattr \(path)", errno: errno)) }
        if let baud, standardRates[baud] == nil { try setCustomRate(fd: fd, baud: baud, path: path) }
    }

    /// Linux `struct termios2` (asm-generic/termbits.h), which glibc does not export.
    private struct Termios2 {
        var c_iflag: UInt32 = 0, c_oflag: UInt32 = 0, c_cflag: UInt32 = 0, c_lflag: UInt32 = 0
        var c_line: UInt8 = 0
        var c_cc: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var c_ispeed: UInt32 = 0, c_ospeed: UInt32 = 0
    }

    private static func setCustomRate(fd: Int32, baud: Int, path: String) throws(StreamFailure) {
        guard baud > 0, baud <= 12_000_000 else { throw .system(SystemError(call: "baud \(baud)", errno: EINVAL)) }
        // _IOR('T', 0x2A, struct termios2) and _IOW('T', 0x2B, …); the struct is 44 bytes.
        let size = UInt(MemoryLayout<Termios2>.size)
        let tcgets2: UInt = (2 << 30) | (size << 16) | (0x54 << 8) | 0x2A
        let tcsets2: UInt = (1 << 30) | (size << 16) | (0x54 << 8) | 0x2B
        var t2 = Termios2()
        if ioctl(fd, tcgets2, &t2) != 0 { throw .system(SystemError(call: "ioctl TCGETS2 \(path)", errno: errno)) }
        let cbaud: UInt32 = 0o010017, bother: UInt32 = 0o010000
        t2.c_cflag = (t2.c_cflag & ~cbaud) | bother
        t2.c_ispeed = UInt32(baud)
        t2.c_ospeed = UInt32(baud)
        if ioctl(fd, tcsets2, &t2) != 0 { throw .system(SystemError(call: "ioctl TCSETS2 \(path) at \(baud) baud", errno: errno)) }
    }
}

/// A pseudo-terminal pair: the master side for a simulator, the slave path for the client, which
/// opens it as it would open /dev/ttyUSB0.
public final class PseudoTerminal {
    public let master: StreamDescriptor
    public let slavePath: String
    /// The simulator keeps one slave descriptor open itself so that the master never sees a
    /// hang-up (POLLHUP/EIO) between two client sessions.
    private let keeper: StreamDescriptor

    public init() throws(StreamFailure) {
        // posix_openpt/grantpt/unlockpt/ptsname are not exported to Swift by glibc's module map;
        // their Linux implementation is /dev/ptmx plus two ioctls (devpts needs no grantpt).
        let m = Glibc.open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC)
        if m < 0 { throw .system(SystemError(call: "open /dev/ptmx", errno: errno)) }
        master = StreamDescriptor(fd: m)
        let tiocsptlck: UInt = (1 << 30) | (4 << 16) | (0x54 << 8) | 0x31
        let tiocgptn: UInt = (2 << 30) | (4 << 16) | (0x54 << 8) | 0x30
        var unlock: Int32 = 0
        if ioctl(m, tiocsptlck, &unlock) != 0 { throw .system(SystemError(call: "ioctl TIOCSPTLCK", errno: errno)) }
        var number: UInt32 = 0
        if ioctl(m, tiocgptn, &number) != 0 { throw .system(SystemError(call: "ioctl TIOCGPTN", errno: errno)) }
        slavePath = "/dev/pts/\(number)"
        let s = Glibc.open(slavePath, O_RDWR | O_NOCTTY | O_CLOEXEC)
        if s < 0 { throw .system(SystemError(call: "open \(slavePath)", errno: errno)) }
        keeper = StreamDescriptor(fd: s)
        // Raw from the start: with the default line discipline the pty would echo the simulator's
        // answers back to it and translate CR/LF bytes inside binary frames.
        try SerialPort.makeRaw(fd: s, baud: nil, path: slavePath)
        setNonBlocking(m)
    }
}

/// A Unix-domain stream socket at a path (simulator control sockets).
public enum UnixSocket {
    private static func address(_ path: String) throws(StreamFailure) -> sockaddr_un {
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: addr.sun_path) else { throw .system(SystemError(call: "socket path \(path)", errno: ENAMETOOLONG)) }
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in for (i, b) in bytes.enumerated() { raw[i] = b } }
        return addr
    }

    public static func listen(path: String) throws(StreamFailure) -> StreamDescriptor {
        unlink(path)
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        if fd < 0 { throw .system(SystemError(call: "socket(AF_UNIX)", errno: errno)) }
        let d = StreamDescriptor(fd: fd)
        var addr = try address(path)
        let rc = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) } }
        if rc != 0 { throw .system(SystemError(call: "bind \(path)", errno: errno)) }
        if Glibc.listen(fd, 8) != 0 { throw .system(SystemError(call: "listen \(path)", errno: errno)) }
        return d
    }

    public static func accept(_ listener: StreamDescriptor, deadline: MonotonicDeadline) throws(StreamFailure) -> StreamDescriptor? {
        var pfd = pollfd(fd: listener.fd, events: Int16(POLLIN), revents: 0)
        let n = poll(&pfd, 1, deadline.remainingMilliseconds)
        if n <= 0 { return nil }
        let c = Glibc.accept(listener.fd, nil, nil)
        if c < 0 { return nil }
        _ = fcntl(c, F_SETFD, FD_CLOEXEC)
        return StreamDescriptor(fd: c)
    }

    public static func connect(path: String) throws(StreamFailure) -> StreamDescriptor {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        if fd < 0 { throw .system(SystemError(call: "socket(AF_UNIX)", errno: errno)) }
        let d = StreamDescriptor(fd: fd)
        var addr = try address(path)
        let rc = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) } }
        if rc != 0 { throw .system(SystemError(call: "connect \(path)", errno: errno)) }
        return d
    }

    public static func remove(path: String) { unlink(path) }
}

/// A UDP socket for discovery: send one datagram (broadcast allowed), collect answers until the
/// deadline.
public final class UDPSocket {
    public let descriptor: StreamDescriptor

    /// Binds to `host:port` (port 0 = any); the simulator binds the discovery port itself.
    public init(bindHost: String = "0.0.0.0", port: Int = 0) throws(StreamFailure) {
        guard var a = try resolve(bindHost, port).first else { throw .resolve("no address for \(bindHost)") }
        let fd = socket(a.family, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        if fd < 0 { throw .system(SystemError(call: "socket(UDP)", errno: errno)) }
        descriptor = StreamDescriptor(fd: fd)
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &one, socklen_t(MemoryLayout<Int32>.size))
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        if withSockaddr(&a.addr, { bind(fd, $0, a.len) }) != 0 { throw .system(SystemError(call: "bind UDP \(bindHost):\(port)", errno: errno)) }
    }

    /// The local port the socket is bound to.
    public var localPort: Int {
        var ss = sockaddr_storage()
        var len = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = withSockaddr(&ss) { getsockname(descriptor.fd, $0, &len) }
        return Int(UInt16(bigEndian: withUnsafeBytes(of: &ss) { $0.load(fromByteOffset: 2, as: UInt16.self) }))
    }

    public func send(_ bytes: [UInt8], to host: String, port: Int) throws(StreamFailure) {
        guard var a = try resolve(host, port).first else { throw .resolve("no address for \(host)") }
        let fd = descriptor.fd
        let n = withSockaddr(&a.addr) { sa in bytes.withUnsafeBytes { sendto(fd, $0.baseAddress, $0.count, 0, sa, a.len) } }
        if n < 0 { throw .system(SystemError(call: "sendto \(host):\(port)", errno: errno)) }
    }

    /// The next datagram and the numeric address and port it came from, or nil at the deadline.
    public func receive(deadline: MonotonicDeadline) throws(StreamFailure) -> (bytes: [UInt8], host: String, port: Int)? {
        let fd = descriptor.fd
        while true {
            var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let n = poll(&pfd, 1, deadline.remainingMilliseconds)
            if n < 0 { if errno == EINTR { continue }; throw .system(SystemError(call: "poll", errno: errno)) }
            if n == 0 { return nil }
            var buf = [UInt8](repeating: 0, count: 2048)
            var ss = sockaddr_storage()
            var len = socklen_t(MemoryLayout<sockaddr_storage>.size)
            let got = withSockaddr(&ss) { sa in buf.withUnsafeMutableBytes { recvfrom(fd, $0.baseAddress, $0.count, 0, sa, &len) } }
            if got < 0 { if errno == EINTR || errno == EAGAIN { continue }; throw .system(SystemError(call: "recvfrom", errno: errno)) }
            var host = [UInt8](repeating: 0, count: Int(NI_MAXHOST))
            var serv = [UInt8](repeating: 0, count: Int(NI_MAXSERV))
            _ = withSockaddr(&ss) { sa in
                host.withUnsafeMutableBufferPointer { h in
                    serv.withUnsafeMutableBufferPointer { s in
                        getnameinfo(sa, len, UnsafeMutableRawPointer(h.baseAddress!).assumingMemoryBound(to: CChar.self), socklen_t(h.count),
                                    UnsafeMutableRawPointer(s.baseAddress!).assumingMemoryBound(to: CChar.self), socklen_t(s.count), NI_NUMERICHOST | NI_NUMERICSERV)
                    }
                }
            }
            let text = { (b: [UInt8]) in String(decoding: b.prefix { $0 != 0 }, as: UTF8.self) }
            return (Array(buf[0..<got]), text(host), Int(text(serv)) ?? 0)
        }
    }
}

extension CurrentProcess {
    /// CPU time used by this process so far (user + system), for benchmarks.
    public static func cpuNanoseconds() -> UInt64 {
        var ru = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &ru)
        let user = UInt64(ru.ru_utime.tv_sec) * 1_000_000_000 + UInt64(ru.ru_utime.tv_usec) * 1000
        let system = UInt64(ru.ru_stime.tv_sec) * 1_000_000_000 + UInt64(ru.ru_stime.tv_usec) * 1000
        return user + system
    }
}

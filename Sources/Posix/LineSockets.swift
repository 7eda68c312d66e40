// Line-oriented byte streams for device protocols: a TCP client connection (NUT's upsd, text
// lines) and a serial port in raw mode (Megatec units at 2400 8N1). Blocking calls with
// deadlines: callers run them through `runBlocking`.
import Glibc
import Synchronization

/// A blocking stream with a read buffer; every call takes a deadline in monotonic milliseconds.
public final class LineStream: Sendable {
    private struct State: ~Copyable {
        var fd: Int32
        var buffer: [UInt8] = []
    }
    private let state: Mutex<State>
    public let peer: String

    init(fd: Int32, peer: String) {
        state = Mutex(State(fd: fd))
        self.peer = peer
    }

    /// Connects to `host:port` (numeric address or name), giving up after `timeout`: the
    /// process's one lookup and one connector (`TCPSocket.connect`).
    public static func connectTCP(host: String, port: Int, timeout: Duration) throws(SystemError) -> LineStream {
        do throws(StreamFailure) {
            let d = try TCPSocket.connect(host: host, port: port, deadline: .after(milliseconds: timeout.wholeMilliseconds))
            return LineStream(fd: d.release(), peer: "\(host):\(port)")
        } catch {
            switch error {
            case .system(let e): throw e
            case .timedOut: throw SystemError(call: "connect \(host):\(port)", errno: ETIMEDOUT)
            case .closed: throw SystemError(call: "connect \(host):\(port)", errno: ECONNRESET)
            case .resolve(let why): throw SystemError(call: "getaddrinfo \(host) (\(why))", errno: ENOENT)
            }
        }
    }

    /// Opens a serial port raw, 8N1, no flow control, at `baud` (1200…115200).
    public static func openSerial(path: String, baud: Int) throws(SystemError) -> LineStream {
        let fd = open(path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC)
        if fd < 0 { throw SystemError(call: "open \(path)", errno: Glibc.errno) }
        var t = termios()
        if tcgetattr(fd, &t) != 0 { let e = Glibc.errno; Glibc.close(fd); throw SystemError(call: "tcgetattr \(path)", errno: e) }
        cfmakeraw(&t)
        t.c_cflag |= tcflag_t(CLOCAL) | tcflag_t(CREAD)
        t.c_cflag &= ~(tcflag_t(CSTOPB) | tcflag_t(CRTSCTS))
        let speeds: [Int: speed_t] = [1200: speed_t(B1200), 2400: speed_t(B2400), 4800: speed_t(B4800), 9600: speed_t(B9600),
                                      19200: speed_t(B19200), 38400: speed_t(B38400), 57600: speed_t(B57600), 115200: speed_t(B115200)]
        guard let speed = speeds[baud] else { Glibc.close(fd); throw SystemError(call: "baud \(baud)", errno: EINVAL) }
        cfsetispeed(&t, speed)
        cfsetospeed(&t, speed)
        if tcsetattr(fd, TCSANOW, &t) != 0 { let e = Glibc.errno; Glibc.close(fd); throw SystemError(call: "tcsetattr \(path)", errno: e) }
        tcflush(fd, TCIOFLUSH)
        return LineStream(fd: fd, peer: path)
    }

    /// Writes everything before the deadline (monotonic ms).
    public func write(_ bytes: [UInt8], deadline: Int64) throws(SystemError) {
        try state.withLock { (s: inout State) throws(SystemError) in
            var off = 0
            while off < bytes.count {
                guard s.fd >= 0 else { throw SystemError(call: "write \(peer)", errno: EBADF) }
                let n = bytes.withUnsafeBytes { send(s.fd, $0.baseAddress! + off, bytes.count - off, Int32(MSG_NOSIGNAL)) }
                if n >= 0 { off += n; continue }
                let e = Glibc.errno
                if e == ENOTSOCK {
                    let m = bytes.withUnsafeBytes { Glibc.write(s.fd, $0.baseAddress! + off, bytes.count - off) }
                    if m >= 0 { off += m; continue }
                }
                let e2 = Glibc.errno
                if e2 == EINTR { continue }
                guard e2 == EAGAIN else { throw SystemError(call: "write \(peer)", errno: e2) }
                try Self.wait(s.fd, events: Int16(POLLOUT), deadline: deadline, call: "write \(peer)")
            }
        }
    }

    /// Reads up to and excluding `terminator`; throws ETIMEDOUT at the deadline, and
    /// ECONNRESET when the peer closes first. Lines longer than `limit` are an error (EMSGSIZE).
    public func readLine(terminator: UInt8 = 0x0A, deadline: Int64, limit: Int = 64 * 1024) throws(SystemError) -> [UInt8] {
        try state.withLock { (s: inout State) throws(SystemError) in
            while true {
                if let i = s.buffer.firstIndex(of: terminator) {
                    let line = Array(s.buffer[..<i])
                    s.buffer.removeSubrange(...i)
                    return line
                }
                if s.buffer.count > limit { throw SystemError(call: "read \(peer)", errno: EMSGSIZE) }
                guard s.fd >= 0 else { throw SystemError(call: "read \(peer)", errno: EBADF) }
                var chunk = [UInt8](repeating: 0, count: 4096)
                let n = chunk.withUnsafeMutableBytes { Glibc.read(s.fd, $0.baseAddress, $0.count) }
                if n > 0 { s.buffer += chunk[0..<n]; continue }
                if n == 0 { throw SystemError(call: "read \(peer) (closed by peer)", errno: ECONNRESET) }
                let e = Glibc.errno
                if e == EINTR { continue }
                guard e == EAGAIN else { throw SystemError(call: "read \(peer)", errno: e) }
                try Self.wait(s.fd, events: Int16(POLLIN), deadline: deadline, call: "read \(peer)")
            }
        }
    }

    /// Drops buffered input (a serial line after a garbled reply).
    public func discardInput() {
        state.withLock { s in
            s.buffer.removeAll()
            if s.fd >= 0 { tcflush(s.fd, TCIFLUSH) }
        }
    }

    public func close() {
        state.withLock { s in
            if s.fd >= 0 { Glibc.close(s.fd) }
            s.fd = -1
        }
    }

    deinit { close() }

    private static func wait(_ fd: Int32, events: Int16, deadline: Int64, call: String) throws(SystemError) {
        while true {
            let left = deadline - monotonicMilliseconds()
            if left <= 0 { throw SystemError(call: call, errno: ETIMEDOUT) }
            var p = pollfd(fd: fd, events: events, revents: 0)
            let n = poll(&p, 1, Int32(min(left, 60_000)))
            if n > 0 { return }
            if n < 0 && Glibc.errno != EINTR { throw SystemError(call: call, errno: Glibc.errno) }
        }
    }
}

/// Monotonic milliseconds, for deadlines of blocking I/O.
public func monotonicMilliseconds() -> Int64 { Int64(monotonicNanoseconds() / 1_000_000) }

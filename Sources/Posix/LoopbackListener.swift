// A minimal blocking TCP listener for the simulators (the player's HTTP status interface):
// bind, listen, accept with a timeout, read a request head, write a response. Simulators listen on
// loopback only.
import Glibc

public final class LoopbackListener: Sendable {
    public let fd: Int32
    public let port: Int

    /// Listens on `host` (an IPv4 loopback address) and `port` (0: any free port).
    public init(host: String = "127.0.0.1", port: Int) throws(SystemError) {
        let fd = try syscall("socket") { socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0) }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        guard inet_pton(AF_INET, host, &addr.sin_addr) == 1 else { Glibc.close(fd); throw SystemError(call: "inet_pton \(host)", errno: EINVAL) }
        let rc = withUnsafePointer(to: &addr) { p in p.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        if rc != 0 { let e = Glibc.errno; Glibc.close(fd); throw SystemError(call: "bind \(host):\(port)", errno: e) }
        if listen(fd, 16) != 0 { let e = Glibc.errno; Glibc.close(fd); throw SystemError(call: "listen", errno: e) }
        var bound = sockaddr_in()
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &bound) { p in p.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        self.fd = fd
        self.port = Int(UInt16(bigEndian: bound.sin_port))
    }

    public func close() { _ = Glibc.close(fd) }

    /// The next connection, or nil when none arrived within the timeout.
    public func accept(timeoutMilliseconds: Int32) throws(SystemError) -> Int32? {
        var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        let n = poll(&pfd, 1, timeoutMilliseconds)
        if n < 0 { if Glibc.errno == EINTR { return nil }; throw SystemError(call: "poll", errno: Glibc.errno) }
        if n == 0 { return nil }
        let c = Glibc.accept(fd, nil, nil)
        if c < 0 { if Glibc.errno == EINTR || Glibc.errno == EAGAIN { return nil }; throw SystemError(call: "accept", errno: Glibc.errno) }
        _ = fcntl(c, F_SETFD, FD_CLOEXEC)
        return c
    }

    /// Reads until the end of an HTTP request head (CR LF CR LF), at most `limit` bytes, giving
    /// up after `timeoutMilliseconds` of silence.
    public static func readRequestHead(_ conn: Int32, limit: Int = 16_384, timeoutMilliseconds: Int32 = 2000) -> [UInt8]? {
        var out: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 4096)
        while out.count < limit {
            var pfd = pollfd(fd: conn, events: Int16(POLLIN), revents: 0)
            guard poll(&pfd, 1, timeoutMilliseconds) > 0 else { return nil }
            let n = buf.withUnsafeMutableBytes { Glibc.read(conn, $0.baseAddress, $0.count) }
            if n < 0 { if Glibc.errno == EINTR { continue }; return nil }
            if n == 0 { return out.isEmpty ? nil : out }
            out.append(contentsOf: buf[0..<n])
            if out[...].windows4Contains([13, 10, 13, 10]) { return out }
        }
        return out
    }

    public static func write(_ conn: Int32, _ bytes: [UInt8]) {
        var off = 0
        while off < bytes.count {
            let n = bytes.withUnsafeBytes { send(conn, $0.baseAddress! + off, bytes.count - off, Int32(MSG_NOSIGNAL)) }
            if n < 0 { if Glibc.errno == EINTR { continue }; return }
            off += n
        }
    }

    public static func closeConnection(_ conn: Int32) { _ = Glibc.close(conn) }
}

extension ArraySlice where Element == UInt8 {
    fileprivate func windows4Contains(_ needle: [UInt8]) -> Bool {
        guard count >= needle.count else { return false }
        var i = startIndex
        while i + needle.count <= endIndex {
            if self[i..<(i + needle.count)].elementsEqual(needle) { return true }
            i += 1
        }
        return false
    }
}

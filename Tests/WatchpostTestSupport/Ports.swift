// Ports come from the kernel: bind port 0, read the number back. Never from a clock or a pid.
import Glibc

/// A TCP port on 127.0.0.1 the kernel just handed out (bound to port 0, then released, for a
/// server that must be told its port on the command line). The kernel does not hand the same
/// ephemeral port out again at once, so the window before the server binds it is harmless.
public func freeTCPPort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw MissingRequirement("socket(): \(String(cString: strerror(errno)))") }
    defer { close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    addr.sin_port = 0
    let bound = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
    guard bound == 0 else { throw MissingRequirement("bind(127.0.0.1:0): \(String(cString: strerror(errno)))") }
    var len = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
    return Int(UInt16(bigEndian: addr.sin_port))
}

/// Whether something accepts TCP connections on 127.0.0.1:`port` right now.
public func acceptsConnections(port: Int, host: String = "127.0.0.1") -> Bool {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { return false }
    defer { close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_addr.s_addr = inet_addr(host)
    addr.sin_port = UInt16(truncatingIfNeeded: port).bigEndian
    return withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } } == 0
}

/// Waits (through `waitUntil`) until something accepts TCP connections on `host`:`port` — a
/// server a test just started; `detail` (a log tail) is shown only when the deadline passes.
public func waitForPort(_ port: Int, host: String = "127.0.0.1", within seconds: Double = 60,
                        detail: () async -> String = { "" }) async throws {
    try await waitUntil("something listening on \(host):\(port)", within: seconds, detail: detail) { acceptsConnections(port: port, host: host) }
}

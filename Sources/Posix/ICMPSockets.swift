// ICMPSockets owns the system calls behind the echo (ping) probe and nothing more: opening an
// ICMP socket of either kind (unprivileged datagram sockets where net.ipv4.ping_group_range lets
// the process's group use them, raw sockets with root or CAP_NET_RAW), its receive buffer and
// the kernel's type filter, sendto/recvfrom without blocking, and poll over the open sockets.
// Every failure carries its errno (`SystemError`). What the packets mean — echo requests,
// replies, quoted errors, timing, loss — is the network probe's (WatchpostNetwork/ICMPEcho.swift).
import Glibc

/// Which kind of ICMP socket pinged.
public enum ICMPSocketKind: String, Sendable, Hashable, CaseIterable {
    /// SOCK_DGRAM + IPPROTO_ICMP: no privilege, allowed by net.ipv4.ping_group_range; the kernel
    /// chooses the echo identifier and fills in the checksum.
    case datagram
    /// SOCK_RAW: needs root or CAP_NET_RAW; receives every ICMP message of the host.
    case raw
}

/// One open ICMP (or ICMPv6) socket, non-blocking, closed when released. Used by one thread at
/// a time (the echo loop), so it is not Sendable.
public final class ICMPSocket {
    public let descriptor: Int32
    public let kind: ICMPSocketKind
    public let ipv6: Bool

    /// Opens a socket of that kind for the family.
    public init(ipv6: Bool, kind: ICMPSocketKind) throws(SystemError) {
        let family = ipv6 ? AF_INET6 : AF_INET
        let proto = ipv6 ? Int32(IPPROTO_ICMPV6) : Int32(IPPROTO_ICMP)
        let type = (kind == .raw ? Int32(SOCK_RAW.rawValue) : Int32(SOCK_DGRAM.rawValue))
            | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
        let fd = socket(family, type, proto)
        if fd < 0 { throw SystemError(call: kind == .raw ? "socket(SOCK_RAW)" : "socket(SOCK_DGRAM)", errno: Glibc.errno) }
        descriptor = fd
        self.kind = kind
        self.ipv6 = ipv6
    }

    deinit { close(descriptor) }

    /// Asks for a receive buffer of `bytes` (SO_RCVBUF; the kernel may grant less).
    @discardableResult
    public func setReceiveBuffer(bytes: Int32) -> Bool {
        var size = bytes
        return setsockopt(descriptor, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size)) == 0
    }

    /// Raw sockets only: lets the kernel drop every ICMP type but `types` before they are queued
    /// (ICMP_FILTER, linux/icmp.h, level SOL_RAW; ICMP6_FILTER, RFC 3542, for ICMPv6).
    @discardableResult
    public func acceptOnly(types: [UInt8]) -> Bool {
        guard kind == .raw else { return false }
        if ipv6 {
            var filter = [UInt32](repeating: 0xffff_ffff, count: 8)  // a set bit blocks that type
            for t in types { filter[Int(t >> 5)] &= ~(UInt32(1) << UInt32(t & 31)) }
            return setsockopt(descriptor, Int32(IPPROTO_ICMPV6), 1 /* ICMP6_FILTER */, &filter, socklen_t(32)) == 0
        }
        var mask: UInt32 = 0xffff_ffff  // a set bit drops that type (types 0–31 only)
        for t in types where t < 32 { mask &= ~(UInt32(1) << UInt32(t)) }
        return setsockopt(descriptor, 255 /* SOL_RAW */, 1 /* ICMP_FILTER */, &mask, socklen_t(4)) == 0
    }

    /// Sends one ICMP message (header and data; the IP header is the kernel's) to `address`.
    public func send(_ packet: UnsafeRawBufferPointer, to address: IPAddress) throws(SystemError) {
        let rc = address.withSockaddr(port: 0) { sa, len in
            sendto(descriptor, packet.baseAddress, packet.count, Int32(MSG_DONTWAIT), sa, len)
        }
        if rc < 0 { throw SystemError(call: "sendto", errno: Glibc.errno) }
    }

    /// Takes one queued message into `buffer`: its length and where it came from; nil when
    /// nothing is queued. A raw IPv4 socket's message starts with the IP header.
    public func receive(into buffer: UnsafeMutableRawBufferPointer) throws(SystemError) -> (count: Int, source: IPAddress?)? {
        var from = sockaddr_storage()
        var fromLength = socklen_t(MemoryLayout<sockaddr_storage>.size)
        while true {
            let got = withUnsafeMutablePointer(to: &from) { fp in
                fp.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    recvfrom(descriptor, buffer.baseAddress, buffer.count, Int32(MSG_DONTWAIT), $0, &fromLength)
                }
            }
            if got >= 0 {
                let source = withUnsafePointer(to: &from) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { IPAddress.from($0) } }
                return (got, source)
            }
            let e = Glibc.errno
            if e == EINTR { continue }
            if e == EAGAIN || e == EWOULDBLOCK { return nil }
            throw SystemError(call: "recvfrom", errno: e)
        }
    }

    /// net.ipv4.ping_group_range as the kernel shows it ("1 0" when nobody may use datagram
    /// sockets), for the message that says how to allow them.
    public static var pingGroupRange: String {
        (try? FileSystem.readText("/proc/sys/net/ipv4/ping_group_range"))?
            .split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }).joined(separator: " ") ?? "?"
    }

    /// The process's effective group id (what ping_group_range is compared with).
    public static var effectiveGroup: UInt32 { getegid() }
}

/// poll(2) over a fixed set of descriptors, waiting for input; the array is kept between waits.
public struct ReadablePoll {
    private var fds: [pollfd]

    public init(descriptors: [Int32]) {
        fds = descriptors.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
    }

    /// Waits up to `milliseconds` for input on any descriptor; false on timeout or EINTR.
    public mutating func wait(milliseconds: Int32) -> Bool {
        for k in fds.indices { fds[k].revents = 0 }
        return poll(&fds, nfds_t(fds.count), milliseconds) > 0
    }

    /// Whether the descriptor at `index` (in the order given) has input after the last wait.
    public func isReadable(_ index: Int) -> Bool { fds[index].revents & Int16(POLLIN) != 0 }
}

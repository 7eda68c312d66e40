// ICMPEcho owns the echo (ping) protocol of the `icmp` check: building echo requests (RFC 792,
// RFC 4443), matching replies and the ICMP errors that quote our requests, timing, loss,
// duplicates, and the schedule that pings many targets through one socket per address family
// (as fping does: fping's -i spacing between any two echoes, -p interval per target, -t reply
// timeout) instead of a thread per target. The socket system calls are Posix's (ICMPSockets).
import WatchpostCore
import Posix
import Synchronization

/// Which kind of socket to use: `auto` tries datagram first, then raw.
public enum ICMPSocketPreference: String, Sendable, Hashable, CaseIterable {
    case auto, datagram, raw
}

/// Why no ICMP socket could be opened: what each kind answered, and what to change.
public struct ICMPPermissionError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The system's answers (errno text), for the technical-detail field.
    public let detail: String
    /// The daemon's effective group, to allow in net.ipv4.ping_group_range.
    public let group: UInt32
    public init(detail: String, group: UInt32) { self.detail = detail; self.group = group }
    public var description: String { detail }
}

/// What to send to one target.
public struct EchoPlan: Sendable, Hashable {
    public var address: IPAddress
    public var count: Int
    /// Time between two echoes to this target.
    public var interval: Seconds
    /// How long to wait for each reply; a later reply counts as lost.
    public var timeout: Seconds
    /// Bytes of data after the 8-byte ICMP header.
    public var payloadSize: Int

    public init(address: IPAddress, count: Int, interval: Seconds, timeout: Seconds, payloadSize: Int) {
        self.address = address
        self.count = count
        self.interval = interval
        self.timeout = timeout
        self.payloadSize = payloadSize
    }
}

/// What came back from one target.
public struct EchoOutcome: Sendable, Hashable {
    public var sent = 0
    /// Round-trip times of the replies received in time, in nanoseconds, in arrival order.
    public var roundTrips: [UInt64] = []
    public var duplicates = 0
    /// ICMP errors about our echoes (destination unreachable, time exceeded), with the router
    /// that reported them: this names the hop that failed.
    public var icmpErrors: [String] = []
    public var reportedBy: IPAddress?
    /// Errors from sendto (no route to host…).
    public var sendErrors: [String] = []
    public init() {}
}

public enum ICMPEcho {
    /// Distinguishes this process's raw-socket echoes from other pingers' (raw sockets see every
    /// reply on the host). Datagram sockets get an identifier from the kernel instead.
    private static let runCounter = Atomic<UInt32>(0)

    public static let maxPayload = 65_000
    public static let maxPackets = 65_536

    /// ICMP types: echo request and reply, and the errors that quote a request.
    static let echoRequestV4: UInt8 = 8, echoReplyV4: UInt8 = 0, unreachableV4: UInt8 = 3, timeExceededV4: UInt8 = 11
    static let echoRequestV6: UInt8 = 128, echoReplyV6: UInt8 = 129, unreachableV6: UInt8 = 1, timeExceededV6: UInt8 = 3

    /// Opens one ICMP socket for the family, following the preference.
    static func open(ipv6: Bool, preference: ICMPSocketPreference) throws(ICMPPermissionError) -> ICMPSocket {
        var tried: [String] = []
        if preference != .raw {
            do { return try ICMPSocket(ipv6: ipv6, kind: .datagram) } catch {
                tried.append("datagram socket: \(error.reason) — net.ipv4.ping_group_range is '\(ICMPSocket.pingGroupRange)', gid \(ICMPSocket.effectiveGroup) is outside it")
            }
        }
        if preference != .datagram {
            do { return try ICMPSocket(ipv6: ipv6, kind: .raw) } catch {
                tried.append("raw socket: \(error.reason) — needs root or CAP_NET_RAW")
            }
        }
        throw ICMPPermissionError(detail: "cannot open an \(ipv6 ? "ICMPv6" : "ICMP") socket (\(tried.joined(separator: "; ")))",
                                  group: ICMPSocket.effectiveGroup)
    }

    /// Pings every plan concurrently and returns one outcome per plan, in order. Sends are spaced
    /// at least `spacing` apart over all targets (fping's -i); each target's echoes `interval`
    /// apart (fping's -p). Stops at `deadline` (monotonic nanoseconds) at the latest. Blocking:
    /// call through `runBlocking`.
    public static func run(_ plans: [EchoPlan], spacing: Seconds, preference: ICMPSocketPreference = .auto,
                           deadline: UInt64) throws(ICMPPermissionError) -> (kind: ICMPSocketKind, outcomes: [EchoOutcome]) {
        var outcomes = [EchoOutcome](repeating: EchoOutcome(), count: plans.count)
        if plans.isEmpty { return (.datagram, outcomes) }
        let total = plans.reduce(0) { $0 + max(0, $1.count) }
        precondition(total <= maxPackets, "too many echoes in one run (\(total) > \(maxPackets)); the configuration limits prevent this")

        // One socket per family in use.
        let v4 = plans.contains(where: { !$0.address.isIPv6 }) ? try open(ipv6: false, preference: preference) : nil
        let v6 = plans.contains(where: { $0.address.isIPv6 }) ? try open(ipv6: true, preference: preference) : nil
        v4?.setReceiveBuffer(bytes: 1 << 20)
        v6?.setReceiveBuffer(bytes: 1 << 20)
        v4?.acceptOnly(types: [echoReplyV4, unreachableV4, timeExceededV4])
        v6?.acceptOnly(types: [echoReplyV6, unreachableV6, timeExceededV6])
        let sockets = [v4, v6].compactMap { $0 }
        let ident = UInt16(truncatingIfNeeded: UInt32(bitPattern: CurrentProcess.id) &* 2_654_435_761 &+ runCounter.wrappingAdd(1, ordering: .relaxed).oldValue &* 40_503)

        // Packet table: index = sequence number.
        struct Packet { var target: Int; var sentAt: UInt64; var answered: Bool; var closed: Bool }
        var packets: [Packet] = []
        packets.reserveCapacity(total)
        var sendQueue = MinHeap<Int>()      // due time → target index
        var expiry = MinHeap<Int>()         // packet deadline → packet index
        let start = monotonicNanoseconds()
        for (i, p) in plans.enumerated() where p.count > 0 { sendQueue.push(start, i) }
        var nextSlot = start
        var outstanding = 0
        let spacingNs = UInt64(max(0, spacing.milliseconds)) * 1_000_000
        var sendBuffer = [UInt8](repeating: 0, count: 8 + min(maxPayload, plans.map(\.payloadSize).max() ?? 56))
        for k in 8..<sendBuffer.count { sendBuffer[k] = UInt8(truncatingIfNeeded: k) }
        var recvBuffer = [UInt8](repeating: 0, count: 65_536 + 512)
        var poller = ReadablePoll(descriptors: sockets.map(\.descriptor))

        func resolvePacket(_ idx: Int) {
            if !packets[idx].closed { packets[idx].closed = true; outstanding -= 1 }
        }

        while true {
            var now = monotonicNanoseconds()
            if now >= deadline { break }
            // Send what is due, one per spacing slot.
            while let top = sendQueue.peek, top.key <= now, nextSlot <= now {
                _ = sendQueue.pop()
                let t = top.value
                let plan = plans[t]
                let seq = packets.count
                let isV6 = plan.address.isIPv6
                let length = 8 + min(plan.payloadSize, sendBuffer.count - 8)
                sendBuffer[0] = isV6 ? echoRequestV6 : echoRequestV4
                sendBuffer[1] = 0
                sendBuffer[2] = 0; sendBuffer[3] = 0
                sendBuffer[4] = UInt8(ident >> 8); sendBuffer[5] = UInt8(ident & 0xff)
                sendBuffer[6] = UInt8((seq >> 8) & 0xff); sendBuffer[7] = UInt8(seq & 0xff)
                if !isV6 {
                    // The kernel computes ICMPv6 checksums (RFC 3542) and datagram ICMP ones;
                    // raw IPv4 needs ours.
                    let sum = internetChecksum(sendBuffer, count: length)
                    sendBuffer[2] = UInt8(sum >> 8); sendBuffer[3] = UInt8(sum & 0xff)
                }
                now = monotonicNanoseconds()
                // The socket of each family in the plans was opened above (or run threw).
                let sock = isV6 ? v6! : v4!
                // withUnsafeBytes rethrows untyped errors: the outcome comes back as a value.
                let sendError: SystemError? = sendBuffer.withUnsafeBytes { buf in
                    do throws(SystemError) {
                        try sock.send(UnsafeRawBufferPointer(rebasing: buf[0..<length]), to: plan.address)
                        return nil
                    } catch { return error }
                }
                packets.append(Packet(target: t, sentAt: now, answered: false, closed: false))
                outcomes[t].sent += 1
                outstanding += 1
                if let sendError {
                    let msg = sendError.reason
                    if outcomes[t].sendErrors.count < 3 && !outcomes[t].sendErrors.contains(msg) { outcomes[t].sendErrors.append(msg) }
                    resolvePacket(seq)
                } else {
                    expiry.push(now + UInt64(max(1, plan.timeout.milliseconds)) * 1_000_000, seq)
                }
                if outcomes[t].sent < plan.count {
                    sendQueue.push(now + UInt64(max(0, plan.interval.milliseconds)) * 1_000_000, t)
                }
                nextSlot = max(nextSlot + spacingNs, now)
                if spacingNs > 0 && nextSlot > now { break }
            }
            // Expire unanswered echoes.
            while let top = expiry.peek, top.key <= now {
                _ = expiry.pop()
                resolvePacket(top.value)
            }
            if sendQueue.isEmpty && outstanding == 0 { break }

            // Sleep until the next send slot, the next expiry or the overall deadline.
            var wake = deadline
            if let s = sendQueue.peek { wake = min(wake, max(s.key, nextSlot)) }
            if let e = expiry.peek { wake = min(wake, e.key) }
            let waitNs = wake > now ? wake - now : 0
            // poll counts whole milliseconds: round up, so that a send is never early (slots are
            // absolute times, so the rounding does not accumulate).
            guard poller.wait(milliseconds: Int32(min(1000, (waitNs + 999_999) / 1_000_000))) else { continue }
            for (k, sock) in sockets.enumerated() where poller.isReadable(k) {
                // Drain everything queued on this socket.
                while true {
                    // nil: nothing more queued, or the socket failed (the next poll tells again).
                    let received: (count: Int, source: IPAddress?)? = recvBuffer.withUnsafeMutableBytes { buf in
                        do throws(SystemError) { return try sock.receive(into: buf) } catch { return nil }
                    }
                    guard let (got, source) = received else { break }
                    let arrived = monotonicNanoseconds()
                    guard let parsed = parseICMP(recvBuffer, count: got, ipv6: sock.ipv6, raw: sock.kind == .raw, ident: ident) else { continue }
                    guard parsed.sequence < packets.count else { continue }
                    let idx = parsed.sequence
                    let t = packets[idx].target
                    switch parsed.kind {
                    case .reply:
                        // The reply must come from the address we pinged (a stray reply for a
                        // reused sequence number must not count).
                        guard source == plans[t].address else { continue }
                        if packets[idx].answered { outcomes[t].duplicates += 1; continue }
                        if packets[idx].closed { continue }  // late: already counted as lost
                        packets[idx].answered = true
                        outcomes[t].roundTrips.append(arrived - packets[idx].sentAt)
                        resolvePacket(idx)
                    case .error(let text):
                        guard !packets[idx].answered, !packets[idx].closed else { continue }
                        if outcomes[t].icmpErrors.count < 3 && !outcomes[t].icmpErrors.contains(text) { outcomes[t].icmpErrors.append(text) }
                        outcomes[t].reportedBy = source
                        resolvePacket(idx)
                    }
                }
            }
        }
        return (sockets[0].kind, outcomes)
    }

    enum ParsedKind { case reply, error(String) }

    /// Decodes one received ICMP message: an echo reply or an error quoting one of our echoes.
    static func parseICMP(_ buf: [UInt8], count: Int, ipv6: Bool, raw: Bool, ident: UInt16) -> (kind: ParsedKind, sequence: Int)? {
        let count = min(count, buf.count)
        var off = 0
        if !ipv6 && raw {
            // Raw IPv4 sockets deliver the IP header too.
            guard count >= 20 else { return nil }
            off = Int(buf[0] & 0x0f) * 4
        }
        guard count >= off + 8 else { return nil }
        let type = buf[off], code = buf[off + 1]
        if type == (ipv6 ? echoReplyV6 : echoReplyV4) {
            let id = UInt16(buf[off + 4]) << 8 | UInt16(buf[off + 5])
            if raw && id != ident { return nil }  // another pinger's reply
            return (.reply, Int(UInt16(buf[off + 6]) << 8 | UInt16(buf[off + 7])))
        }
        // Errors quote the original packet: IP header, then our echo request's first 8 bytes.
        // Datagram sockets only see errors through IP_RECVERR, so this is the raw path.
        guard raw else { return nil }
        var inner = off + 8
        if ipv6 {
            inner += 40
        } else {
            guard count >= inner + 20 else { return nil }
            inner += Int(buf[inner] & 0x0f) * 4
        }
        guard count >= inner + 8, buf[inner] == (ipv6 ? echoRequestV6 : echoRequestV4) else { return nil }
        let id = UInt16(buf[inner + 4]) << 8 | UInt16(buf[inner + 5])
        guard id == ident else { return nil }
        let seq = Int(UInt16(buf[inner + 6]) << 8 | UInt16(buf[inner + 7]))
        return (.error(describeError(type: type, code: code, ipv6: ipv6)), seq)
    }

    /// The ICMP error's meaning (RFC 792, RFC 4443), for the technical detail of the finding.
    static func describeError(type: UInt8, code: UInt8, ipv6: Bool) -> String {
        if ipv6 {
            if type == timeExceededV6 { return "time exceeded in transit (routing loop or TTL too small)" }
            switch code {
            case 0: return "no route to destination"
            case 1: return "communication administratively prohibited"
            case 3: return "address unreachable"
            case 4: return "port unreachable"
            default: return "destination unreachable (code \(code))"
            }
        }
        if type == timeExceededV4 { return "time exceeded in transit (routing loop or TTL too small)" }
        switch code {
        case 0: return "network unreachable"
        case 1: return "host unreachable"
        case 2: return "protocol unreachable"
        case 3: return "port unreachable"
        case 9, 10, 13: return "communication administratively prohibited"
        default: return "destination unreachable (code \(code))"
        }
    }

    /// RFC 1071 ones'-complement sum.
    static func internetChecksum(_ bytes: [UInt8], count: Int) -> UInt16 {
        var sum: UInt32 = 0
        var i = 0
        let count = min(count, bytes.count)
        while i + 1 < count { sum &+= UInt32(bytes[i]) << 8 | UInt32(bytes[i + 1]); i += 2 }
        if i < count { sum &+= UInt32(bytes[i]) << 8 }
        while sum >> 16 != 0 { sum = (sum & 0xffff) + (sum >> 16) }
        return ~UInt16(sum)
    }
}

/// A binary min-heap keyed by monotonic time; ties keep insertion order (FIFO), so targets due at
/// once are served round-robin.
struct MinHeap<Value> {
    private var items: [(key: UInt64, order: UInt64, value: Value)] = []
    private var counter: UInt64 = 0

    var isEmpty: Bool { items.isEmpty }
    var peek: (key: UInt64, value: Value)? { items.first.map { ($0.key, $0.value) } }

    private func less(_ a: Int, _ b: Int) -> Bool { (items[a].key, items[a].order) < (items[b].key, items[b].order) }

    mutating func push(_ key: UInt64, _ value: Value) {
        counter += 1
        items.append((key, counter, value))
        var i = items.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            if !less(i, parent) { break }
            items.swapAt(i, parent)
            i = parent
        }
    }

    mutating func pop() -> (key: UInt64, value: Value)? {
        guard !items.isEmpty else { return nil }
        let top = items[0]
        items.swapAt(0, items.count - 1)
        items.removeLast()
        var i = 0
        while true {
            let l = 2 * i + 1, r = l + 1
            var m = i
            if l < items.count && less(l, m) { m = l }
            if r < items.count && less(r, m) { m = r }
            if m == i { break }
            items.swapAt(i, m)
            i = m
        }
        return (top.key, top.value)
    }
}

// NetworkSockets owns the process's one name lookup and its one TCP connector: IP address
// parsing and printing (inet_pton/inet_ntop), name resolution with a time limit of its own
// (the only getaddrinfo call, on a thread of the blocking pool that is abandoned when the limit
// passes), and non-blocking TCP connects (the only connect(2) to a TCP peer) — one at a time
// for a device client (`TCPSocket.connect`) or many driven by one poll loop for the TCP probe.
import Glibc
import Synchronization

/// An IPv4 or IPv6 address as its network-order bytes (4 or 16).
public struct IPAddress: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let bytes: [UInt8]

    public init?(bytes: [UInt8]) {
        guard bytes.count == 4 || bytes.count == 16 else { return nil }
        self.bytes = bytes
    }

    /// Parses a numeric address (`192.0.2.1`, `::1`, `fe80::1`); nil for names.
    public init?(parsing text: String) {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            bytes = withUnsafeBytes(of: &v4) { Array($0) }
            return
        }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 {
            bytes = withUnsafeBytes(of: &v6) { Array($0) }
            return
        }
        return nil
    }

    public var isIPv6: Bool { bytes.count == 16 }

    public var description: String {
        var out = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
        let family = isIPv6 ? AF_INET6 : AF_INET
        _ = bytes.withUnsafeBytes { src in inet_ntop(family, src.baseAddress, &out, socklen_t(out.count)) }
        return String(decoding: out.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    public static func < (a: IPAddress, b: IPAddress) -> Bool { a.bytes.lexicographicallyPrecedes(b.bytes) }

    /// Calls `body` with this address and `port` as a sockaddr.
    func withSockaddr<R>(port: UInt16, _ body: (UnsafePointer<sockaddr>, socklen_t) -> R) -> R {
        if isIPv6 {
            var sa = sockaddr_in6()
            sa.sin6_family = sa_family_t(AF_INET6)
            sa.sin6_port = port.bigEndian
            withUnsafeMutableBytes(of: &sa.sin6_addr) { $0.copyBytes(from: bytes) }
            return withUnsafePointer(to: &sa) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_in6>.size)) } }
        }
        var sa = sockaddr_in()
        sa.sin_family = sa_family_t(AF_INET)
        sa.sin_port = port.bigEndian
        withUnsafeMutableBytes(of: &sa.sin_addr) { $0.copyBytes(from: bytes) }
        return withUnsafePointer(to: &sa) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
    }

    /// Reads the address out of a sockaddr_storage filled by recvfrom/getaddrinfo.
    static func from(_ sa: UnsafePointer<sockaddr>) -> IPAddress? {
        switch Int32(sa.pointee.sa_family) {
        case AF_INET:
            return sa.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { p in
                withUnsafeBytes(of: p.pointee.sin_addr) { IPAddress(bytes: Array($0)) }
            }
        case AF_INET6:
            return sa.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { p in
                withUnsafeBytes(of: p.pointee.sin6_addr) { IPAddress(bytes: Array($0)) }
            }
        default: return nil
        }
    }
}

/// Which address families a name may resolve to.
public enum AddressFamilyPreference: String, Sendable, CaseIterable {
    case any, ipv4, ipv6
}

/// Why a name did not resolve.
public struct ResolutionError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Kind: String, Sendable { case noSuchName = "no such name", temporary = "DNS temporarily failing", timedOut = "DNS timed out", noAddress = "no address of the wanted family", other = "resolver error" }
    public let host: String
    public let kind: Kind
    public let detail: String
    public init(host: String, kind: Kind, detail: String) { self.host = host; self.kind = kind; self.detail = detail }
    public var description: String { "cannot resolve \(host): \(kind.rawValue)\(detail.isEmpty ? "" : " (\(detail))")" }
}

/// Name resolution with a time limit of its own. getaddrinfo cannot be interrupted, so it runs on
/// a thread of its own; when the limit passes the caller gets `.timedOut` and the thread finishes
/// (and is forgotten) whenever the system resolver gives up.
public enum NameResolver {
    public static func resolve(_ host: String, family: AddressFamilyPreference = .any, timeout: Duration) async -> Result<[IPAddress], ResolutionError> {
        if let numeric = numeric(host, family: family) { return numeric }
        let once = ResolveOnce()
        return await withCheckedContinuation { (c: CheckedContinuation<Result<[IPAddress], ResolutionError>, Never>) in
            once.install(c)
            let sleeper = Task {
                try? await Task.sleep(for: timeout)
                once.finish(.failure(ResolutionError(host: host, kind: .timedOut, detail: "no answer within \(timeout.wholeMilliseconds) ms")))
            }
            Task {
                let r: Result<[IPAddress], ResolutionError>
                do { r = try await runBlocking { lookup(host, family: family) } } catch {
                    r = .failure(ResolutionError(host: host, kind: .other, detail: "\(error)"))
                }
                once.finish(r)
                sleeper.cancel()
            }
        }
    }

    /// The same lookup for a caller that is itself a blocking call (a device client on its own
    /// thread): getaddrinfo runs on a thread of the blocking pool and this thread waits for it at
    /// most until `deadline`. A numeric address is answered at once, without a lookup.
    public static func resolve(_ host: String, family: AddressFamilyPreference = .any, deadline: MonotonicDeadline) -> Result<[IPAddress], ResolutionError> {
        if let numeric = numeric(host, family: family) { return numeric }
        let answer = BlockingAnswer<Result<[IPAddress], ResolutionError>>()
        BlockingPool.process.submit(BlockingPool.Job(run: { answer.put(lookup(host, family: family)) }, drop: {}))
        return answer.wait(until: deadline)
            ?? .failure(ResolutionError(host: host, kind: .timedOut, detail: "no answer within the time limit"))
    }

    /// A numeric address needs no resolver (no thread, no task): its result at once; nil for names.
    public static func numeric(_ host: String, family: AddressFamilyPreference = .any) -> Result<[IPAddress], ResolutionError>? {
        guard let numeric = IPAddress(parsing: host) else { return nil }
        if family == .ipv4 && numeric.isIPv6 || family == .ipv6 && !numeric.isIPv6 {
            return .failure(ResolutionError(host: host, kind: .noAddress, detail: "\(host) is \(numeric.isIPv6 ? "IPv6" : "IPv4")"))
        }
        return .success([numeric])
    }

    /// Blocking getaddrinfo — the only one in the product. Addresses in the resolver's order,
    /// duplicates removed.
    static func lookup(_ host: String, family: AddressFamilyPreference) -> Result<[IPAddress], ResolutionError> {
        var hints = addrinfo()
        hints.ai_family = family == .ipv4 ? AF_INET : family == .ipv6 ? AF_INET6 : AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var res: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(host, nil, &hints, &res)
        if rc != 0 {
            let detail = String(cString: gai_strerror(rc))
            let kind: ResolutionError.Kind = switch rc {
            case EAI_NONAME: .noSuchName
            case EAI_AGAIN: .temporary
            case -9 /* EAI_ADDRFAMILY */, -5 /* EAI_NODATA */: .noAddress
            default: .other
            }
            return .failure(ResolutionError(host: host, kind: kind, detail: detail))
        }
        defer { freeaddrinfo(res) }
        var out: [IPAddress] = []
        var p = res
        while let ai = p {
            if let sa = ai.pointee.ai_addr, let a = IPAddress.from(sa), !out.contains(a) { out.append(a) }
            p = ai.pointee.ai_next
        }
        if out.isEmpty { return .failure(ResolutionError(host: host, kind: .noAddress, detail: "")) }
        return .success(out)
    }
}

/// Resumes a continuation exactly once: the first of "resolver answered" and "time is up" wins.
private final class ResolveOnce: Sendable {
    private let state = Mutex<(CheckedContinuation<Result<[IPAddress], ResolutionError>, Never>?, Result<[IPAddress], ResolutionError>?)>((nil, nil))

    func install(_ c: CheckedContinuation<Result<[IPAddress], ResolutionError>, Never>) {
        let early: Result<[IPAddress], ResolutionError>? = state.withLock { s in
            if let r = s.1 { s.1 = nil; return r }
            s.0 = c
            return nil
        }
        if let early { c.resume(returning: early) }
    }

    func finish(_ r: Result<[IPAddress], ResolutionError>) {
        let c: CheckedContinuation<Result<[IPAddress], ResolutionError>, Never>? = state.withLock { s in
            if let c = s.0 { s.0 = nil; s.1 = nil; return c }
            // Not installed yet (cannot happen with the order above) or already finished.
            return nil
        }
        c?.resume(returning: r)
    }
}

/// A value handed from a pool thread to a thread that waits for it with a deadline
/// (pthread_cond_timedwait on CLOCK_MONOTONIC).
///
/// `@unchecked Sendable` is safe: `value` is read and written only while `lock` is held; the
/// mutex and condition are initialised in `init` and destroyed in `deinit`, after every user.
final class BlockingAnswer<T: Sendable>: @unchecked Sendable {
    private var value: T?
    private var lock = pthread_mutex_t()
    private var ready = pthread_cond_t()

    init() {
        pthread_mutex_init(&lock, nil)
        var attr = pthread_condattr_t()
        pthread_condattr_init(&attr)
        pthread_condattr_setclock(&attr, CLOCK_MONOTONIC)
        pthread_cond_init(&ready, &attr)
        pthread_condattr_destroy(&attr)
    }

    deinit {
        pthread_cond_destroy(&ready)
        pthread_mutex_destroy(&lock)
    }

    func put(_ v: T) {
        pthread_mutex_lock(&lock)
        value = v
        pthread_cond_broadcast(&ready)
        pthread_mutex_unlock(&lock)
    }

    /// The value, or nil when the deadline passed first.
    func wait(until deadline: MonotonicDeadline) -> T? {
        var end = timespec(tv_sec: Int(deadline.nanoseconds / 1_000_000_000), tv_nsec: Int(deadline.nanoseconds % 1_000_000_000))
        pthread_mutex_lock(&lock)
        defer { pthread_mutex_unlock(&lock) }
        while value == nil {
            if pthread_cond_timedwait(&ready, &lock, &end) == ETIMEDOUT { break }
        }
        return value
    }
}

/// The outcome of one TCP connect.
public enum TCPConnectOutcome: Sendable, Hashable {
    /// The three-way handshake completed after this many nanoseconds.
    case connected(nanoseconds: UInt64)
    /// The host answered with a reset: nothing listens on the port.
    case refused
    /// No answer within the time limit: a filter drops the packets or the host is down.
    case timedOut
    /// The system reported another error (no route to host, network unreachable…).
    case failed(SystemError)
}

/// Many non-blocking connects at once, one poll loop, at most `maxOpen` sockets open at a time.
/// Blocking: call through `runBlocking`.
public enum TCPConnector {
    public struct Target: Sendable, Hashable {
        public var address: IPAddress
        public var port: UInt16
        public var timeout: Duration
        public init(address: IPAddress, port: UInt16, timeout: Duration) {
            self.address = address
            self.port = port
            self.timeout = timeout
        }
    }

    public static func connectAll(_ targets: [Target], maxOpen: Int = 256) -> [TCPConnectOutcome] {
        var outcomes = [TCPConnectOutcome?](repeating: nil, count: targets.count)
        struct Open { var index: Int; var fd: Int32; var started: UInt64; var deadline: UInt64 }
        var open: [Open] = []
        var next = 0
        while next < targets.count || !open.isEmpty {
            // Start connects until the bound is reached.
            while next < targets.count && open.count < maxOpen {
                let i = next
                next += 1
                let t = targets[i]
                let started = monotonicNanoseconds()
                switch startConnect(t.address, port: t.port) {
                case .connected(let fd):
                    outcomes[i] = .connected(nanoseconds: monotonicNanoseconds() - started)
                    close(fd)
                case .inProgress(let fd):
                    open.append(Open(index: i, fd: fd, started: started, deadline: started + UInt64(t.timeout.wholeMilliseconds) * 1_000_000))
                case .failed(let e):
                    outcomes[i] = e.errno == ECONNREFUSED ? .refused : .failed(e)
                }
            }
            if open.isEmpty { continue }
            let now = monotonicNanoseconds()
            let soonest = open.map(\.deadline).min()!
            let waitMs = soonest > now ? Int32(min(1000, (soonest - now + 999_999) / 1_000_000)) : 0
            var pfds = open.map { pollfd(fd: $0.fd, events: Int16(POLLOUT), revents: 0) }
            let n = poll(&pfds, nfds_t(pfds.count), waitMs)
            if n < 0 && Glibc.errno != EINTR { break }
            let after = monotonicNanoseconds()
            var keep: [Open] = []
            for (k, o) in open.enumerated() {
                let rev = pfds[k].revents
                if rev != 0 {
                    let soError = connectResult(o.fd)
                    if soError == 0 { outcomes[o.index] = .connected(nanoseconds: after - o.started) }
                    else if soError == ECONNREFUSED { outcomes[o.index] = .refused }
                    else if soError == ETIMEDOUT { outcomes[o.index] = .timedOut }
                    else { outcomes[o.index] = .failed(SystemError(call: "connect", errno: soError)) }
                    close(o.fd)
                } else if after >= o.deadline {
                    outcomes[o.index] = .timedOut
                    close(o.fd)
                } else {
                    keep.append(o)
                }
            }
            open = keep
        }
        for o in open { close(o.fd); outcomes[o.index] = .failed(SystemError(call: "poll", errno: Glibc.errno)) }
        return outcomes.map { $0 ?? .timedOut }
    }

    /// What starting a non-blocking connect gave.
    enum Started {
        case connected(Int32)
        case inProgress(Int32)
        case failed(SystemError)
    }

    /// Opens a non-blocking TCP socket (close-on-exec, TCP_NODELAY: the protocols spoken here
    /// are request/response with small frames) and starts connecting it.
    static func startConnect(_ address: IPAddress, port: UInt16) -> Started {
        let fd = socket(address.isIPv6 ? AF_INET6 : AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        if fd < 0 { return .failed(SystemError(call: "socket", errno: Glibc.errno)) }
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        let rc = address.withSockaddr(port: port) { sa, len in connect(fd, sa, len) }
        let e = Glibc.errno
        if rc == 0 { return .connected(fd) }
        if e == EINPROGRESS || e == EINTR { return .inProgress(fd) }
        close(fd)
        return .failed(SystemError(call: "connect \(address.isIPv6 ? "[\(address)]" : address.description):\(port)", errno: e))
    }

    /// The connect's result once poll(2) reported the socket: 0 or the errno (SO_ERROR).
    static func connectResult(_ fd: Int32) -> Int32 {
        var soError: Int32 = 0
        var len = socklen_t(MemoryLayout<Int32>.size)
        if getsockopt(fd, SOL_SOCKET, SO_ERROR, &soError, &len) != 0 { return Glibc.errno }
        return soError
    }

    /// Connects to the first of `addresses` that answers before `deadline` (tried in order),
    /// one at a time: the connector of the device clients (NovaStar, upsd).
    public static func connectFirst(_ addresses: [IPAddress], port: UInt16, deadline: MonotonicDeadline) -> Result<Int32, TCPConnectFailure> {
        var last = TCPConnectFailure.noAddress
        for address in addresses {
            switch startConnect(address, port: port) {
            case .connected(let fd): return .success(fd)
            case .failed(let e): last = .system(e)
            case .inProgress(let fd):
                var pfd = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
                var n: Int32
                repeat { n = poll(&pfd, 1, deadline.remainingMilliseconds) } while n < 0 && Glibc.errno == EINTR
                if n == 0 { close(fd); last = .timedOut; continue }
                let err = n < 0 ? Glibc.errno : connectResult(fd)
                if err == 0 { return .success(fd) }
                close(fd)
                last = .system(SystemError(call: "connect \(address):\(port)", errno: err))
            }
        }
        return .failure(last)
    }
}

/// Why `TCPConnector.connectFirst` found no peer.
public enum TCPConnectFailure: Error, Sendable, Hashable {
    case noAddress
    case timedOut
    case system(SystemError)
}

extension CurrentProcess {
    /// Whether the process runs as root (tests that build network namespaces need it).
    public static var isRoot: Bool { geteuid() == 0 }
}

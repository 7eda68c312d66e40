// The NovaStar client: one connection (TCP or serial) with one request in flight, per-request
// timeouts, serial-number matching, resynchronisation after garbage, reconnection with backoff,
// and reads split by the controller's maximum packet size. All blocking I/O runs on a dedicated
// thread (the actor's executor), never on Swift's shared task threads.
import WatchpostCore
import Posix

/// Where a sending card is reached.
public enum NovaStarEndpoint: Sendable, Hashable, CustomStringConvertible {
    case tcp(host: String, port: Int)
    case serial(path: String, baud: Int)

    public static let defaultPort = 5200
    public static let defaultBaud = 115_200

    public var description: String {
        switch self {
        case .tcp(let h, let p): return h.contains(":") ? "[\(h)]:\(p)" : "\(h):\(p)"
        case .serial(let path, let baud): return "\(path)@\(baud)"
        }
    }
}

/// A byte stream to a controller. Not Sendable: owned by one client actor.
public protocol ByteStreamTransport: AnyObject {
    var isOpen: Bool { get }
    func open(deadline: MonotonicDeadline) throws(StreamFailure)
    func send(_ bytes: [UInt8], deadline: MonotonicDeadline) throws(StreamFailure)
    func receive(deadline: MonotonicDeadline) throws(StreamFailure) -> [UInt8]
    /// Drops the connection (TCP) or the unread bytes (serial) after a timeout or garbage.
    func reset()
    func close()
}

public final class TCPTransport: ByteStreamTransport {
    let host: String
    let port: Int
    var descriptor: StreamDescriptor?
    public init(host: String, port: Int) { self.host = host; self.port = port }
    public var isOpen: Bool { descriptor?.isOpen ?? false }
    public func open(deadline: MonotonicDeadline) throws(StreamFailure) { descriptor = try TCPSocket.connect(host: host, port: port, deadline: deadline) }
    public func send(_ bytes: [UInt8], deadline: MonotonicDeadline) throws(StreamFailure) {
        guard let d = descriptor else { throw .closed }
        try d.writeAll(bytes, deadline: deadline)
    }
    public func receive(deadline: MonotonicDeadline) throws(StreamFailure) -> [UInt8] {
        guard let d = descriptor else { throw .closed }
        return try d.readSome(deadline: deadline)
    }
    /// A late answer to a timed-out request would still be in flight: a fresh connection is the
    /// only clean state on TCP.
    public func reset() { close() }
    public func close() { descriptor?.close(); descriptor = nil }
}

public final class SerialTransport: ByteStreamTransport {
    let path: String
    let baud: Int
    var descriptor: StreamDescriptor?
    public init(path: String, baud: Int) { self.path = path; self.baud = baud }
    public var isOpen: Bool { descriptor?.isOpen ?? false }
    public func open(deadline: MonotonicDeadline) throws(StreamFailure) { descriptor = try SerialPort.open(path: path, baud: baud) }
    public func send(_ bytes: [UInt8], deadline: MonotonicDeadline) throws(StreamFailure) {
        guard let d = descriptor else { throw .closed }
        try d.writeAll(bytes, deadline: deadline)
    }
    public func receive(deadline: MonotonicDeadline) throws(StreamFailure) -> [UInt8] {
        guard let d = descriptor else { throw .closed }
        return try d.readSome(deadline: deadline)
    }
    public func reset() { descriptor?.flushTerminal() }
    public func close() { descriptor?.close(); descriptor = nil }
}

/// Reconnection attempts wait through the program's one back-off (WatchpostCore `Backoff`).
public typealias ReconnectBackoff = Backoff

/// What a read returned: data, or a negative acknowledgement from the controller.
public enum ReadOutcome: Sendable, Hashable {
    case data([UInt8])
    case nack(NovaStarAck)
}

public struct ClientCounters: Sendable, Hashable, Codable {
    public var requests = 0
    public var wrongSerialIgnored = 0
    public var discardedBytes = 0
    public var badChecksums = 0
    public var timeouts = 0
    public var connects = 0
}

public actor NovaStarClient {
    public nonisolated let endpoint: NovaStarEndpoint
    public nonisolated let requestTimeout: Seconds
    private nonisolated let executor: DedicatedThreadExecutor
    public nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }

    private let clock: any WatchpostClock
    private let transport: any ByteStreamTransport
    private var decoder = FrameDecoder(kind: .response, maxDataLength: NovaStarRegister.defaultMaxPacket)
    private var serial: UInt8 = 0
    private var backoff: ReconnectBackoff
    private var maxPacket: Int?
    private var lastConnectError: String?
    public private(set) var counters = ClientCounters()

    public init(endpoint: NovaStarEndpoint, clock: any WatchpostClock, requestTimeout: Seconds = .seconds(1),
                backoff: ReconnectBackoff = ReconnectBackoff(), executor: DedicatedThreadExecutor) {
        self.endpoint = endpoint
        self.clock = clock
        self.requestTimeout = requestTimeout
        self.backoff = backoff
        self.executor = executor
        switch endpoint {
        case .tcp(let h, let p): transport = TCPTransport(host: h, port: p)
        case .serial(let path, let baud): transport = SerialTransport(path: path, baud: baud)
        }
    }

    public func close() { transport.close() }

    public func currentCounters() -> ClientCounters {
        var c = counters
        c.discardedBytes = decoder.discardedBytes + counters.discardedBytes
        c.badChecksums = decoder.badChecksums + counters.badChecksums
        return c
    }

    /// The monotonic deadline for `overall` (an instant on the injected clock).
    func monotonic(_ overall: Instant) -> MonotonicDeadline {
        .after(milliseconds: (overall - clock.now()).milliseconds)
    }

    private func ensureOpen(deadline: MonotonicDeadline) throws(WatchpostError) {
        if transport.isOpen { return }
        let now = clock.now()
        guard backoff.mayAttempt(at: now) else {
            throw WatchpostError(.network, "cannot reach the controller at \(endpoint): \(lastConnectError ?? "not connected"); next attempt after \(backoff.notBefore!)",
                                 hint: hint)
        }
        do {
            try transport.open(deadline: deadline)
            counters.connects += 1
            backoff.recordSuccess()
            lastConnectError = nil
            counters.discardedBytes += decoder.discardedBytes
            counters.badChecksums += decoder.badChecksums
            decoder = FrameDecoder(kind: .response, maxDataLength: NovaStarRegister.defaultMaxPacket)
            maxPacket = nil
        } catch {
            backoff.recordFailure(at: now)
            lastConnectError = error.description
            throw WatchpostError(.network, "cannot reach the controller at \(endpoint): \(error)", hint: hint)
        }
    }

    private nonisolated var hint: String {
        switch endpoint {
        case .tcp: return "check the controller's power and network cable, and that NovaLCT is not holding the session"
        case .serial(let path, _): return "check the USB/RS-232 cable at \(path), the baud rate, and that NovaLCT is not holding the port"
        }
    }

    private func nextSerial() -> UInt8 {
        serial = serial &+ 1
        return serial
    }

    /// Sends one request and waits for the response with the same serial number.
    private func exchange(_ request: NovaStarFrame, deadline overall: Instant) throws(WatchpostError) -> NovaStarFrame {
        let end = min(monotonic(overall), .after(milliseconds: requestTimeout.milliseconds))
        try ensureOpen(deadline: end)
        var req = request
        req.serial = nextSerial()
        counters.requests += 1
        let what = req.description
        do {
            try transport.send(req.encoded(), deadline: end)
            while true {
                while let f = decoder.next(pendingWrite: req.direction == .write) {
                    if f.serial == req.serial { return f }
                    // A late answer to an earlier request, or another client's: not ours.
                    counters.wrongSerialIgnored += 1
                }
                let bytes = try transport.receive(deadline: end)
                decoder.append(bytes)
            }
        } catch {
            transport.reset()
            decoder.reset()
            switch error {
            case .timedOut:
                counters.timeouts += 1
                throw WatchpostError(.timeout, "no answer from the controller at \(endpoint) within \(requestTimeout) to \(what)", hint: hint)
            case .closed:
                transport.close()
                throw WatchpostError(.network, "the controller at \(endpoint) closed the connection during \(what)", hint: hint)
            default:
                transport.close()
                throw WatchpostError(.network, "I/O error with the controller at \(endpoint) during \(what): \(error)", hint: hint)
            }
        }
    }

    /// Exchanges a request, repeating it once when the controller reports a checksum error.
    private func exchangeRetryingChecksum(_ request: NovaStarFrame, deadline: Instant) throws(WatchpostError) -> NovaStarFrame {
        let f = try exchange(request, deadline: deadline)
        switch NovaStarAck(f.ack) {
        case .requestChecksum, .responseChecksum: return try exchange(request, deadline: deadline)
        default: return f
        }
    }

    /// Reads `length` bytes at `address`, split into packets no larger than the controller's
    /// maximum (probed through registers 6/7 when a read is larger than 256 bytes).
    public func read(device: DeviceType, destination: UInt8 = 0, port: UInt8 = 0, board: UInt16 = 0, address: UInt32, length: Int,
                     deadline: Instant) throws(WatchpostError) -> ReadOutcome {
        guard length > 0, length <= 65_535 else { throw WatchpostError(.usage, "read length \(length) is outside 1…65535") }
        var chunk = NovaStarRegister.defaultMaxPacket
        if length > chunk { chunk = try maximumPacket(destination: destination, deadline: deadline) }
        var out: [UInt8] = []
        out.reserveCapacity(length)
        var offset = 0
        while offset < length {
            let n = min(chunk, length - offset)
            let req = NovaStarFrame.read(serial: 0, destination: destination, device: device, port: port, board: board,
                                         address: address &+ UInt32(offset), length: n)
            let f = try exchangeRetryingChecksum(req, deadline: deadline)
            guard f.ack == 0 else { return .nack(NovaStarAck(f.ack)) }
            guard f.data.count == n else {
                throw WatchpostError(.protocolViolation, "the controller at \(endpoint) answered \(f.data.count) bytes to \(req.description)",
                                     hint: "a firmware or protocol mismatch; capture the traffic and report it")
            }
            out += f.data
            offset += n
        }
        return .data(out)
    }

    /// Reads and insists on data (a nack is an error naming the register).
    public func readData(device: DeviceType, destination: UInt8 = 0, port: UInt8 = 0, board: UInt16 = 0, address: UInt32, length: Int,
                         deadline: Instant) throws(WatchpostError) -> [UInt8] {
        switch try read(device: device, destination: destination, port: port, board: board, address: address, length: length, deadline: deadline) {
        case .data(let d): return d
        case .nack(let a):
            throw WatchpostError(.device, "the controller at \(endpoint) refused to read \(device.name) register 0x\(String(address, radix: 16)): \(a)")
        }
    }

    /// Writes `data` at `address`; the controller's acknowledgement may carry the data or not.
    public func write(device: DeviceType, destination: UInt8 = 0, port: UInt8 = 0xFF, board: UInt16 = 0xFFFF, address: UInt32, data: [UInt8],
                      deadline: Instant) throws(WatchpostError) {
        let req = NovaStarFrame.write(serial: 0, destination: destination, device: device, port: port, board: board, address: address, data: data)
        let f = try exchangeRetryingChecksum(req, deadline: deadline)
        guard f.ack == 0 else {
            throw WatchpostError(.device, "the controller at \(endpoint) refused the write to \(device.name) register 0x\(String(address, radix: 16)): \(NovaStarAck(f.ack))")
        }
    }

    /// The controller's maximum packet size: register 7 when register 6 reads 0xA8, else 256.
    func maximumPacket(destination: UInt8, deadline: Instant) throws(WatchpostError) -> Int {
        if let m = maxPacket { return m }
        var size = NovaStarRegister.defaultMaxPacket
        let flagReq = NovaStarFrame.read(serial: 0, destination: destination, device: .sendingCard, address: NovaStarRegister.maxPacketFlag, length: 1)
        let flag = try exchangeRetryingChecksum(flagReq, deadline: deadline)
        if flag.ack == 0, flag.data == [NovaStarRegister.maxPacketFlagValue] {
            let sizeReq = NovaStarFrame.read(serial: 0, destination: destination, device: .sendingCard, address: NovaStarRegister.maxPacketSize, length: 2)
            let s = try exchangeRetryingChecksum(sizeReq, deadline: deadline)
            if s.ack == 0, s.data.count == 2 {
                let v = Int(s.data[0]) | Int(s.data[1]) << 8
                if v >= 16 { size = min(v, 65_535 - NovaStarFrame.overhead) }
            }
        }
        maxPacket = size
        // Answers as large as the negotiated packet must not be mistaken for garbage.
        if size > decoder.maxDataLength {
            let old = decoder
            decoder = FrameDecoder(kind: .response, maxDataLength: size)
            counters.discardedBytes += old.discardedBytes
            counters.badChecksums += old.badChecksums
        }
        return size
    }
}

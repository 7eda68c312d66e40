// WatchpostLED owns the NovaStar LED controller probe: frame codec, TCP and serial transports,
// client, status, evaluation and responder actions.
//
// This file owns the wire format: one NovaStar frame (18-byte header, data, 2-byte checksum) and
// a streaming decoder that finds frames in a byte stream, skips garbage and never holds more
// than one maximal frame.

/// One NovaStar register frame, request (`55 AA`) or response (`AA 55`): 18 header bytes, the
/// data, and the checksum — 20 bytes without data.
public struct NovaStarFrame: Sendable, Hashable, CustomStringConvertible {
    public enum Kind: Sendable, Hashable { case request, response }
    public enum Direction: UInt8, Sendable, Hashable { case read = 0, write = 1 }

    public var kind: Kind
    /// 0 in requests; in responses 0 ok, 1 timeout (no such card), 2/3 checksum error, 4 unknown command.
    public var ack: UInt8
    public var serial: UInt8
    public var source: UInt8
    public var destination: UInt8
    public var deviceType: UInt8
    public var port: UInt8
    public var board: UInt16
    /// The raw direction byte (0 read, 1 write); kept raw so that any byte round-trips.
    public var directionByte: UInt8
    public var reserved: UInt8
    public var address: UInt32
    /// Bytes to read, or bytes written.
    public var length: UInt16
    /// Present in write requests and read responses; a write acknowledgement may carry it or not.
    public var data: [UInt8]

    /// Header bytes before the data (offsets 0–17).
    public static let fixedSize = 18
    /// Header plus checksum: the size of a frame without data.
    public static let overhead = 20
    public static let computer: UInt8 = 0xFE

    public init(kind: Kind, ack: UInt8 = 0, serial: UInt8, source: UInt8, destination: UInt8, deviceType: UInt8,
                port: UInt8, board: UInt16, direction: Direction, reserved: UInt8 = 0, address: UInt32, length: UInt16, data: [UInt8] = []) {
        self.kind = kind
        self.ack = ack
        self.serial = serial
        self.source = source
        self.destination = destination
        self.deviceType = deviceType
        self.port = port
        self.board = board
        self.directionByte = direction.rawValue
        self.reserved = reserved
        self.address = address
        self.length = length
        self.data = data
    }

    public var direction: Direction { directionByte == 1 ? .write : .read }

    /// A read request from the computer.
    public static func read(serial: UInt8, destination: UInt8 = 0, device: DeviceType, port: UInt8 = 0, board: UInt16 = 0,
                            address: UInt32, length: Int) -> NovaStarFrame {
        NovaStarFrame(kind: .request, serial: serial, source: computer, destination: destination, deviceType: device.rawValue,
                      port: port, board: board, direction: .read, address: address, length: UInt16(length))
    }

    /// A write request from the computer.
    public static func write(serial: UInt8, destination: UInt8 = 0, device: DeviceType, port: UInt8 = 0, board: UInt16 = 0,
                             address: UInt32, data: [UInt8]) -> NovaStarFrame {
        NovaStarFrame(kind: .request, serial: serial, source: computer, destination: destination, deviceType: device.rawValue,
                      port: port, board: board, direction: .write, address: address, length: UInt16(data.count), data: data)
    }

    /// The checksum over `bytes[2..<end]`: `(0x5555 + sum) & 0xFFFF`.
    public static func checksum<C: Collection>(_ bodyFromOffset2: C) -> UInt16 where C.Element == UInt8 {
        var sum: UInt32 = 0x5555
        for b in bodyFromOffset2 { sum &+= UInt32(b) }
        return UInt16(truncatingIfNeeded: sum)
    }

    /// The bytes on the wire; the checksum is always computed, never taken from anywhere.
    public func encoded() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(Self.overhead + data.count)
        out += kind == .request ? [0x55, 0xAA] : [0xAA, 0x55]
        out += [ack, serial, source, destination, deviceType, port, UInt8(board & 0xFF), UInt8(board >> 8), directionByte, reserved]
        out += [UInt8(address & 0xFF), UInt8((address >> 8) & 0xFF), UInt8((address >> 16) & 0xFF), UInt8(address >> 24)]
        out += [UInt8(length & 0xFF), UInt8(length >> 8)]
        out += data
        let sum = Self.checksum(out[2...])
        out += [UInt8(sum & 0xFF), UInt8(sum >> 8)]
        return out
    }

    /// The response a device gives to this request (used by the simulator and the tests).
    /// `data` is what a read returns; for a write, `echoData` chooses whether the ack carries the bytes.
    public func response(ack: UInt8 = 0, data: [UInt8] = [], echoData: Bool = false) -> NovaStarFrame {
        var r = self
        r.kind = .response
        r.ack = ack
        r.source = 0x00
        r.destination = Self.computer
        if direction == .write { r.data = echoData ? self.data : [] } else { r.data = ack == 0 ? data : [] }
        return r
    }

    public var description: String {
        let dir = direction == .write ? "write" : "read"
        let hex = String(address, radix: 16, uppercase: true)
        return "\(kind == .request ? "request" : "response") #\(serial) \(dir) \(DeviceType(rawValue: deviceType)?.name ?? "device \(deviceType)") port \(port) board \(board) 0x\(String(repeating: "0", count: max(0, 8 - hex.count)))\(hex) len \(length)\(kind == .response ? " ack \(ack)" : "")"
    }
}

public enum DeviceType: UInt8, Sendable, Hashable {
    case sendingCard = 0, receivingCard = 1, functionCard = 2
    public var name: String {
        switch self {
        case .sendingCard: return "sending card"
        case .receivingCard: return "receiving card"
        case .functionCard: return "function card"
        }
    }
}

/// The response ack byte.
public enum NovaStarAck: Sendable, Hashable, CustomStringConvertible {
    case ok, timeout, requestChecksum, responseChecksum, unknownCommand, other(UInt8)
    public init(_ b: UInt8) {
        switch b {
        case 0: self = .ok
        case 1: self = .timeout
        case 2: self = .requestChecksum
        case 3: self = .responseChecksum
        case 4: self = .unknownCommand
        default: self = .other(b)
        }
    }
    public var description: String {
        switch self {
        case .ok: return "ok"
        case .timeout: return "timeout (no such card)"
        case .requestChecksum: return "checksum error in the request"
        case .responseChecksum: return "checksum error in the acknowledgement"
        case .unknownCommand: return "unknown command"
        case .other(let b): return "ack code \(b)"
        }
    }
}

/// Finds frames in a byte stream. Garbage before a header, frames with a bad checksum and
/// impossible lengths are skipped byte by byte until the next header (resynchronisation). The
/// buffer never holds more than one maximal frame plus one read's worth of bytes.
public struct FrameDecoder: Sendable {
    public let kind: NovaStarFrame.Kind
    /// Larger announced lengths are treated as garbage (a real device never sends them).
    public let maxDataLength: Int
    private var buffer: [UInt8] = []
    private var start = 0
    /// Counters for diagnostics and the tests.
    public private(set) var discardedBytes = 0
    public private(set) var badChecksums = 0

    public init(kind: NovaStarFrame.Kind = .response, maxDataLength: Int = 4096) {
        self.kind = kind
        self.maxDataLength = max(0, min(maxDataLength, Int(UInt16.max)))
    }

    public var bufferedCount: Int { buffer.count - start }
    public var capacityLimit: Int { NovaStarFrame.overhead + maxDataLength }

    public mutating func reset() { buffer.removeAll(keepingCapacity: true); start = 0 }

    public mutating func append<C: Collection>(_ bytes: C) where C.Element == UInt8 {
        if start > 0 && (start > 4096 || start * 2 > buffer.count) {
            buffer.removeSubrange(0..<start)
            start = 0
        }
        buffer.append(contentsOf: bytes)
    }

    private var header: (UInt8, UInt8) { kind == .request ? (0x55, 0xAA) : (0xAA, 0x55) }

    private mutating func skip(_ n: Int) {
        start += n
        discardedBytes += n
    }

    /// The next complete frame, or nil when more bytes are needed. `pendingWrite` says that the
    /// caller waits for a write acknowledgement, which may come without its data bytes.
    public mutating func next(pendingWrite: Bool = false) -> NovaStarFrame? {
        let (h0, h1) = header
        outer: while true {
            // Find the header; keep a trailing first header byte, drop everything else.
            var i = start
            let end = buffer.count
            while i + 1 < end && !(buffer[i] == h0 && buffer[i + 1] == h1) { i += 1 }
            if i + 1 >= end {
                let keep = (i < end && buffer[i] == h0) ? 1 : 0
                skip(end - start - keep)
                if keep == 0 { reset() }
                return nil
            }
            if i > start { skip(i - start) }
            switch evaluate(at: start, pendingWrite: pendingWrite) {
            case .frame(let size):
                return take(size)
            case .invalid:
                badChecksums += 1
                skip(1)
            case .needMore:
                // A complete, valid frame further on means this header was garbage (a truncated
                // frame, noise that happens to contain the header bytes): resynchronise on it.
                var j = start + 1
                while j + 1 < end {
                    if buffer[j] == h0 && buffer[j + 1] == h1, case .frame = evaluate(at: j, pendingWrite: pendingWrite) {
                        badChecksums += 1
                        skip(j - start)
                        continue outer
                    }
                    j += 1
                }
                return nil
            }
        }
    }

    private enum Verdict { case frame(Int), needMore, invalid }

    /// Judges the header at `p`: a complete valid frame (and its size), incomplete, or invalid.
    private func evaluate(at p: Int, pendingWrite: Bool) -> Verdict {
        let avail = buffer.count - p
        if avail < NovaStarFrame.fixedSize { return .needMore }
        let length = Int(buffer[p + 16]) | Int(buffer[p + 17]) << 8
        if length > maxDataLength { return .invalid }
        let isWrite = buffer[p + 10] == 1
        let ack = buffer[p + 2]
        let long = NovaStarFrame.overhead + length, short = NovaStarFrame.overhead
        let sizes: [Int]
        if kind == .request {
            // Read requests carry no data; write requests carry `length` bytes.
            sizes = [isWrite ? long : short]
        } else if length == 0 {
            sizes = [short]
        } else if isWrite || pendingWrite || ack != 0 {
            // Write acks and error acks may come without their data: the short form first.
            sizes = [short, long]
        } else {
            // A successful read answer carries its data; wait for it before trying the short form.
            sizes = [long, short]
        }
        for size in sizes {
            if avail < size { return .needMore }
            let sum = NovaStarFrame.checksum(buffer[(p + 2)..<(p + size - 2)])
            if buffer[p + size - 2] == UInt8(sum & 0xFF) && buffer[p + size - 1] == UInt8(sum >> 8) { return .frame(size) }
        }
        return .invalid
    }

    private mutating func take(_ size: Int) -> NovaStarFrame {
        let b = buffer
        let s = start
        let length = UInt16(b[s + 16]) | UInt16(b[s + 17]) << 8
        let dataCount = size - NovaStarFrame.overhead
        var f = NovaStarFrame(kind: kind, ack: b[s + 2], serial: b[s + 3], source: b[s + 4], destination: b[s + 5], deviceType: b[s + 6],
                              port: b[s + 7], board: UInt16(b[s + 8]) | UInt16(b[s + 9]) << 8, direction: .read, reserved: b[s + 11],
                              address: UInt32(b[s + 12]) | UInt32(b[s + 13]) << 8 | UInt32(b[s + 14]) << 16 | UInt32(b[s + 15]) << 24,
                              length: length, data: Array(b[(s + 18)..<(s + 18 + dataCount)]))
        f.directionByte = b[s + 10]
        start += size
        if start == buffer.count { reset() }
        return f
    }
}

// The libusb-backed transports of the power drivers: HID class requests for HID Power Devices,
// and the Cypress-style HID→serial bridge that Megatec Q1 units sit behind (0665:5161).
// All transfers run on one dedicated "usb" thread (never on the shared task threads).
import WatchpostCore
import USB
import Posix

/// One thread for every USB transfer of the power probes. UPSes are few and their transfers short
/// (≤ 1 s timeouts), so serialising them is cheaper than a thread per device.
let usbExecutor = DedicatedThreadExecutor(name: "usb")

extension USBError {
    var watchpostError: WatchpostError {
        let code: WatchpostError.Code
        switch kind {
        case .timeout: code = .timeout
        case .accessDenied: code = .permission
        case .notFound: code = .notFound
        default: code = .device
        }
        return WatchpostError(code, "USB \(description)", hint: hint)
    }
}

func usbCall<T>(_ body: () async throws(USBError) -> T) async throws(WatchpostError) -> T {
    do { return try await body() } catch { throw error.watchpostError }
}

/// HID over libusb: HID class requests on interface 0, reports on the interrupt-IN endpoint.
public final class USBHIDTransport: HIDTransport {
    let device: USBDevice
    public let vendorID: UInt16
    public let productID: UInt16
    public let hasInterruptEndpoint: Bool
    /// NUT uses 5 s for control transfers.
    static let controlTimeout: UInt32 = 5000

    init(device: USBDevice) {
        self.device = device
        vendorID = device.summary.vendorID
        productID = device.summary.productID
        hasInterruptEndpoint = device.interruptInEndpoint != nil
    }

    public static func open(_ match: USBMatch) async throws(WatchpostError) -> USBHIDTransport {
        let d = try await usbCall { () async throws(USBError) in try await USBDevice.open(match, executor: usbExecutor) }
        return USBHIDTransport(device: d)
    }

    public func deviceStrings() async -> (manufacturer: String?, product: String?, serial: String?) {
        (device.strings.manufacturer, device.strings.product, device.strings.serial)
    }

    public func reportDescriptor() async throws -> [UInt8] {
        let d = device
        return try await usbCall { () async throws(USBError) in
            // GET_DESCRIPTOR(HID) gives the report descriptor's length in bytes 7–8.
            let hid = try await d.controlIn(requestType: 0x81, request: 0x06, value: 0x2100, index: 0, length: 9,
                                            timeoutMilliseconds: Self.controlTimeout, operation: "GET_DESCRIPTOR HID")
            var length = 4096
            if hid.count >= 9 { length = Int(hid[7]) | Int(hid[8]) << 8 }
            return try await d.controlIn(requestType: 0x81, request: 0x06, value: 0x2200, index: 0, length: length,
                                         timeoutMilliseconds: Self.controlTimeout, operation: "GET_DESCRIPTOR report (\(length) bytes)")
        }
    }

    public func getFeatureReport(id: UInt8, length: Int) async throws -> [UInt8] {
        let d = device
        return try await usbCall { () async throws(USBError) in
            try await d.controlIn(requestType: 0xA1, request: 0x01, value: 0x0300 | UInt16(id), index: 0, length: max(length, 1),
                                  timeoutMilliseconds: Self.controlTimeout, operation: "GET_REPORT feature 0x\(String(id, radix: 16))")
        }
    }

    public func readInterrupt(timeoutMilliseconds: UInt32) async throws -> [UInt8]? {
        let d = device
        return try await usbCall { () async throws(USBError) in try await d.interruptRead(timeoutMilliseconds: timeoutMilliseconds) }
    }

    public func close() async { await device.close() }
}

/// A byte pipe to a Megatec unit: send a command, read the reply up to `\r`.
public protocol Q1Transport: Sendable {
    /// Sends `command` (without the `\r`) and returns the reply's bytes as they came, without
    /// the `\r` (bytes, not text: a garbled reply is logged byte for byte).
    func query(_ command: String, timeoutMilliseconds: Int) async throws -> [UInt8]
    func identity() async -> [String: String]
    func close() async
}

/// The Cypress-style bridge (NUT's nutdrv_qx `cypress` subdriver): the command goes out as
/// SET_REPORT(output, id 0) in 8-byte zero-padded chunks; the reply comes back as 8-byte
/// interrupt-IN packets until `\r`.
public final class CypressQ1Transport: Q1Transport {
    let device: USBDevice

    init(device: USBDevice) { self.device = device }

    public static func open(_ match: USBMatch) async throws(WatchpostError) -> CypressQ1Transport {
        let d = try await usbCall { () async throws(USBError) in try await USBDevice.open(match, executor: usbExecutor) }
        return CypressQ1Transport(device: d)
    }

    public func identity() async -> [String: String] {
        var out = ["ups.vendorid": hex4(device.summary.vendorID), "ups.productid": hex4(device.summary.productID)]
        if let m = device.strings.manufacturer { out["device.mfr"] = m }
        if let p = device.strings.product { out["device.model"] = p }
        return out
    }

    public func query(_ command: String, timeoutMilliseconds: Int) async throws -> [UInt8] {
        let d = device
        var bytes = Array((command + "\r").utf8)
        while bytes.count % 8 != 0 { bytes.append(0) }
        let chunks = stride(from: 0, to: bytes.count, by: 8).map { Array(bytes[$0..<$0 + 8]) }
        return try await usbCall { () async throws(USBError) in
            for chunk in chunks {
                try await d.controlOut(requestType: 0x21, request: 0x09, value: 0x0200, index: 0, data: chunk,
                                       timeoutMilliseconds: 5000, operation: "SET_REPORT \(command)")
            }
            var reply: [UInt8] = []
            let started = monotonicNanoseconds()
            while reply.count < 256 {
                let elapsed = Int((monotonicNanoseconds() - started) / 1_000_000)
                let left = timeoutMilliseconds - elapsed
                if left <= 0 { throw USBError(.timeout, operation: "reply to \(command)") }
                guard let packet = try await d.interruptRead(timeoutMilliseconds: UInt32(min(left, 1000)), length: 8) else { continue }
                if let cr = packet.firstIndex(of: 0x0D) {
                    reply += packet[..<cr]
                    return reply
                }
                reply += packet
            }
            throw USBError(.overflow, operation: "reply to \(command) (no \\r within 256 bytes)")
        }
    }

    public func close() async { await device.close() }
}

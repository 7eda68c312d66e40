// USB is the one module that touches libusb-1.0: device discovery by vendor/product/serial,
// interface claiming (detaching a kernel driver), control and interrupt transfers with timeouts,
// string descriptors, and typed errors. No libusb type leaves this file.
//
// Every libusb call here may block (a transfer waits up to its timeout), so a `USBDevice` is an
// actor whose executor is a dedicated thread handed in by its owner: the daemon's two shared task
// threads are never held by a USB transfer.
import CLibUSB
import Synchronization

/// A failed libusb operation, with what the person reading it should check.
public struct USBError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Kind: Sendable, Hashable {
        /// No device matches the requested vendor/product/serial.
        case notFound
        /// The device went away (unplugged, reset) while it was being used.
        case noDevice
        case timeout
        case accessDenied
        case busy
        /// The device stalled the request (it does not support it).
        case pipe
        case overflow
        case io
        case other
    }

    public let kind: Kind
    /// What was being done, e.g. "GET_REPORT feature 0x0c".
    public let operation: String
    /// libusb's error code (0 when the error is not libusb's own).
    public let code: Int32

    public init(_ kind: Kind, operation: String, code: Int32 = 0) {
        self.kind = kind
        self.operation = operation
        self.code = code
    }

    init(code: Int32, operation: String) {
        let kind: Kind
        switch code {
        case LIBUSB_ERROR_NO_DEVICE.rawValue: kind = .noDevice
        case LIBUSB_ERROR_NOT_FOUND.rawValue: kind = .notFound
        case LIBUSB_ERROR_TIMEOUT.rawValue: kind = .timeout
        case LIBUSB_ERROR_ACCESS.rawValue: kind = .accessDenied
        case LIBUSB_ERROR_BUSY.rawValue: kind = .busy
        case LIBUSB_ERROR_PIPE.rawValue: kind = .pipe
        case LIBUSB_ERROR_OVERFLOW.rawValue: kind = .overflow
        case LIBUSB_ERROR_IO.rawValue: kind = .io
        default: kind = .other
        }
        self.init(kind, operation: operation, code: code)
    }

    public var libusbName: String { code == 0 ? "" : String(cString: libusb_error_name(code)) }

    /// What to check, in a technician's words.
    public var hint: String {
        switch kind {
        case .notFound: return "check the USB cable and `lsusb`; the vendor/product ids must match the UPS"
        case .noDevice: return "the UPS was unplugged or reset; it is retried on the next poll"
        case .timeout: return "the UPS did not answer in time; check the cable, or a hub that drops power"
        case .accessDenied: return "no permission on /dev/bus/usb: run as root or add a udev rule for the UPS"
        case .busy: return "another program (NUT's usbhid-ups, apcupsd) holds the UPS; stop it or read the UPS through NUT (kind ups-nut)"
        case .pipe: return "the UPS refused the request (stall); it may not support it"
        case .overflow: return "the UPS sent more data than asked for"
        case .io, .other: return "USB input/output error; check the cable"
        }
    }

    public var description: String {
        let name = libusbName.isEmpty ? "" : " (\(libusbName))"
        return "\(operation): \(kind)\(name)"
    }
}

/// What identifies a device on the bus, read without opening it.
/// The linked libusb's version ("1.0.26"), asked at run time (libusb_get_version).
public enum LibUSB {
    public static var libraryVersion: String {
        guard let v = libusb_get_version() else { return "unknown" }
        return "\(v.pointee.major).\(v.pointee.minor).\(v.pointee.micro)"
    }
}

public struct USBDeviceSummary: Sendable, Hashable {
    public var vendorID: UInt16
    public var productID: UInt16
    public var bus: UInt8
    public var address: UInt8
}

/// Which device to open. `serial` picks one of several identical UPSes.
public struct USBMatch: Sendable, Hashable, CustomStringConvertible {
    public var vendorID: UInt16
    public var productID: UInt16
    public var serial: String?

    public init(vendorID: UInt16, productID: UInt16, serial: String? = nil) {
        self.vendorID = vendorID
        self.productID = productID
        self.serial = serial
    }

    public var description: String {
        let ids = hex4(vendorID) + ":" + hex4(productID)
        return serial.map { "\(ids) serial \($0)" } ?? ids
    }
}

func hex4(_ v: UInt16) -> String {
    let s = String(v, radix: 16)
    return String(repeating: "0", count: max(0, 4 - s.count)) + s
}

/// The strings a device names itself with (from its device descriptor's string indexes).
public struct USBDeviceStrings: Sendable, Hashable {
    public var manufacturer: String?
    public var product: String?
    public var serial: String?
}

/// An open, claimed USB device. All calls run on the dedicated thread given at `open`.
public actor USBDevice {
    private let executor: any SerialExecutor
    public nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }

    // Owned by this actor; touched only from its executor.
    private let resources: LibUSBResources
    private var handle: OpaquePointer? { resources.handle }
    public nonisolated let match: USBMatch
    public nonisolated let summary: USBDeviceSummary
    public nonisolated let strings: USBDeviceStrings
    /// The interrupt-IN endpoint of the claimed interface (0x81 on UPSes), if it has one.
    public nonisolated let interruptInEndpoint: UInt8?
    public nonisolated let interruptPacketSize: Int

    private init(executor: any SerialExecutor, resources: LibUSBResources, match: USBMatch,
                 summary: USBDeviceSummary, strings: USBDeviceStrings, endpoint: UInt8?, packetSize: Int) {
        self.executor = executor
        self.resources = resources
        self.match = match
        self.summary = summary
        self.strings = strings
        self.interruptInEndpoint = endpoint
        self.interruptPacketSize = packetSize
    }

    /// Finds the device and claims `interface` (detaching a kernel driver such as usbhid).
    /// Blocking: it runs on `executor`'s thread.
    public static func open(_ match: USBMatch, interface: Int = 0, executor: some SerialExecutor) async throws(USBError) -> USBDevice {
        let opener = Opener(executor: executor)
        do {
            return try await opener.open(match, interface: Int32(interface))
        } catch let e as USBError {
            throw e
        } catch {
            throw USBError(.other, operation: "open \(match)")
        }
    }

    /// Lists devices with the given vendor (and product) id, for diagnostics.
    public static func list(vendorID: UInt16? = nil, productID: UInt16? = nil, executor: some SerialExecutor) async throws(USBError) -> [USBDeviceSummary] {
        let opener = Opener(executor: executor)
        do { return try await opener.list(vendorID: vendorID, productID: productID) } catch let e as USBError { throw e } catch {
            throw USBError(.other, operation: "list devices")
        }
    }

    fileprivate static func make(executor: any SerialExecutor, match: USBMatch, interface: Int32) throws(USBError) -> USBDevice {
        var ctx: OpaquePointer?
        let rc = libusb_init(&ctx)
        guard rc == 0, let ctx else { throw USBError(code: rc, operation: "libusb_init") }
        var list: UnsafeMutablePointer<OpaquePointer?>?
        let n = libusb_get_device_list(ctx, &list)
        guard n >= 0, let list else { libusb_exit(ctx); throw USBError(code: Int32(n), operation: "list USB devices") }
        defer { libusb_free_device_list(list, 1) }

        var lastError: USBError?
        var sawCandidate = false
        for i in 0..<Int(n) {
            guard let dev = list[i] else { continue }
            var desc = libusb_device_descriptor()
            guard libusb_get_device_descriptor(dev, &desc) == 0,
                  desc.idVendor == match.vendorID, desc.idProduct == match.productID else { continue }
            sawCandidate = true
            var h: OpaquePointer?
            let orc = libusb_open(dev, &h)
            guard orc == 0, let h else { lastError = USBError(code: orc, operation: "open \(match)"); continue }
            let strings = USBDeviceStrings(manufacturer: readString(h, desc.iManufacturer),
                                           product: readString(h, desc.iProduct),
                                           serial: readString(h, desc.iSerialNumber))
            if let want = match.serial, strings.serial?.trimmedSpaces != want.trimmedSpaces {
                libusb_close(h)
                continue
            }
            // Linux binds usbhid to UPSes; libusb detaches it for the claim and re-attaches it at release.
            _ = libusb_set_auto_detach_kernel_driver(h, 1)
            let crc = libusb_claim_interface(h, interface)
            if crc != 0 {
                libusb_close(h)
                lastError = USBError(code: crc, operation: "claim interface \(interface) of \(match)")
                continue
            }
            let (endpoint, size) = interruptIn(dev, interface: interface)
            let summary = USBDeviceSummary(vendorID: desc.idVendor, productID: desc.idProduct,
                                           bus: libusb_get_bus_number(dev), address: libusb_get_device_address(dev))
            let resources = LibUSBResources(context: ctx, handle: h, interface: interface)
            return USBDevice(executor: executor, resources: resources, match: match,
                             summary: summary, strings: strings, endpoint: endpoint, packetSize: size)
        }
        libusb_exit(ctx)
        if let lastError { throw lastError }
        throw USBError(.notFound, operation: sawCandidate ? "find \(match) (no device has that serial)" : "find \(match)")
    }

    fileprivate static func listNow(vendorID: UInt16?, productID: UInt16?) throws(USBError) -> [USBDeviceSummary] {
        var ctx: OpaquePointer?
        let rc = libusb_init(&ctx)
        guard rc == 0, let ctx else { throw USBError(code: rc, operation: "libusb_init") }
        defer { libusb_exit(ctx) }
        var list: UnsafeMutablePointer<OpaquePointer?>?
        let n = libusb_get_device_list(ctx, &list)
        guard n >= 0, let list else { throw USBError(code: Int32(n), operation: "list USB devices") }
        defer { libusb_free_device_list(list, 1) }
        var out: [USBDeviceSummary] = []
        for i in 0..<Int(n) {
            guard let dev = list[i] else { continue }
            var desc = libusb_device_descriptor()
            guard libusb_get_device_descriptor(dev, &desc) == 0 else { continue }
            if let vendorID, desc.idVendor != vendorID { continue }
            if let productID, desc.idProduct != productID { continue }
            out.append(USBDeviceSummary(vendorID: desc.idVendor, productID: desc.idProduct,
                                        bus: libusb_get_bus_number(dev), address: libusb_get_device_address(dev)))
        }
        return out
    }

    private static func readString(_ h: OpaquePointer, _ index: UInt8) -> String? {
        guard index != 0 else { return nil }
        var buf = [UInt8](repeating: 0, count: 256)
        let n = buf.withUnsafeMutableBufferPointer { libusb_get_string_descriptor_ascii(h, index, $0.baseAddress, Int32($0.count)) }
        guard n > 0 else { return nil }
        let s = String(decoding: buf[0..<Int(n)], as: UTF8.self).trimmedSpaces
        return s.isEmpty ? nil : s
    }

    /// The first interrupt-IN endpoint of the interface's first alternate setting.
    private static func interruptIn(_ dev: OpaquePointer, interface: Int32) -> (UInt8?, Int) {
        var config: UnsafeMutablePointer<libusb_config_descriptor>?
        guard libusb_get_active_config_descriptor(dev, &config) == 0, let config else { return (nil, 8) }
        defer { libusb_free_config_descriptor(config) }
        let c = config.pointee
        for i in 0..<Int(c.bNumInterfaces) {
            let iface = c.interface[i]
            guard iface.num_altsetting > 0 else { continue }
            let alt = iface.altsetting[0]
            guard Int32(alt.bInterfaceNumber) == interface else { continue }
            for e in 0..<Int(alt.bNumEndpoints) {
                let ep = alt.endpoint[e]
                let isIn = ep.bEndpointAddress & 0x80 != 0
                let isInterrupt = ep.bmAttributes & 0x03 == UInt8(LIBUSB_TRANSFER_TYPE_INTERRUPT.rawValue)
                if isIn && isInterrupt { return (ep.bEndpointAddress, max(1, Int(ep.wMaxPacketSize))) }
            }
        }
        return (nil, 8)
    }

    /// A control transfer reading up to `length` bytes (bmRequestType has the IN bit set).
    public func controlIn(requestType: UInt8, request: UInt8, value: UInt16, index: UInt16, length: Int,
                          timeoutMilliseconds: UInt32, operation: String) throws(USBError) -> [UInt8] {
        guard let handle else { throw USBError(.noDevice, operation: operation) }
        var buf = [UInt8](repeating: 0, count: max(0, min(length, 4096)))
        let n = buf.withUnsafeMutableBufferPointer {
            libusb_control_transfer(handle, requestType, request, value, index, $0.baseAddress, UInt16($0.count), timeoutMilliseconds)
        }
        if n < 0 { throw USBError(code: n, operation: operation) }
        return Array(buf[0..<Int(n)])
    }

    /// A control transfer sending `data` (bmRequestType without the IN bit). Returns bytes sent.
    @discardableResult
    public func controlOut(requestType: UInt8, request: UInt8, value: UInt16, index: UInt16, data: [UInt8],
                           timeoutMilliseconds: UInt32, operation: String) throws(USBError) -> Int {
        guard let handle else { throw USBError(.noDevice, operation: operation) }
        var buf = data
        let n = buf.withUnsafeMutableBufferPointer {
            libusb_control_transfer(handle, requestType, request, value, index, $0.baseAddress, UInt16($0.count), timeoutMilliseconds)
        }
        if n < 0 { throw USBError(code: n, operation: operation) }
        return Int(n)
    }

    /// Reads one interrupt-IN packet; nil when nothing arrived within the timeout.
    public func interruptRead(timeoutMilliseconds: UInt32, length: Int? = nil) throws(USBError) -> [UInt8]? {
        guard let handle else { throw USBError(.noDevice, operation: "interrupt read") }
        guard let ep = interruptInEndpoint else { throw USBError(.notFound, operation: "interrupt read (the interface has no interrupt-IN endpoint)") }
        var buf = [UInt8](repeating: 0, count: length ?? max(interruptPacketSize, 8))
        var got: Int32 = 0
        let rc = buf.withUnsafeMutableBufferPointer {
            libusb_interrupt_transfer(handle, ep, $0.baseAddress, Int32($0.count), &got, timeoutMilliseconds)
        }
        if rc == LIBUSB_ERROR_TIMEOUT.rawValue && got == 0 { return nil }
        if rc != 0 && got == 0 { throw USBError(code: rc, operation: "interrupt read on endpoint 0x\(String(ep, radix: 16))") }
        return Array(buf[0..<Int(got)])
    }

    /// Releases the interface (the kernel driver comes back) and closes the device. Idempotent.
    public func close() { resources.release() }

    public var isOpen: Bool { handle != nil }
}

/// The libusb context and handle of one `USBDevice`.
///
/// `@unchecked Sendable` is safe: an instance is created for exactly one `USBDevice` actor and
/// its pointers are read and released only by that actor's methods (serialised on its executor)
/// or by `deinit`, which runs when no reference — hence no concurrent use — is left.
final class LibUSBResources: @unchecked Sendable {
    private(set) var context: OpaquePointer?
    private(set) var handle: OpaquePointer?
    let interface: Int32

    init(context: OpaquePointer, handle: OpaquePointer, interface: Int32) {
        self.context = context
        self.handle = handle
        self.interface = interface
    }

    func release() {
        if let handle {
            libusb_release_interface(handle, interface)
            libusb_close(handle)
        }
        if let context { libusb_exit(context) }
        handle = nil
        context = nil
    }

    deinit { release() }
}

/// Runs discovery on the caller's dedicated executor (libusb_open and string reads block).
private actor Opener {
    let executor: any SerialExecutor
    nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }
    init(executor: any SerialExecutor) { self.executor = executor }

    func open(_ match: USBMatch, interface: Int32) throws -> USBDevice {
        try USBDevice.make(executor: executor, match: match, interface: interface)
    }

    func list(vendorID: UInt16?, productID: UInt16?) throws -> [USBDeviceSummary] {
        try USBDevice.listNow(vendorID: vendorID, productID: productID)
    }
}

extension String {
    var trimmedSpaces: String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\0" || f == "\t" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\0" || l == "\t" { s = s.dropLast() }
        return String(s)
    }
}

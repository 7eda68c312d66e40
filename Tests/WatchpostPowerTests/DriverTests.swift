import Testing
import WatchpostTestSupport
import Synchronization
import WatchpostCore
@testable import WatchpostPower

/// A HID device held in memory: feature reports built from a descriptor and a value per usage.
final class MemoryHIDDevice: HIDTransport {
    let descriptor: [UInt8]
    let parsed: HIDReportDescriptor
    let state = Mutex<[HIDUsage: Int64]>([:])
    let queued = Mutex<[[UInt8]]>([])
    let gone = Mutex(false)
    let vendorID: UInt16 = 0x0764
    let productID: UInt16 = 0x0501
    let hasInterruptEndpoint = true

    init(descriptor: [UInt8]) {
        self.descriptor = descriptor
        parsed = HIDReportDescriptor.parse(descriptor)
    }

    func set(_ usage: HIDUsage, _ raw: Int64) { state.withLock { $0[usage] = raw } }

    func report(_ kind: HIDReportKind, _ id: UInt8) -> [UInt8] {
        var data = [UInt8](repeating: 0, count: parsed.reportLength(kind: kind, reportID: id))
        let values = state.withLock { $0 }
        for f in parsed.fields(kind: kind, reportID: id) { if let v = values[f.usage] { f.write(raw: v, into: &data) } }
        return [id] + data
    }

    func deviceStrings() async -> (manufacturer: String?, product: String?, serial: String?) { ("CPS", "CP1500AVRLCDa", "CXEJX2003678") }
    func reportDescriptor() async throws -> [UInt8] { descriptor }
    func getFeatureReport(id: UInt8, length: Int) async throws -> [UInt8] {
        if gone.withLock({ $0 }) { throw WatchpostError(.device, "USB GET_REPORT: noDevice") }
        return report(.feature, id)
    }
    func readInterrupt(timeoutMilliseconds: UInt32) async throws -> [UInt8]? {
        queued.withLock { $0.isEmpty ? nil : $0.removeFirst() }
    }
    func close() async {}
}

/// A MemoryHIDDevice whose feature reports can come back cut to a length (NUT #2742).
final class ShortReportHIDDevice: HIDTransport {
    let inner: MemoryHIDDevice
    let truncate = Mutex<[UInt8: Int]>([:])
    func setGone(_ gone: Bool) { inner.gone.withLock { $0 = gone } }
    var vendorID: UInt16 { inner.vendorID }
    var productID: UInt16 { inner.productID }
    var hasInterruptEndpoint: Bool { inner.hasInterruptEndpoint }

    init(descriptor: [UInt8]) { inner = MemoryHIDDevice(descriptor: descriptor) }
    func set(_ usage: HIDUsage, _ raw: Int64) { inner.set(usage, raw) }
    func deviceStrings() async -> (manufacturer: String?, product: String?, serial: String?) { await inner.deviceStrings() }
    func reportDescriptor() async throws -> [UInt8] { try await inner.reportDescriptor() }
    func getFeatureReport(id: UInt8, length: Int) async throws -> [UInt8] {
        let full = try await inner.getFeatureReport(id: id, length: length)
        guard let n = truncate.withLock({ $0[id] }) else { return full }
        return Array(full.prefix(n))
    }
    func readInterrupt(timeoutMilliseconds: UInt32) async throws -> [UInt8]? { try await inner.readInterrupt(timeoutMilliseconds: timeoutMilliseconds) }
    func close() async {}
}

let acPresent = HIDUsage(page: 0x85, id: 0xD0), charging = HIDUsage(page: 0x85, id: 0x44), discharging = HIDUsage(page: 0x85, id: 0x45)
let belowLimit = HIDUsage(page: 0x85, id: 0x42), shutdownImminent = HIDUsage(page: 0x84, id: 0x69)
let remaining = HIDUsage(page: 0x85, id: 0x66), runTime = HIDUsage(page: 0x85, id: 0x68), batteryPresent = HIDUsage(page: 0x85, id: 0xD1)

@Suite("HID Power Device driver")
struct HIDDriverTests {
    @Test func readsNUTVariablesFromFeatureReports() async throws {
        let dev = MemoryHIDDevice(descriptor: Fixtures.rp2040UPS)
        dev.set(acPresent, 1); dev.set(charging, 1); dev.set(batteryPresent, 1)
        dev.set(remaining, 97); dev.set(runTime, 2400)
        let driver = HIDPowerDriver { dev }
        let r = try await driver.initialize()
        expectEqual(r["battery.charge"], "97")
        expectEqual(r["battery.runtime"], "2400")
        expectEqual(r["ups.status"], "OL CHRG")
        #expect(r["ups.mfr"] == "CPS" && r["ups.model"] == "CP1500AVRLCDa" && r["ups.serial"] == "CXEJX2003678")
        expectEqual(r["ups.vendorid"], "0764")

        dev.set(acPresent, 0); dev.set(charging, 0); dev.set(discharging, 1); dev.set(remaining, 15); dev.set(belowLimit, 1)
        let quick = try await driver.update(full: false)
        expectEqual(quick["ups.status"], "OB DISCHRG LB")
        expectEqual(quick["battery.charge"], "15") // a quick poll reads status, charge and runtime
        dev.set(HIDUsage(page: 0x84, id: 0x30), 1)
    }

    @Test func appliesInterruptReports() async throws {
        let dev = MemoryHIDDevice(descriptor: Fixtures.rp2040UPS)
        dev.set(acPresent, 1); dev.set(batteryPresent, 1)
        let driver = HIDPowerDriver { dev }
        _ = try await driver.initialize()
        // The device announces low charge on the interrupt pipe (input report 0x0c); the pipe is
        // drained at a full refresh (a quick poll reads the status report only, as NUT's pollonly).
        dev.set(remaining, 9)
        dev.queued.withLock { $0.append(dev.report(.input, 0x0c)) }
        let r = try await driver.update(full: true)
        expectEqual(r["battery.charge"], "9")
    }

    @Test func quickPollOnMainsReadsTheStatusOnlyAndOnBatteryAlsoChargeAndRuntime() async throws {
        let dev = MemoryHIDDevice(descriptor: Fixtures.rp2040UPS)
        dev.set(acPresent, 1); dev.set(batteryPresent, 1); dev.set(remaining, 100); dev.set(runTime, 2400)
        let driver = HIDPowerDriver { dev }
        _ = try await driver.initialize()
        expectEqual(HIDPowerMap(HIDReportDescriptor.parse(Fixtures.rp2040UPS)).featureReports(full: false, onBattery: false), [0x07])
        dev.set(remaining, 99)
        let online = try await driver.update(full: false)
        expectEqual(online["battery.charge"], "100") // as of the last full refresh
        // Mains lost: the same quick poll sees it in the status report and reads charge and runtime at once.
        dev.set(acPresent, 0); dev.set(discharging, 1); dev.set(remaining, 40); dev.set(runTime, 170)
        let onBattery = try await driver.update(full: false)
        expectEqual(onBattery["ups.status"], "OB DISCHRG")
        #expect(onBattery["battery.charge"] == "40" && onBattery["battery.runtime"] == "170")
    }

    @Test func shortFeatureReportForgetsItsValuesAndNamesTheBytes() async throws {
        let dev = ShortReportHIDDevice(descriptor: Fixtures.rp2040UPS)
        dev.set(acPresent, 1); dev.set(batteryPresent, 1); dev.set(remaining, 97); dev.set(runTime, 2400)
        let driver = HIDPowerDriver { dev }
        let first = try await driver.initialize()
        #expect(first["battery.runtime"] == "2400" && first["watchpost.short_reports"] == nil)
        // The runtime report (0x0d, 3 bytes) now comes back with its id byte only.
        dev.truncate.withLock { $0[0x0d] = 1 }
        let r = try await driver.update(full: true)
        #expect(r["battery.runtime"] == nil) // unknown now, not the 2400 from before
        expectEqual(r["battery.charge"], "97")
        expectEqual(r["watchpost.short_reports"], "0xd: expected 3 bytes, got 1 (0d)")
    }

    @Test func reopenedDeviceStartsFromNothing() async throws {
        let dev = ShortReportHIDDevice(descriptor: Fixtures.rp2040UPS)
        dev.set(acPresent, 1); dev.set(batteryPresent, 1); dev.set(remaining, 97); dev.set(runTime, 2400)
        let driver = HIDPowerDriver { dev }
        _ = try await driver.initialize()
        // Unplugged, and back with a runtime report that answers nothing: no runtime, not the old one.
        dev.setGone(true)
        await #expect(throws: WatchpostError.self) { _ = try await driver.update(full: false) }
        dev.setGone(false)
        dev.truncate.withLock { $0[0x0d] = 0 }
        let r = try await driver.update(full: false)
        #expect(r["ups.status"] == "OL" && r["battery.charge"] == "97")
        #expect(r["battery.runtime"] == nil)
    }

    @Test func deviceGoneIsAnErrorAndReconnects() async throws {
        let dev = MemoryHIDDevice(descriptor: Fixtures.rp2040UPS)
        dev.set(acPresent, 1); dev.set(batteryPresent, 1)
        let opened = Mutex(0)
        let driver = HIDPowerDriver { opened.withLock { $0 += 1 }; return dev }
        _ = try await driver.initialize()
        dev.gone.withLock { $0 = true }
        await #expect(throws: WatchpostError.self) { _ = try await driver.update(full: false) }
        dev.gone.withLock { $0 = false }
        let r = try await driver.update(full: false)
        expectEqual(r["ups.status"], "OL")
        expectEqual(opened.withLock { $0 }, 2)
    }

    @Test func missingBatteryIsReplaceBatteryWithAlarm() async throws {
        let dev = MemoryHIDDevice(descriptor: Fixtures.rp2040UPS)
        dev.set(acPresent, 1); dev.set(batteryPresent, 0)
        let r = try await HIDPowerDriver { dev }.initialize()
        expectEqual(r["ups.status"], "ALARM OL RB")
        expectEqual(r["ups.alarm"], "No battery installed!")
    }
}

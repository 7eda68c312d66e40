import Testing
import WatchpostTestSupport
@testable import WatchpostPower

@Suite("HID report descriptor parser")
struct HIDDescriptorTests {
    @Test func parsesPublishedRP2040Descriptor() throws {
        let d = HIDReportDescriptor.parse(Fixtures.rp2040UPS)
        expectEqual(Fixtures.rp2040UPS.count, 194)
        #expect(d.problems.isEmpty, "problems: \(d.problems)")
        expectEqual(d.parsedLength, 194)
        expectEqual(d.collectionCount, 3)
        #expect(d.usesReportIDs)
        expectEqual(d.reportLength(kind: .feature, reportID: 0x0c), 1)
        expectEqual(d.reportLength(kind: .feature, reportID: 0x0d), 2)
        expectEqual(d.reportLength(kind: .feature, reportID: 0x07), 2)
        expectEqual(d.reportLength(kind: .input, reportID: 0x07), 2)

        let charge = try #require(d.fields(kind: .feature, reportID: 0x0c).first)
        expectEqual(charge.path, "UPS.PowerSummary.RemainingCapacity")
        expectEqual(charge.logicalMaximum, 100)
        let runtime = try #require(d.fields(kind: .feature, reportID: 0x0d).first)
        expectEqual(runtime.usage, HIDUsage(page: 0x85, id: 0x68))
        #expect(runtime.bitSize == 16 && runtime.logicalMaximum == 65535)
        #expect(runtime.unit == HIDUnits.second && runtime.unitExponent == 0)

        let status = d.fields(kind: .feature, reportID: 0x07)
        expectEqual(status.count, 14)
        expectEqual(status.map(\.bitOffset), Array(0..<14))
        expectEqual(status[2].path, "UPS.PowerSummary.PresentStatus.ACPresent")
        expectEqual(status[11].usage, HIDUsage(page: 0x84, id: 0x69)) // ShutdownImminent after the page switch
        expectEqual(status[13].usage.name, "Overload")
    }

    @Test func mapsPublishedRP2040DescriptorToNUTVariables() {
        let map = HIDPowerMap(HIDReportDescriptor.parse(Fixtures.rp2040UPS))
        expectEqual(map.quantityFields["battery.charge"]?.first?.reportID, 0x0c)
        expectEqual(map.quantityFields["battery.runtime"]?.first?.reportID, 0x0d)
        expectEqual(map.flagFields[.acPresent]?.first?.bitOffset, 2)
        expectEqual(map.featureReports(full: false), [0x07, 0x0c, 0x0d])
        expectEqual(map.featureReports(full: true), [0x07, 0x0c, 0x0d])
    }

    @Test func parsesTruncatedPublishedCyberPowerDescriptorAsFarAsItMakesSense() throws {
        let d = HIDReportDescriptor.parse(Fixtures.cyberPowerTail)
        expectEqual(d.parsedLength, Fixtures.cyberPowerTail.count)
        expectEqual(d.problems.filter { $0.message.contains("end collection without a collection") }.count, 2)
        let input = try #require(d.fields(kind: .feature, reportID: 0x0f).first)
        expectEqual(input.path, "Input.Voltage") // the UPS collection was opened before the cut
        #expect(input.unit == HIDUnits.volt && input.unitExponent == 7)
        expectEqual(input.physicalValue(raw: 230), 230)
        // Report 0x0a: Voltage with exponent 6 = decivolts.
        let battery = try #require(d.fields(kind: .feature, reportID: 0x0a).first)
        #expect(abs(battery.physicalValue(raw: 136) - 13.6) < 1e-9)
        let status = d.fields(kind: .input, reportID: 0x0b)
        expectEqual(status.map(\.usage.name), ["ACPresent", "Charging", "Discharging", "BelowRemainingCapacityLimit", "FullyCharged", "RemainingTimeLimitExpired"])
        // DelayBeforeShutdown: logical -1…32767 signed 16 bits.
        let delay = try #require(d.fields(kind: .feature, reportID: 0x15).first)
        expectEqual(delay.rawValue(in: [0xFF, 0xFF]), -1)

        let map = HIDPowerMap(d)
        expectEqual(map.quantityFields["input.voltage"]?.first?.reportID, 0x0f)
        expectEqual(map.quantityFields["output.voltage"]?.first?.reportID, 0x12)
        expectEqual(map.quantityFields["ups.load"]?.first?.reportID, 0x13)
    }

    @Test func readsOneByteLogicalMaximumAsUnsignedLikeNUT() throws {
        // The APC/CyberPower firmware bug: LogMin 0, LogMax written as `25 ff` (= -1 signed).
        let d = HIDReportDescriptor.parse(hexBytes("05 84 09 04 a1 01 85 01 09 35 15 00 25 ff 75 08 95 01 b1 02 c0"))
        let load = try #require(d.fields.first)
        expectEqual(load.logicalMaximum, 255)
        expectEqual(d.problems.count, 1)
        expectEqual(load.rawValue(in: [200]), 200)
    }

    @Test func unitExponentScaling() {
        func field(unit: UInt32, exponent: Int) -> HIDField {
            HIDField(kind: .feature, reportID: 1, bitOffset: 0, bitSize: 16, usage: HIDUsage(page: 0x84, id: 0x30), collectionPath: [],
                     logicalMinimum: 0, logicalMaximum: 65535, physicalMinimum: 0, physicalMaximum: 0, unit: unit, unitExponent: exponent, flags: 2)
        }
        expectEqual(field(unit: HIDUnits.volt, exponent: 7).physicalValue(raw: 230), 230)
        #expect(abs(field(unit: HIDUnits.volt, exponent: 5).physicalValue(raw: 1360) - 13.6) < 1e-9)
        expectEqual(field(unit: HIDUnits.second, exponent: 0).physicalValue(raw: 1800), 1800)
        #expect(abs(field(unit: HIDUnits.hertz, exponent: -2).physicalValue(raw: 5000) - 50) < 1e-9)
        // Nibble encoding: 0x0E = -2.
        let d = HIDReportDescriptor.parse(hexBytes("05 84 09 04 a1 01 85 01 09 32 55 0e 66 01 f0 75 10 95 01 b1 02 c0"))
        expectEqual(d.fields.first?.unitExponent, -2)
    }

    @Test func brokenDescriptorsAreReportedNeverFatal() {
        let truncated = HIDReportDescriptor.parse(Array(Fixtures.rp2040UPS.prefix(100)) + [0x27, 0xff])
        #expect(truncated.problems.contains { $0.message.contains("truncated") })
        #expect(truncated.problems.contains { $0.message.contains("never closed") })
        #expect(truncated.fields.count > 0)

        let weird = HIDReportDescriptor.parse(hexBytes("b4 c0 c0 fe 02 10 aa bb 85 00 75 00 95 05 81 02 75 40 95 ff ff ff ff 81 02"))
        #expect(weird.problems.count >= 4)

        let longItemCut = HIDReportDescriptor.parse(hexBytes("fe 20 01 02"))
        expectEqual(longItemCut.problems.first?.message.contains("cut short"), true)

        let usageRangeTooBig = HIDReportDescriptor.parse(hexBytes("05 84 a1 01 19 00 2a ff ff 75 01 95 02 81 00 c0"))
        #expect(usageRangeTooBig.problems.contains { $0.message.contains("capped") })
    }

    @Test func randomBytesNeverCrashTheParser() {
        var seed: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> UInt64 { seed ^= seed << 13; seed ^= seed >> 7; seed ^= seed << 17; return seed }
        for _ in 0..<3000 {
            let n = Int(next() % 300)
            var bytes = (0..<n).map { _ in UInt8(truncatingIfNeeded: next()) }
            if next() % 2 == 0 { bytes = Array(Fixtures.rp2040UPS.prefix(Int(next() % 194))) + bytes }
            let d = HIDReportDescriptor.parse(bytes)
            #expect(d.parsedLength <= bytes.count)
            for f in d.fields.prefix(50) {
                _ = f.rawValue(in: [UInt8](repeating: 0xA5, count: 8))
                _ = f.physicalValue(raw: 1)
            }
            _ = HIDPowerMap(d).featureReports(full: true)
        }
    }
}

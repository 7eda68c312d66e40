import Testing
import WatchpostTestSupport
import WatchpostCore
@testable import WatchpostPower

@Suite("Megatec Q1")
struct MegatecTests {
    @Test func parsesTheProtocolExample() throws {
        // The example reply of the Megatec protocol document.
        let s = try MegatecQ1Status.parse("(208.4 140.0 208.4 034 59.9 2.05 35.0 00110000\r")
        #expect(s.inputVoltage == 208.4 && s.inputFaultVoltage == 140.0 && s.outputVoltage == 208.4)
        #expect(s.loadPercent == 34 && s.inputFrequency == 59.9 && s.batteryVoltage == 2.05 && s.temperature == 35.0)
        #expect(!s.utilityFail && !s.batteryLow && s.bypassBoostBuck && s.upsFailed && !s.standby)
        let r = s.reading
        #expect(r["input.voltage"] == "208.4" && r["ups.load"] == "34" && r["battery.voltage"] == "2.05")
        expectEqual(r["ups.status"], "ALARM OL BYPASS")
        expectEqual(r["ups.type"], "online")
    }

    @Test func statusBits() throws {
        let ob = try MegatecQ1Status.parse("(000.0 000.0 229.8 021 50.0 12.90 30.5 11001000")
        expectEqual(ob.reading["ups.status"], "OB LB")
        expectEqual(ob.reading["ups.type"], "offline / line interactive")
        let trim = try MegatecQ1Status.parse("(252.0 252.0 229.0 030 50.0 13.60 25.0 00101001")
        expectEqual(trim.reading["ups.status"], "OL TRIM")
        expectEqual(trim.reading["ups.beeper.status"], "enabled")
        let boost = try MegatecQ1Status.parse("(190.0 190.0 225.0 030 50.0 13.60 25.0 00101000")
        expectEqual(boost.reading["ups.status"], "OL BOOST")
        let fsd = try MegatecQ1Status.parse("(230.0 230.0 230.0 030 50.0 13.60 --.- 00001110")
        #expect(fsd.temperature == nil)
        expectEqual(fsd.reading["ups.status"], "OL CAL FSD")
    }

    @Test func replyRoundTrip() throws {
        // Byte-exact: the protocol document's example, and a standby unit's 12 V battery; both 47 bytes.
        for text in ["(208.4 140.0 208.4 034 59.9 2.05 35.0 00110000\r", "(229.5 229.5 230.1 023 50.0 13.7 31.0 00001001\r"] {
            let s = try MegatecQ1Status.parse(text)
            expectEqual(s.reply, text)
            expectEqual(s.reply.utf8.count, 47)
        }
    }

    @Test func garbageIsAProtocolError() {
        for bad in ["", "NAK", "(229.5 229.5 230.1 023 50.0 13.70 31.0", "(229.5 x 230.1 023 50.0 13.70 31.0 00001001",
                    "(229.5 229.5 230.1 023 50.0 13.70 31.0 0000100", "(229.5 229.5 230.1 023 50.0 13.70 31.0 0000100x", "\u{FF}\u{00}garbage"] {
            #expect(throws: WatchpostError.self, "\(bad)") { _ = try MegatecQ1Status.parse(bad) }
        }
    }
}

// The failure modes NUT's own trackers document for cheap USB UPSes, reproduced on the emulated
// device (Tests/umockdev/ups-harness.c) through real libusb and the `watchpost` binary:
//   - stale values after a USB disconnect: networkupstools/nut #2742 (after a re-plug a feature
//     report comes back short, "expected 5 bytes, but got 3", and usbhid-ups kept serving the
//     old values), #2925 (the USB link drops when mains is lost or comes back), #1624 (with
//     pollonly the driver never noticed the device was gone);
//   - unreliable Megatec Q1 answers: #3103 (garbage in a field published as a reading), #2569
//     (short and garbled replies).
// Each must end as COMMBAD (or the value unknown) with the bytes named, never as a reading.
import Testing
import WatchpostTestSupport
import WatchpostCore
import Posix

@Suite("NUT field failures on the emulated UPS (umockdev)", .serialized)
struct UmockdevFieldFailureTests {
    let hid = ["probe", "ups", "--vendor", "051d", "--product", "0002"]

    /// Fails naming the Debian package when gcc, umockdev or the built binary is missing.
    func requireEmulation() async throws { try await Emulation.requireTools() }

    /// #2925 + #2742: the link drops as mains is lost; back on USB, the battery report answers
    /// 3 of its 5 bytes. The temperature from before the drop must not come back as current.
    @Test func replugDuringOutageWithShortReportShowsNoStaleValue() async throws {
        try await requireEmulation()
        let (_, output) = try await Emulation.run(["--device", "hid", "--script", "onlinex2,onbatt", "--unplug-at", "3",
                                             "--replug-after-ms", "500", "--short-report-after-replug", "3"],
                                            [Emulation.watchpost] + hid + ["--repeat", "9", "--every", "200ms", "--json"])
        let results = Emulation.results(output)
        try #require(results.count == 9, "output: \(output)")
        #expect(results[0].facts["ups.temperature"] == "26.9" && results[0].facts["battery.voltage"] == "13.6")
        #expect(results[2].findings.map(\.code) == ["commbad"] && results[2].facts["ups.temperature"] == nil)
        let back = try #require(results.firstIndex { $0.facts["watchpost.events"] == "COMMOK" }, "output: \(output)")
        for r in results[back...] {
            expectEqual(r.facts["ups.status"]?.hasPrefix("OB"), true, "\(r.facts)")
            #expect(r.facts["ups.temperature"] == nil, "stale temperature reported as current: \(r.facts)")
        }
        // What the short report still carried is current; what it lacked is named with its bytes.
        expectEqual(results[back].facts["battery.voltage"], "12.8")
        expectEqual(results[back].facts["watchpost.short_reports"], "0x3: expected 5 bytes, got 3 (03 00 05)")
    }

    /// #1624: the cable is pulled and stays out. Every poll after that is COMMBAD with no
    /// variables at all (no last-known status dressed up as current).
    @Test func unpluggedForGoodIsCommBadAtEveryPoll() async throws {
        try await requireEmulation()
        let (_, output) = try await Emulation.run(["--device", "hid", "--script", "online", "--unplug-at", "3"],
                                            [Emulation.watchpost] + hid + ["--repeat", "6", "--every", "100ms", "--json"])
        let results = Emulation.results(output)
        try #require(results.count == 6, "output: \(output)")
        #expect(results[0].status == .ok && results[1].status == .ok)
        for r in results[2...] {
            expectEqual(r.findings.map(\.code), ["commbad"], "\(r.summary)")
            expectEqual(r.facts["watchpost.comm"], "COMMBAD")
            #expect(r.facts.keys.filter { !$0.hasPrefix("watchpost.") }.isEmpty, "values reported for a vanished UPS: \(r.facts)")
        }
        #expect(results[2].facts["watchpost.events"] == "COMMBAD" && results[3].facts["watchpost.events"] == nil)
    }

    /// #3103, #2569: short, garbled, out-of-range and misaligned Q1 answers are COMMBAD with the
    /// bytes in the message; the next good answer is a reading again.
    @Test func badQ1AnswersAreCommBadWithTheirBytes() async throws {
        try await requireEmulation()
        let (_, output) = try await Emulation.run(["--device", "q1", "--script", "online,short,garbled,range,stale,online"],
                                            [Emulation.watchpost, "probe", "ups", "--q1", "--repeat", "6", "--every", "100ms", "--json"])
        let results = Emulation.results(output)
        try #require(results.count == 6, "output: \(output)")
        expectEqual(results[0].facts["ups.status"], "OL")
        let expected = [
            (1, "is short: 5 fields", "28 32 33 30 2e 30 20"),          // "(230.0 "
            (2, "is garbled", "32 33 fe 2e 30"),                          // "23\xfe.0"
            (3, "load 999 is out of range", "20 39 39 39 20"),            // " 999 "
            (4, "does not start with '('", "33 2e 36 20 33 30 2e 30"),    // "3.6 30.0"
        ]
        for (i, what, bytes) in expected {
            let r = results[i]
            expectEqual(r.findings.map(\.code), ["commbad"], "\(i): \(r.summary)")
            #expect(r.summary.contains(what) && r.summary.contains(bytes), "\(i): \(r.summary)")
            #expect(r.facts["ups.status"] == nil && r.facts["ups.load"] == nil && r.facts["input.voltage"] == nil, "\(i): \(r.facts)")
        }
        #expect(results[5].facts["ups.status"] == "OL" && results[5].facts["watchpost.events"] == "COMMOK")
    }
}

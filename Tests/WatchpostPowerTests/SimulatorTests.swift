import Testing
import WatchpostCore
import Posix
@testable import WatchpostPower
import WatchpostSimulators

@Suite("Megatec UPS simulator")
struct SimulatorTests {
    @Test func speaksTheBytesOfARealUnit() throws {
        var ups = SimulatedQ1UPS()
        // 47 bytes, fields at the protocol's fixed positions (status bits at 39…46).
        #expect(ups.reply(to: "Q1") == "(221.0 221.0 221.0 023 50.0 13.6 31.0 00001000\r")
        #expect(ups.reply(to: "Q1").utf8.count == 47)
        #expect(ups.reply(to: "I") == "#Watchpost Sim   SIM-Q1-1K  V1.0      \r")
        #expect(ups.reply(to: "F") == "#220.0 004 12.00 50.0\r")
        #expect(ups.reply(to: "QPI") == "QPI\r")
        ups.mainsOn = false
        ups.advance(seconds: 10)
        #expect(ups.reply(to: "Q1") == "(000.0 000.0 220.0 023 00.0 12.7 31.0 10001000\r")
        ups.advance(seconds: 300)
        let low = try MegatecQ1Status.parse(ups.reply(to: "Q1"))
        #expect(low.utilityFail && low.batteryLow)
        #expect(low.reading["ups.status"] == "OB LB")
        #expect(ups.apply(control: "mains-on") && !ups.apply(control: "flood"))
        #expect(try MegatecQ1Status.parse(ups.reply(to: "Q1")).reading["ups.status"] == "OL")
    }

    @Test(.enabled(if: FileSystem.exists(Emulation.binDir + "/watchpost-sim") && FileSystem.exists(Emulation.watchpost), "watchpost and watchpost-sim are not built"))
    func serialProbeReadsTheSimulatorOnAPty() throws {
        let dir = "/tmp/watchpost-ups-sim-\(CurrentProcess.id)"
        try FileSystem.makeDirectories(dir)
        defer { _ = try? Subprocess.run("/bin/rm", arguments: ["-rf", dir], timeout: .seconds(5)) }
        let script = """
        '\(Emulation.binDir)/watchpost-sim' ups-q1 --link \(dir)/tty --control \(dir)/ctl --mains-loss-after never --mains-back-after never 2>/dev/null & sim=$!
        for i in 1 2 3 4 5 6 7 8 9 10; do [ -e \(dir)/tty ] && break; sleep 0.1; done
        '\(Emulation.watchpost)' probe ups --q1 --device \(dir)/tty
        echo mains-off > \(dir)/ctl; sleep 0.5
        '\(Emulation.watchpost)' probe ups --q1 --device \(dir)/tty --repeat 3 --every 400ms --onbatt-delay 300ms
        echo battery-low > \(dir)/ctl; sleep 0.5
        '\(Emulation.watchpost)' probe ups --q1 --device \(dir)/tty --repeat 1
        kill $sim
        """
        let r = try Subprocess.run("/usr/bin/timeout", arguments: ["30", "/bin/sh", "-c", script], timeout: .seconds(40))
        let lines = r.output.split(separator: "\n").map(String.init)
        let variables = Emulation.variables(r.output)
        #expect(variables["ups.model"] == "SIM-Q1-1K")
        #expect(variables["battery.voltage.nominal"] == "12.0")
        let results = lines.filter { $0.hasPrefix("OK ") || $0.hasPrefix("WARNING ") || $0.hasPrefix("CRITICAL ") }
        try #require(results.count == 4, "output: \(r.output)")
        #expect(r.output.contains("ups.status: OL"))
        #expect(results[0].hasPrefix("OK UPS OB"))
        #expect(results[1].hasPrefix("WARNING on battery") && results[1].hasSuffix("[ONBATT]"))
        #expect(results[3].hasPrefix("CRITICAL low battery"))
    }
}

import Testing
import WatchpostCore
import Posix
@testable import WatchpostPower
import WatchpostSimulators
import WatchpostTestSupport

@Suite("Megatec UPS simulator")
struct SimulatorTests {
    @Test func speaksTheBytesOfARealUnit() throws {
        var ups = SimulatedQ1UPS()
        // 47 bytes, fields at the protocol's fixed positions (status bits at 39…46).
        expectEqual(ups.reply(to: "Q1"), "(221.0 221.0 221.0 023 50.0 13.6 31.0 00001000\r")
        expectEqual(ups.reply(to: "Q1").utf8.count, 47)
        expectEqual(ups.reply(to: "I"), "#Watchpost Sim   SIM-Q1-1K  V1.0      \r")
        expectEqual(ups.reply(to: "F"), "#220.0 004 12.00 50.0\r")
        expectEqual(ups.reply(to: "QPI"), "QPI\r")
        ups.mainsOn = false
        ups.advance(seconds: 10)
        expectEqual(ups.reply(to: "Q1"), "(000.0 000.0 220.0 023 00.0 12.7 31.0 10001000\r")
        ups.advance(seconds: 300)
        let low = try MegatecQ1Status.parse(ups.reply(to: "Q1"))
        #expect(low.utilityFail && low.batteryLow)
        expectEqual(low.reading["ups.status"], "OB LB")
        #expect(ups.apply(control: "mains-on") && !ups.apply(control: "flood"))
        try expectEqual(MegatecQ1Status.parse(ups.reply(to: "Q1")).reading["ups.status"], "OL")
    }

    @Test func serialProbeReadsTheSimulatorOnAPty() async throws {
        let sim = try TestPaths.builtBinary("watchpost-sim"), watchpost = try TestPaths.watchpost()
        let dir = try makeTemporaryFolder("watchpost-ups-sim")
        defer { removeTree(dir) }
        // The repeats are 1 s apart against a 300 ms on-battery delay: the delay counts from the
        // first OB reading, so a first read slowed down by a loaded machine must not eat the margin
        // (400 ms apart failed under load 18).
        // Each step waits for an event with a deadline (scripts/lib.sh's wait_for, in seconds): the pty link to appear, each control
        // command to be taken (the simulator removes the file when it has applied it). Commands
        // are written to a temporary name and renamed, so a half-written file is never read.
        let script = """
        . '\(TestPaths.packageRoot)/scripts/lib.sh'
        until_ok() { wait_for "$2" 30 eval "$1" || exit 1; }
        control() { echo "$1" > \(dir)/ctl.tmp && mv \(dir)/ctl.tmp \(dir)/ctl; until_ok "[ ! -e \(dir)/ctl ]" "the simulator takes $1"; }
        '\(sim)' ups-q1 --link \(dir)/tty --control \(dir)/ctl --mains-loss-after never --mains-back-after never 2>/dev/null & sim=$!
        trap 'kill $sim' EXIT
        until_ok "[ -e \(dir)/tty ]" "the simulator's pty link"
        '\(watchpost)' probe ups --q1 --device \(dir)/tty
        control mains-off
        '\(watchpost)' probe ups --q1 --device \(dir)/tty --repeat 3 --every 1s --onbatt-delay 300ms
        control battery-low
        '\(watchpost)' probe ups --q1 --device \(dir)/tty --repeat 1
        """
        let r = try await runProgram("/bin/bash", arguments: ["-c", script], timeout: .seconds(90))
        let lines = r.output.split(separator: "\n").map(String.init)
        let variables = Emulation.variables(r.output)
        expectEqual(variables["ups.model"], "SIM-Q1-1K")
        expectEqual(variables["battery.voltage.nominal"], "12.0")
        let results = lines.filter { $0.hasPrefix("OK ") || $0.hasPrefix("WARNING ") || $0.hasPrefix("CRITICAL ") }
        try #require(results.count == 4, "output: \(r.output)")
        #expect(r.output.contains("ups.status: OL"))
        #expect(results[0].hasPrefix("OK UPS: on battery (OB)"), "\(results[0])")
        #expect(results[1].hasPrefix("WARNING Mains lost, UPS on battery for") && results[1].hasSuffix("[ONBATT]"), "\(results[1])")
        #expect(results[3].hasPrefix("CRITICAL UPS battery low"), "\(results[3])")
    }
}

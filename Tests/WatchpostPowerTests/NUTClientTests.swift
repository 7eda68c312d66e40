import Testing
import WatchpostCore
import Posix
@testable import WatchpostPower

/// A real upsd from Debian's nut-server with the dummy-ups driver, on a loopback port, in a
/// temporary folder. Both daemons are stopped by their pid files.
final class UpsdFixture: Sendable {
    let dir: String
    let port: Int

    static var available: Bool { FileSystem.exists("/lib/nut/upsd") && FileSystem.exists("/lib/nut/dummy-ups") }

    init(devFile: String) throws {
        port = 35_000 + Int(CurrentProcess.id % 5000)
        dir = "/tmp/watchpost-upsd-\(CurrentProcess.id)-\(UInt32.random(in: 0...UInt32.max))"
        try FileSystem.makeDirectories(dir, mode: 0o755)
        try FileSystem.writeAtomically("\(dir)/ups.conf", "[dummy]\n  driver = dummy-ups\n  port = dummy.dev\n  desc = \"Watchpost test\"\n")
        try FileSystem.writeAtomically("\(dir)/dummy.dev", devFile)
        try FileSystem.writeAtomically("\(dir)/upsd.conf", "LISTEN 127.0.0.1 \(port)\nMAXAGE 15\n")
        try FileSystem.writeAtomically("\(dir)/upsd.users", "[tech]\n  password = s3cret\n  upsmon primary\n[viewer]\n  password = v1ew\n  upsmon secondary\n", mode: 0o600)
        try FileSystem.writeAtomically("\(dir)/nut.conf", "MODE=standalone\n")
        let env = "NUT_CONFPATH=\(dir) NUT_STATEPATH=\(dir) NUT_ALTPIDPATH=\(dir)"
        let user = CurrentProcess.effectiveUserIsRoot ? "-u root" : ""
        let out = try Subprocess.run("/bin/sh", arguments: ["-c", "cd \(dir) && env \(env) /lib/nut/dummy-ups -a dummy \(user) && env \(env) /lib/nut/upsd \(user)"],
                                     timeout: .seconds(10))
        guard out.exitCode == 0 else { throw WatchpostError(.io, "cannot start upsd: \(out.output)") }
    }

    func stop() {
        _ = try? Subprocess.run("/bin/sh", arguments: ["-c", "for f in \(dir)/*.pid; do kill $(cat $f) 2>/dev/null; done; sleep 0.2; rm -rf \(dir)"],
                                timeout: .seconds(5))
    }
}

extension CurrentProcess {
    static var effectiveUserIsRoot: Bool { (try? Subprocess.run("/usr/bin/id", arguments: ["-u"], timeout: .seconds(5)).output.trimmingWhitespace()) == "0" }
}

@Suite("NUT upsd client (real upsd + dummy-ups)", .serialized)
struct NUTClientTests {
    static let dev = """
    battery.charge: 87
    battery.runtime: 1500
    battery.voltage: 13.20
    input.voltage: 229.0
    ups.load: 23
    ups.status: OB DISCHRG
    ups.mfr: Test UPS
    ups.model: Dummy
    """

    @Test func parsesTargets() {
        #expect(NUTTarget(parsing: "127.0.0.1:3493/ups1") == NUTTarget(host: "127.0.0.1", port: 3493, ups: "ups1"))
        #expect(NUTTarget(parsing: "ups1@localhost") == NUTTarget(host: "localhost", port: 3493, ups: "ups1"))
        #expect(NUTTarget(parsing: "[::1]:4000/x") == NUTTarget(host: "::1", port: 4000, ups: "x"))
        #expect(NUTTarget(parsing: "nohost") == nil)
        #expect(NUTTarget(parsing: "h:99999/x") == nil)
        #expect(NUTClient.parseVar(#"VAR u ups.mfr "a \"b\" \\c""#, ups: "u")! == ("ups.mfr", #"a "b" \c"#))
        #expect(NUTClient.parseVar(#"VAR u x "unterminated"#, ups: "u") == nil)
    }

    @Test func listsVariablesLoginAndErrors() async throws {
        guard UpsdFixture.available else { Issue.record("upsd/dummy-ups missing: apt-get install nut-server"); return }
        let upsd = try UpsdFixture(devFile: Self.dev)
        defer { upsd.stop() }
        let target = NUTTarget(host: "127.0.0.1", port: upsd.port, ups: "dummy")
        var vars: [String: String] = [:]
        // dummy-ups needs a moment before upsd has its data.
        for _ in 0..<50 {
            if let v = try? await NUTClient(target: target).listVariables(), let s = v["ups.status"], s != "WAIT" { vars = v; break }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(vars["battery.charge"] == "87")
        #expect(vars["ups.status"] == "OB DISCHRG")
        #expect(vars["ups.mfr"] == "Test UPS")
        #expect(vars["driver.name"] == "dummy-ups")

        // Credentials are checked: LOGIN as upsmon does (and PRIMARY for a primary).
        let logged = try await NUTClient(target: target, username: "tech", password: "s3cret").listVariables()
        #expect(logged["battery.runtime"] == "1500")
        let primary = try await NUTClient(target: target, username: "tech", password: "s3cret", role: .primary).listVariables()
        #expect(primary["ups.load"] == "23")
        // A wrong password, or a user upsd does not know, fails at LOGIN: no reading.
        await #expect { try await NUTClient(target: target, username: "tech", password: "wrong").listVariables() } throws: { e in
            (e as? WatchpostError)?.code == .permission && "\(e)".contains("LOGIN") && !"\(e)".contains("wrong")
        }
        await #expect { try await NUTClient(target: target, username: "nobody", password: "s3cret").listVariables() } throws: { e in
            (e as? WatchpostError)?.code == .permission
        }
        // A user without `upsmon primary` may log in as a secondary but not claim the UPS.
        await #expect { try await NUTClient(target: target, username: "viewer", password: "v1ew", role: .primary).listVariables() } throws: { e in
            (e as? WatchpostError)?.code == .permission && "\(e)".contains("PRIMARY")
        }
        let secondary = try await NUTClient(target: target, username: "viewer", password: "v1ew").listVariables()
        #expect(secondary["battery.charge"] == "87")
        // A username without a password is a configuration error, found before connecting.
        await #expect { try await NUTClient(target: target, username: "tech", password: nil).listVariables() } throws: { e in
            (e as? WatchpostError)?.code == .configuration
        }
        await #expect { try await NUTClient(target: NUTTarget(host: "127.0.0.1", port: upsd.port, ups: "nope")).listVariables() } throws: { e in
            (e as? WatchpostError)?.code == .notFound
        }

        // Through the probe: NUT facts, on-battery pending (5 s debounce) on the first poll.
        let probe = UPSProbe(driver: NUTDriver(client: NUTClient(target: target)), policy: UPSPolicy())
        let clock = ManualClock(now: Instant(seconds: 1_780_000_000))
        let r = await probe.run(ProbeContext(clock: clock, deadline: clock.now() + .seconds(5)))
        #expect(r.facts["ups.status"] == "OB DISCHRG")
        #expect(r.findings.map(\.code) == ["onbatt-pending"])
    }

    @Test func unreachableUpsdIsANetworkError() async {
        // Port 9 (discard) on loopback: nothing listens there.
        await #expect { try await NUTClient(target: NUTTarget(host: "127.0.0.1", port: 9, ups: "x"), timeout: .seconds(2)).listVariables() } throws: { e in
            (e as? WatchpostError)?.code == .network
        }
    }
}

import Testing
import WatchpostCore
import Posix
import Glibc
import WatchpostTestSupport
@testable import WatchpostPower

/// A real upsd from Debian's nut-server with the dummy-ups driver, on a loopback port, in a
/// temporary folder. Both daemons are stopped by their pid files.
final class UpsdFixture: Sendable {
    let dir: String
    let port: Int

    init(devFile: String) async throws {
        let upsd = try await requirePackageFile(named: "upsd", debianPackage: "nut-server")
        let dummyUps = try await requirePackageFile(named: "dummy-ups", debianPackage: "nut-server")
        port = try freeTCPPort()
        dir = try makeTemporaryFolder("watchpost-upsd")
        try FileSystem.setPermissions(dir, 0o755)
        try FileSystem.writeAtomically("\(dir)/ups.conf", "[dummy]\n  driver = dummy-ups\n  port = dummy.dev\n  desc = \"Watchpost test\"\n")
        try FileSystem.writeAtomically("\(dir)/dummy.dev", devFile)
        try FileSystem.writeAtomically("\(dir)/upsd.conf", "LISTEN 127.0.0.1 \(port)\nMAXAGE 15\n")
        try FileSystem.writeAtomically("\(dir)/upsd.users", "[tech]\n  password = s3cret\n  upsmon primary\n[viewer]\n  password = v1ew\n  upsmon secondary\n", mode: 0o600)
        try FileSystem.writeAtomically("\(dir)/nut.conf", "MODE=standalone\n")
        let env = "NUT_CONFPATH=\(dir) NUT_STATEPATH=\(dir) NUT_ALTPIDPATH=\(dir)"
        let user = runningAsRoot ? "-u root" : ""
        let out = try await runProgram("/bin/sh", arguments: ["-c", "cd \(dir) && env \(env) \(dummyUps) -a dummy \(user) && env \(env) \(upsd) \(user)"],
                                     timeout: .seconds(60))
        guard out.exitCode == 0 else { throw WatchpostError(.io, "cannot start upsd: \(out.output)") }
    }

    /// Kills both daemons by their pid files and removes the folder (clean-up in a `defer`, which
    /// cannot wait: each test starts its own pair on a fresh port, so nothing waits for these).
    func stop() {
        let pids = ((try? FileSystem.listDirectory(dir)) ?? []).filter { $0.hasSuffix(".pid") }
            .compactMap { (try? FileSystem.readText("\(dir)/\($0)")).flatMap { Int32($0.trimmingWhitespace()) } }
        for pid in pids { kill(pid, SIGKILL) }
        removeTree(dir)
    }
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

    @Test func parsesTargets() async {
        expectEqual(NUTTarget(parsing: "127.0.0.1:3493/ups1"), NUTTarget(host: "127.0.0.1", port: 3493, ups: "ups1"))
        expectEqual(NUTTarget(parsing: "ups1@localhost"), NUTTarget(host: "localhost", port: 3493, ups: "ups1"))
        expectEqual(NUTTarget(parsing: "[::1]:4000/x"), NUTTarget(host: "::1", port: 4000, ups: "x"))
        #expect(NUTTarget(parsing: "nohost") == nil)
        #expect(NUTTarget(parsing: "h:99999/x") == nil)
        #expect(NUTClient.parseVar(#"VAR u ups.mfr "a \"b\" \\c""#, ups: "u")! == ("ups.mfr", #"a "b" \c"#))
        #expect(NUTClient.parseVar(#"VAR u x "unterminated"#, ups: "u") == nil)
    }

    @Test func listsVariablesLoginAndErrors() async throws {
        let upsd = try await UpsdFixture(devFile: Self.dev)
        defer { upsd.stop() }
        let target = NUTTarget(host: "127.0.0.1", port: upsd.port, ups: "dummy")
        var vars: [String: String] = [:]
        // upsd answers once dummy-ups has handed it the data.
        try await waitUntil("upsd serves the dummy UPS's variables", within: 60) {
            guard let v = try? await NUTClient(target: target).listVariables(), let s = v["ups.status"], s != "WAIT" else { return false }
            vars = v
            return true
        }
        expectEqual(vars["battery.charge"], "87")
        expectEqual(vars["ups.status"], "OB DISCHRG")
        expectEqual(vars["ups.mfr"], "Test UPS")
        expectEqual(vars["driver.name"], "dummy-ups")

        // Credentials are checked: LOGIN as upsmon does (and PRIMARY for a primary).
        let logged = try await NUTClient(target: target, username: "tech", password: "s3cret").listVariables()
        expectEqual(logged["battery.runtime"], "1500")
        let primary = try await NUTClient(target: target, username: "tech", password: "s3cret", role: .primary).listVariables()
        expectEqual(primary["ups.load"], "23")
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
        expectEqual(secondary["battery.charge"], "87")
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
        expectEqual(r.facts["ups.status"], "OB DISCHRG")
        expectEqual(r.findings.map(\.code), ["onbatt-pending"])
    }

    @Test func unreachableUpsdIsANetworkError() async {
        // Port 9 (discard) on loopback: nothing listens there.
        await #expect { try await NUTClient(target: NUTTarget(host: "127.0.0.1", port: 9, ups: "x"), timeout: .seconds(2)).listVariables() } throws: { e in
            (e as? WatchpostError)?.code == .network
        }
    }
}

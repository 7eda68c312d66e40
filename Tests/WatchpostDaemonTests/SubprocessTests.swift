import Testing
import WatchpostCore
import Posix
import Glibc

@Suite("Subprocess")
struct SubprocessTests {
    /// The daemon ignores SIGTERM/SIGHUP/SIGPIPE for its own signal stream; the programs it runs
    /// (plugins, responder commands) must not inherit that, or they could not be stopped.
    @Test func childrenGetDefaultSignalDispositions() throws {
        let previous = signal(SIGTERM, SIG_IGN)
        defer { signal(SIGTERM, previous) }
        let out = try Subprocess.run("/bin/sh", arguments: ["-c", "grep SigIgn /proc/self/status"], timeout: .seconds(5))
        let hex = out.output.split(separator: ":").last.map { $0.trimmingWhitespace() } ?? ""
        let mask = try #require(UInt64(hex, radix: 16), "\(out.output)")
        #expect(mask & (1 << (UInt64(SIGTERM) - 1)) == 0, "SIGTERM is still ignored in the child: \(hex)")
        #expect(mask & (1 << (UInt64(SIGHUP) - 1)) == 0, "SIGHUP is still ignored in the child: \(hex)")
    }

    @Test func timeoutKillsAndReports() throws {
        let t0 = monotonicNanoseconds()
        let out = try Subprocess.run("/bin/sleep", arguments: ["10"], timeout: .milliseconds(300))
        #expect(out.timedOut)
        #expect(Double(monotonicNanoseconds() - t0) / 1e9 < 3)
    }
}

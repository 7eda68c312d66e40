import Testing
import WatchpostCore
import Posix
import Glibc
import WatchpostTestSupport

@Suite("Subprocess")
struct SubprocessTests {
    /// The daemon ignores SIGTERM/SIGHUP/SIGPIPE for its own signal stream; the programs it runs
    /// (plugins, responder commands) must not inherit that, or they could not be stopped.
    @Test func childrenGetDefaultSignalDispositions() async throws {
        let previous = signal(SIGTERM, SIG_IGN)
        defer { signal(SIGTERM, previous) }
        let out = try await runProgram("/bin/sh", arguments: ["-c", "grep SigIgn /proc/self/status"], timeout: .seconds(60))
        let hex = out.output.split(separator: ":").last.map { $0.trimmingWhitespace() } ?? ""
        let mask = try #require(UInt64(hex, radix: 16), "\(out.output)")
        expectEqual(mask & (1 << (UInt64(SIGTERM) - 1)), 0, "SIGTERM is still ignored in the child: \(hex)")
        expectEqual(mask & (1 << (UInt64(SIGHUP) - 1)), 0, "SIGHUP is still ignored in the child: \(hex)")
    }

    /// The child is killed at the timeout, not waited for: killed by a signal, with the time it
    /// took far below the two minutes `sleep` would have run (a bound only a broken timeout can
    /// miss, not a stopwatch on the machine's speed).
    @Test func timeoutKillsAndReports() async throws {
        let t0 = monotonicNanoseconds()
        let out = try await runProgram("/bin/sleep", arguments: ["120"], timeout: .milliseconds(300))
        #expect(out.timedOut)
        #expect(out.exitCode == nil && out.signal == SIGKILL, "exit \(out.exitCode.map(String.init) ?? "-"), signal \(out.signal.map(String.init) ?? "-")")
        #expect(Double(monotonicNanoseconds() - t0) / 1e9 < 60, "the child ran to its end: the timeout did not kill it")
    }
}

// Waiting on conditions (a file, a log line, a socket answer, a database row) with deadlines
// that fail loudly: the one wait primitive of the tests. Never `sleep` as synchronisation: the
// polling interval only bounds how late a condition already true is noticed. It suspends between
// polls (Task.sleep) instead of blocking a thread: Swift's cooperative threads are as many as the
// cores (two here), and a test holding one with usleep made other tests' timers fire late.
// Deadlines are generous (two shared cores, other builds running); a deadline that IS the
// feature is tested with the injected clock, not a stopwatch. A condition's deadline is 60 s
// (#13 s11): it only ends a test that already failed, so it costs nothing while the test passes,
// and reviewers run ten `make test` in a row at load 15-30 on two cores, where a debug daemon's
// start or a child's first answer has taken tens of seconds. A time the product promises is
// asserted where it is promised (a server-side deadline, a status), never as a short wait here.
import Posix
import Glibc

/// A condition that did not become true in time: what was awaited, for how long, and what the
/// test could see (a log tail) so that the failure can be read without rerunning.
public struct DeadlineMissed: Error, CustomStringConvertible, Sendable {
    public let description: String
}

/// Suspends (polling every `pollMilliseconds`) until `condition` holds; throws `DeadlineMissed`
/// naming `what` after `seconds`. `detail` is evaluated only on failure.
public func waitUntil(_ what: String, within seconds: Double, pollMilliseconds: Int = 50,
                      detail: () async -> String = { "" }, _ condition: () async throws -> Bool) async throws {
    let end = monotonicNanoseconds() + UInt64(seconds * 1e9)
    while true {
        if try await condition() { return }
        if monotonicNanoseconds() >= end { break }
        try await Task.sleep(for: .milliseconds(pollMilliseconds))
    }
    if try await condition() { return }
    let extra = await detail()
    throw DeadlineMissed(description: "deadline missed: \(what) did not happen within \(seconds) s" + (extra.isEmpty ? "" : "\n\(extra)"))
}

/// Whether `condition` holds within `seconds` (through `waitUntil`). For use inside
/// `#expect(await eventually(…) { … }, "what and why")`, which fails loudly with its message.
public func eventually(_ seconds: Double, pollMilliseconds: Int = 100, _ condition: () async throws -> Bool) async -> Bool {
    do { try await waitUntil("", within: seconds, pollMilliseconds: pollMilliseconds, condition); return true } catch { return false }
}

// Waiting on conditions (a file, a log line, a socket answer, a database row) with deadlines
// that fail loudly. Never `sleep` as synchronisation: the polling interval only bounds how late
// a condition already true is noticed. Deadlines are generous (two shared cores, other builds
// running); a test asserting speed states its own bound and why.
import Posix
import Glibc

/// A condition that did not become true in time: what was awaited, for how long, and what the
/// test could see (a log tail) so that the failure can be read without rerunning.
public struct DeadlineMissed: Error, CustomStringConvertible, Sendable {
    public let description: String
}

/// Blocks (polling every `pollMilliseconds`) until `condition` holds; throws `DeadlineMissed`
/// naming `what` after `seconds`. `detail` is evaluated only on failure.
public func waitUntil(_ what: String, within seconds: Double, pollMilliseconds: Int = 50,
                      detail: () -> String = { "" }, _ condition: () throws -> Bool) throws {
    let start = monotonicNanoseconds()
    let end = start + UInt64(seconds * 1e9)
    while true {
        if try condition() { return }
        if monotonicNanoseconds() >= end { break }
        usleep(UInt32(pollMilliseconds * 1000))
    }
    if try condition() { return }
    let extra = detail()
    throw DeadlineMissed(description: "deadline missed: \(what) did not happen within \(seconds) s" + (extra.isEmpty ? "" : "\n\(extra)"))
}

/// The async form of `waitUntil`: suspends between polls instead of blocking a thread.
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

/// Polls until `condition` holds or `seconds` pass; returns whether it held. For use inside
/// `#expect(eventually(…) { … }, "what and why")`, which fails loudly with its message.
public func eventually(_ seconds: Double, pollMilliseconds: Int = 100, _ condition: () -> Bool) -> Bool {
    let end = monotonicNanoseconds() + UInt64(seconds * 1e9)
    while monotonicNanoseconds() < end {
        if condition() { return true }
        usleep(UInt32(pollMilliseconds * 1000))
    }
    return condition()
}

/// The async form of `eventually`.
public func eventuallyAsync(_ seconds: Double, pollMilliseconds: Int = 100, _ condition: () async -> Bool) async -> Bool {
    let end = monotonicNanoseconds() + UInt64(seconds * 1e9)
    while monotonicNanoseconds() < end {
        if await condition() { return true }
        try? await Task.sleep(for: .milliseconds(pollMilliseconds))
    }
    return await condition()
}

/// Seconds elapsed since `start` (a `monotonicNanoseconds()` reading).
public func secondsSince(_ start: UInt64) -> Double { Double(monotonicNanoseconds() &- start) / 1e9 }

// Child processes of tests: shell one-liners (each on a thread of its own; with a timeout or not), programs started in the background with their
// output in a log file, waiting for their exit, stopping them, and the `watchpost run` daemon.
import Posix
import WatchpostCore
import Glibc

/// Runs `sh -c command` on a thread of its own (never on Swift's cooperative threads, which
/// other tests' timers need) and returns its exit status and standard output and error together.
@discardableResult
public func shell(_ command: String) async -> (status: Int32, output: String) {
    do {
        return try await runOnOwnThread { blockingShell(command) }
    } catch {
        return (-1, "cannot start a thread for `\(command)`: \(error)")
    }
}

private func blockingShell(_ command: String) -> (status: Int32, output: String) {
    guard let f = popen(command + " 2>&1", "r") else { return (-1, "popen failed: \(String(cString: strerror(errno)))") }
    var out = [UInt8]()
    var buf = [UInt8](repeating: 0, count: 4096)
    while true {
        let n = fread(&buf, 1, buf.count, f)
        if n <= 0 { break }
        out += buf[0..<n]
    }
    let status = pclose(f)
    return ((status >> 8) & 0xff, String(decoding: out, as: UTF8.self))
}

/// Starts `path` with `arguments` in the background, standard input from /dev/null, standard
/// output and error appended to `log`; `environment` entries ("NAME=value") are added to ours.
public func spawnProcess(_ path: String, _ arguments: [String], log: String, environment: [String] = []) throws -> pid_t {
    var pid: pid_t = 0
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_APPEND, 0o644)
    posix_spawn_file_actions_addopen(&actions, 2, log, O_WRONLY | O_CREAT | O_APPEND, 0o644)
    let names = Set(environment.compactMap { $0.split(separator: "=", maxSplits: 1).first.map(String.init) })
    var env: [String] = []
    var e = environ
    while let entry = e.pointee {
        let text = String(cString: entry)
        if let name = text.split(separator: "=", maxSplits: 1).first, !names.contains(String(name)) { env.append(text) }
        e += 1
    }
    env += environment
    let argv = ([path] + arguments).map { strdup($0) } + [nil]
    let envp = env.map { strdup($0) } + [nil]
    defer { argv.forEach { free($0) }; envp.forEach { free($0) } }
    let rc = posix_spawn(&pid, path, &actions, nil, argv, envp)
    guard rc == 0 else { throw MissingRequirement("cannot start \(path): \(String(cString: strerror(rc)))") }
    return pid
}

/// Waits up to `seconds` for child `pid` to exit (through `waitUntil`, suspending between
/// polls); returns its raw wait status, nil if it is still running at the deadline.
public func waitExit(_ pid: pid_t, seconds: Double) async -> Int32? {
    var reaped: Int32? = nil
    let exited = await eventually(seconds, pollMilliseconds: 10) {
        var status: Int32 = 0
        let r = waitpid(pid, &status, WNOHANG)
        if r == pid { reaped = status; return true }
        if r < 0 && errno == ECHILD { reaped = 0; return true }
        return false
    }
    return exited ? reaped : nil
}

/// Sends `signal`, waits up to `grace` seconds, then SIGKILLs and reaps. Safe on a reaped pid.
public func stopProcess(_ pid: pid_t, signal sig: Int32 = SIGTERM, grace: Double = 5) async {
    guard pid > 0 else { return }
    kill(pid, sig)
    if await waitExit(pid, seconds: grace) != nil { return }
    killAndReap(pid)
}

/// SIGKILL and reap at once, for cleanup in `defer` and `deinit` (which cannot suspend): a
/// killed process is reaped by the kernel without waiting on it, so the wait is not a stall.
public func killAndReap(_ pid: pid_t) {
    guard pid > 0 else { return }
    kill(pid, SIGKILL)
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
}

/// The exit code of a raw wait status when the process exited normally.
public func exitCode(ofWaitStatus status: Int32) -> Int32? {
    (status & 0x7f) == 0 ? (status >> 8) & 0xff : nil
}

/// `watchpost run --config DIR` as a child process with its log in `log`.
public final class DaemonProcess {
    public let configDir: String
    public let logPath: String
    public private(set) var pid: pid_t
    /// False once the process has been reaped (its pid may then belong to someone else).
    public private(set) var isRunning = true

    /// Starts the built daemon (WATCHPOST_BIN_DIR); `environment` adds variables (NOTIFY_SOCKET…).
    public init(configDir: String, log: String? = nil, environment: [String] = []) throws {
        self.configDir = configDir
        logPath = log ?? "\(configDir)/daemon.log"
        pid = try spawnProcess(try TestPaths.watchpost(), ["run", "--config", configDir], log: logPath, environment: environment)
    }

    /// The whole log so far (all runs of this daemon, when restarted).
    public var log: String { (try? FileSystem.readText(logPath)) ?? "" }

    /// The last `lines` lines of the log, for failure messages.
    public func logTail(_ lines: Int = 40) -> String {
        log.split(separator: "\n", omittingEmptySubsequences: false).suffix(lines).joined(separator: "\n")
    }

    /// Waits until `text` has appeared in the log at least `count` times.
    public func waitForLog(_ text: String, count: Int = 1, within seconds: Double = 60) async throws {
        try await waitUntil("daemon log line \"\(text)\" ×\(count)", within: seconds, detail: { "daemon log:\n\(logTail())" }) {
            log.occurrences(of: text) >= count
        }
    }

    /// Waits for this run's own "watchpost started" line (the log accumulates across restarts).
    public func waitUntilStarted(within seconds: Double = 60) async throws {
        try await waitForLog("watchpost started", count: starts, within: seconds)
    }

    private var starts = 1

    /// Starts the daemon again on the same configuration and log (after a kill or a stop).
    public func restart(environment: [String] = []) throws {
        pid = try spawnProcess(try TestPaths.watchpost(), ["run", "--config", configDir], log: logPath, environment: environment)
        isRunning = true
        starts += 1
    }

    /// SIGKILL and reap (a crash, for restart tests).
    public func killNine() {
        guard isRunning else { return }
        killAndReap(pid)
        isRunning = false
    }

    /// Sends `signal` and waits up to `seconds` for the exit; the raw wait status, nil if it is
    /// still running then.
    public func signalAndWait(_ signal: Int32 = SIGTERM, seconds: Double) async -> Int32? {
        guard isRunning else { return nil }
        kill(pid, signal)
        let status = await waitExit(pid, seconds: seconds)
        if status != nil { isRunning = false }
        return status
    }

    /// SIGTERM, then SIGKILL after 5 s; reaped either way.
    public func stop() async {
        guard isRunning else { return }
        await stopProcess(pid)
        isRunning = false
    }

    deinit { if isRunning { killAndReap(pid) } }
}

extension String {
    /// How many times `needle` occurs (non-overlapping).
    public func occurrences(of needle: String) -> Int {
        var n = 0
        var rest = Substring(self)
        while let r = rest.firstRange(of: needle) { n += 1; rest = rest[r.upperBound...] }
        return n
    }
}

/// Shell commands for async tests with a timeout: each runs on a thread of its own (not on the
/// product's blocking pool, which the code under test uses), so a hung command fails its test
/// instead of holding a cooperative thread.
public enum Shell {
    /// Runs `sh -c command`; output is standard output and error together.
    @discardableResult
    public static func run(_ command: String, timeout: Seconds = .seconds(60)) async throws -> Subprocess.Outcome {
        // A result with 200 findings in JSON (each with its catalogue message) passes 64 KiB.
        try await runProgram("/bin/sh", arguments: ["-c", command], timeout: timeout.duration)
    }

    /// Runs a command that must succeed.
    @discardableResult
    public static func must(_ command: String, timeout: Seconds = .seconds(60)) async throws -> String {
        let o = try await run(command, timeout: timeout)
        guard o.exitCode == 0 else { throw FixtureError("`\(command)` failed (\(o.exitCode.map(String.init) ?? "signal")): \(o.output)") }
        return o.output
    }

    /// Starts `command` in the background (its output discarded) and returns its pid.
    public static func background(_ command: String) async throws -> Int {
        let out = try await must("(\(command)) >/dev/null 2>&1 & echo $!")
        guard let pid = Int(out.trimmingWhitespace()) else { throw FixtureError("no pid from: \(out)") }
        return pid
    }

    public static func stop(_ pid: Int) async { _ = try? await run("kill \(pid) 2>/dev/null; wait \(pid) 2>/dev/null; true") }

    public static func tempDir() async throws -> String { try await must("mktemp -d /tmp/watchpost-net-XXXXXX").trimmingWhitespace() }

    public static func has(_ program: String) async -> Bool { (try? await run("command -v \(program)"))?.exitCode == 0 }
}

/// A test fixture (a server, a namespace, a command) that could not be set up.
public struct FixtureError: Error, CustomStringConvertible {
    public let description: String
    public init(_ d: String) { description = d }
}

/// Runs `path` with `arguments` on a thread of its own (Subprocess.run waits for the child, which
/// must not hold one of Swift's cooperative threads); output is standard output and error together.
public func runProgram(_ path: String, arguments: [String], timeout: Duration, maxOutput: Int = 1 << 20,
                       environment: [String]? = nil) async throws -> Subprocess.Outcome {
    try await runOnOwnThread { try Subprocess.run(path, arguments: arguments, timeout: timeout, maxOutput: maxOutput, environment: environment) }
}

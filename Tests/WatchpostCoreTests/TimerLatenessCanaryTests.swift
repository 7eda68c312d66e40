// A canary for timers during the test run: it sleeps 100 ms again and again (Task.sleep) and
// records how late each wake-up came; `make test` prints the line this test writes next to its
// times. The figures are printed, not asserted: on two shared cores they measure the machine as
// much as the suite.
//
// `make test` runs it in a process of its own, started together with the lanes, so that it watches
// the whole unit lane (inside the unit lane it waited for a free place among the parallel tests and
// in some runs began only in the lane's last 30 s: #13 review s8, runs 3 and 7). test.sh names the
// unit lane's output files and processes and the moment the lanes started
// (WATCHPOST_CANARY_LANE_OUTPUTS, WATCHPOST_CANARY_LANE_PIDS, WATCHPOST_CANARY_LANES_STARTED); the
// canary sleeps on until every unit process has printed its run's last line or has ended, and
// fails if it began more than 15 s after the lanes. Its lateness is what any process of the run
// gets from the machine: the daemons the end-to-end tests start, the test processes themselves.
// Run alone (no such variables) it watches 30 s.
import Testing
import Glibc

@Suite("Timer lateness canary")
struct TimerLatenessCanaryTests {
    @Test func hundredMillisecondSleepsWakeUpAndTheirLatenessIsReported() async throws {
        let clock = ContinuousClock()
        let period = Duration.milliseconds(100)
        let span = Duration.seconds(30)
        // Never more than this, whatever the lane does: a lane that hangs is its own failure.
        let longest = Duration.seconds(900)
        let lanes = WatchedLanes.fromEnvironment()
        let started = clock.now
        let begunAfterLanes = lanes.flatMap { $0.started.map { WatchedLanes.millisecondsSince1970() - $0 } }
        if let begunAfterLanes {
            #expect(begunAfterLanes < 15_000, "the canary began \(begunAfterLanes) ms after the lanes: it would watch only part of the unit lane")
        }
        var lateness: [Double] = []
        var checked = clock.now
        var lanesRunning = lanes != nil
        while clock.now - started < longest, lanesRunning || (lanes == nil && clock.now - started < span) {
            if let lanes, clock.now - checked >= .seconds(1) {
                checked = clock.now
                lanesRunning = !lanes.allEnded()
            }
            let before = clock.now
            try await Task.sleep(for: period)
            let late = clock.now - before - period
            lateness.append(Double(late.components.seconds) * 1000 + Double(late.components.attoseconds) / 1e15)
        }
        #expect(!lanesRunning, "the unit lane was still running after \(longest)")
        // Task.sleep never wakes up early; a negative lateness would be a broken clock or sleep.
        #expect(lateness.allSatisfy { $0 >= 0 }, "woke up early: \(lateness.filter { $0 < 0 })")
        // How many wake-ups fit is a measurement, not an expectation: at load 15 one sleep of
        // 100 ms woke up 112 s late (when the canary shared its process with the parallel suites).
        let sorted = lateness.sorted()
        func percentile(_ p: Double) -> Double { sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))] }
        var load = [Double](repeating: 0, count: 3)
        _ = getloadavg(&load, 3)
        let ms = { (v: Double) in String(Int(v.rounded())) }
        let twoPlaces = { (v: Double) -> String in
            let c = Int((v * 100).rounded())
            return "\(c / 100).\(c % 100 < 10 ? "0" : "")\(c % 100)"
        }
        let watched = (clock.now - started).components.seconds
        let what = lanes == nil ? "alone" : "in a process of its own, from \(ms(Double(begunAfterLanes ?? 0) / 1000)) s after the lanes' start until the unit lane's last verdict"
        print("timer lateness (100 ms Task.sleep \(what)): watched \(watched) s, \(sorted.count) wake-ups: median \(ms(percentile(0.5))) ms, p90 \(ms(percentile(0.9))) ms, p99 \(ms(percentile(0.99))) ms, max \(ms(sorted.last ?? 0)) ms; load average \(load.map(twoPlaces).joined(separator: " "))")
    }
}

/// The unit lane's processes as `make test` names them: their output files and process ids, and
/// when the lanes started (milliseconds since 1970).
struct WatchedLanes {
    let outputs: [String]
    let pids: [pid_t]
    let started: Int64?

    static func fromEnvironment() -> WatchedLanes? {
        func variable(_ name: String) -> String? { getenv(name).map { String(cString: $0) }.flatMap { $0.isEmpty ? nil : $0 } }
        guard let outputs = variable("WATCHPOST_CANARY_LANE_OUTPUTS")?.split(separator: ":").map(String.init), !outputs.isEmpty else { return nil }
        let pids = (variable("WATCHPOST_CANARY_LANE_PIDS") ?? "").split(separator: " ").compactMap { pid_t($0) }
        return WatchedLanes(outputs: outputs, pids: pids, started: variable("WATCHPOST_CANARY_LANES_STARTED").flatMap { Int64($0) })
    }

    static func millisecondsSince1970() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Int64(now.tv_sec) * 1000 + Int64(now.tv_nsec) / 1_000_000
    }

    /// True once every unit process has printed its run's last line ("✔ Test run with …" or
    /// "✘ Test run with …", after its last verdict) or is no longer running (one that crashed).
    func allEnded() -> Bool {
        outputs.allSatisfy(Self.runEnded) || (!pids.isEmpty && pids.allSatisfy { !Self.isRunning($0) })
    }

    static func runEnded(_ output: String) -> Bool {
        let tail = String(decoding: lastBytes(of: output, 8192), as: UTF8.self)
        return tail.split(separator: "\n").contains { $0.hasPrefix("✔ Test run with ") || $0.hasPrefix("✘ Test run with ") }
    }

    /// A process that has exited but is not yet reaped by test.sh (a zombie) counts as ended.
    static func isRunning(_ pid: pid_t) -> Bool {
        let stat = String(decoding: lastBytes(of: "/proc/\(pid)/stat", 4096), as: UTF8.self)
        guard let close = stat.lastIndex(of: ")") else { return false }
        let state = stat[stat.index(after: close)...].drop(while: { $0 == " " }).first
        return state != nil && state != "Z" && state != "X"
    }

    private static func lastBytes(of path: String, _ count: Int) -> [UInt8] {
        guard let file = fopen(path, "r") else { return [] }
        defer { fclose(file) }
        if fseek(file, -count, SEEK_END) != 0 { rewind(file) }
        var buffer = [UInt8](repeating: 0, count: count)
        let n = fread(&buffer, 1, count, file)
        return Array(buffer[0..<max(0, n)])
    }
}

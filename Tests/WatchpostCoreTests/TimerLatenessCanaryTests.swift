// A canary for Swift's cooperative threads: while the unit suites run beside it in parallel, it
// sleeps 100 ms again and again (Task.sleep) and records how late each wake-up came. A test that
// blocks a cooperative thread (a child process waited for, a usleep poll) shows up here as
// lateness; `make test` prints the line this test writes next to its times. The figures are
// printed, not asserted: on two shared cores they measure the machine as much as the suite.
//
// It watches the whole lane, not only its first 30 s: `make test` names the lane's output file
// and how many tests the lane holds (WATCHPOST_CANARY_LANE_OUTPUT, WATCHPOST_CANARY_LANE_TESTS),
// and the canary sleeps on until every other test of the lane has its verdict in that file. Run
// alone (no such variables) it watches 30 s.
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
        let lane = LaneProgress.fromEnvironment()
        let started = clock.now
        var lateness: [Double] = []
        var checked = clock.now
        var othersRunning = lane != nil
        while clock.now - started < longest, clock.now - started < span || othersRunning {
            if let lane, othersRunning, clock.now - checked >= .seconds(1) {
                checked = clock.now
                othersRunning = lane.verdicts() < lane.tests - 1
            }
            let before = clock.now
            try await Task.sleep(for: period)
            let late = clock.now - before - period
            lateness.append(Double(late.components.seconds) * 1000 + Double(late.components.attoseconds) / 1e15)
        }
        // Task.sleep never wakes up early; a negative lateness would be a broken clock or sleep.
        #expect(lateness.allSatisfy { $0 >= 0 }, "woke up early: \(lateness.filter { $0 < 0 })")
        // How many wake-ups fit in 30 s is a measurement, not an expectation: at load 15 one sleep
        // of 100 ms woke up 112 s late (the parallel suites held both cooperative threads).
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
        let beside = lane == nil ? "beside the unit suites" : othersRunning ? "beside the unit suites, stopped before the lane's end" : "until the lane's last other test ended"
        print("timer lateness (100 ms Task.sleep, \(sorted.count) wake-ups in \(watched) s \(beside)): median \(ms(percentile(0.5))) ms, p90 \(ms(percentile(0.9))) ms, p99 \(ms(percentile(0.99))) ms, max \(ms(sorted.last ?? 0)) ms; load average \(load.map(twoPlaces).joined(separator: " "))")
    }
}

/// The lane this test runs in, as `make test` names it: its output file and its number of tests.
struct LaneProgress {
    let output: String
    let tests: Int

    static func fromEnvironment() -> LaneProgress? {
        guard let output = getenv("WATCHPOST_CANARY_LANE_OUTPUT").map({ String(cString: $0) }), !output.isEmpty,
              let count = getenv("WATCHPOST_CANARY_LANE_TESTS").flatMap({ Int(String(cString: $0)) }), count > 0 else { return nil }
        return LaneProgress(output: output, tests: count)
    }

    /// How many tests have a verdict in the lane's output so far (the lines `make test` counts:
    /// "✔ Test x() passed after…", "✘ Test x() failed after…", "➜ Test x() skipped…").
    func verdicts() -> Int {
        guard let file = fopen(output, "r") else { return 0 }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = fread(&buffer, 1, buffer.count, file)
            if n <= 0 { break }
            bytes += buffer[0..<n]
        }
        return String(decoding: bytes, as: UTF8.self).split(separator: "\n").count { line in
            if line.hasPrefix("➜ Test ") { return line.contains(" skipped") }
            guard line.hasPrefix("✔ Test ") || line.hasPrefix("✘ Test ") else { return false }
            return !line.hasPrefix("✔ Test run with ") && !line.hasPrefix("✘ Test run with ") && line.contains(" after ") && !line.contains(" recorded an issue")
        }
    }
}

// A canary for Swift's cooperative threads: while the unit suites run beside it in parallel, it
// sleeps 100 ms again and again (Task.sleep) and records how late each wake-up came. A test that
// blocks a cooperative thread (a child process waited for, a usleep poll) shows up here as
// lateness; `make test` prints the line this test writes next to its times. The figures are
// printed, not asserted: on two shared cores they measure the machine as much as the suite.
import Testing
import Glibc

@Suite("Timer lateness canary")
struct TimerLatenessCanaryTests {
    @Test func hundredMillisecondSleepsWakeUpAndTheirLatenessIsReported() async throws {
        let clock = ContinuousClock()
        let period = Duration.milliseconds(100)
        let span = Duration.seconds(30)
        let started = clock.now
        var lateness: [Double] = []
        while clock.now - started < span {
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
        print("timer lateness (100 ms Task.sleep, \(sorted.count) wake-ups in 30 s beside the unit suites): median \(ms(percentile(0.5))) ms, p90 \(ms(percentile(0.9))) ms, p99 \(ms(percentile(0.99))) ms, max \(ms(sorted.last ?? 0)) ms; load average \(load.map(twoPlaces).joined(separator: " "))")
    }
}

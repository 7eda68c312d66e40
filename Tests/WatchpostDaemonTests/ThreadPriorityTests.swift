// The daemon with the unit's capabilities, as far as thread priority goes. Every start under
// systemd writes "Failed to set thread priority for worker thread: pqc=… errno=13" to the journal
// (libdispatch asks for nice -4 for its event-manager thread). Session 7 kept CAP_SYS_NICE to
// silence it; both #21 reviewers would rather keep the line than the capability, so the unit
// grants only CAP_NET_RAW again (contrib/watchpost.service, README "Running under systemd").
// What this proves: with the unit's bounding set no thread of the daemon gains a priority above
// the default (nice < 0), and the daemon runs (its timers fire: results are recorded).
import Testing
import WatchpostCore
import Posix
import Glibc
import WatchpostTestSupport

@Suite("Thread priority under the unit's capabilities", .serialized)
struct ThreadPriorityTests {
    /// The unit's `CapabilityBoundingSet=` as setpriv writes it: "-all,+net_raw,+sys_nice".
    static func unitBoundingSet() throws -> String {
        let unit = try FileSystem.readText("\(packageRoot)/contrib/watchpost.service")
        guard let line = unit.split(separator: "\n").first(where: { $0.hasPrefix("CapabilityBoundingSet=") }) else {
            throw MissingRequirement("contrib/watchpost.service has no CapabilityBoundingSet= line")
        }
        let caps = line.dropFirst("CapabilityBoundingSet=".count).split(separator: " ").map { $0.lowercased().replacing("cap_", with: "") }
        return (["-all"] + caps.map { "+" + $0 }).joined(separator: ",")
    }

    /// The nice value of each of the process's threads (field 19 of /proc/PID/task/TID/stat).
    static func threadNiceValues(_ pid: pid_t) -> [Int] {
        ((try? FileSystem.listDirectory("/proc/\(pid)/task")) ?? []).compactMap { tid in
            guard let stat = try? FileSystem.readText("/proc/\(pid)/task/\(tid)/stat"),
                  let close = stat.lastIndex(of: ")") else { return nil }
            // After "pid (comm)" come the fields from the 3rd (state) on: nice is the 19th.
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            return fields.count > 16 ? Int(fields[16]) : nil
        }
    }

    /// With only the unit's capabilities (setpriv, as systemd's CapabilityBoundingSet), no thread
    /// of the daemon runs above the default priority once its thread pool has started. With
    /// CAP_SYS_NICE in the unit (3b245c1) a thread was at -4 within seconds of the start.
    @Test func theUnitsCapabilitiesGiveNoThreadAHigherPriority() async throws {
        try #require(getuid() == 0, "run as root: the test runs the daemon with the unit's capability bounding set (setpriv)")
        let setpriv = try requireTool("setpriv", debianPackage: "util-linux")
        let caps = try Self.unitBoundingSet()
        #expect(!caps.contains("sys_nice"), "the unit grants CAP_SYS_NICE: \(caps)")
        let site = try await TestSite(checks: 1)
        defer { site.cleanup() }
        let pid = try spawnProcess(setpriv, ["--bounding-set=\(caps)", "--", try TestPaths.watchpost(), "run", "--config", site.dir],
                                   log: "\(site.dir)/daemon.log")
        defer { killAndReap(pid) }
        try await waitUntil("the daemon started", within: 60, detail: { site.log }) { site.log.contains("watchpost started") }
        try await waitUntil("the daemon's thread pool started", within: 60, detail: { String(site.log.suffix(2000)) }) {
            Self.threadNiceValues(pid).count >= 3
        }
        #expect(Self.threadNiceValues(pid).allSatisfy { $0 >= 0 }, "a thread above the default priority: \(Self.threadNiceValues(pid)) (bounding set \(caps))")
    }
}

// The daemon with the unit's capabilities, as far as thread priority goes (#21 review s6): every
// start under systemd wrote "Failed to set thread priority for worker thread: pqc=… errno=13" to
// the journal (libdispatch logs it through syslog, so only the journal showed it). libdispatch's
// event-manager thread asks for nice -4 and the unit kept only CAP_NET_RAW; it keeps CAP_SYS_NICE
// now (contrib/watchpost.service).
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

    /// With only the unit's capabilities (setpriv, as systemd's CapabilityBoundingSet), the
    /// daemon's libdispatch event-manager thread gets the nice -4 it asks for, and no thread goes
    /// further. Before CAP_SYS_NICE was kept: setpriority(-4) failed with EACCES (strace), no
    /// thread reached -4 and the journal had the errno=13 line.
    @Test func theUnitsCapabilitiesLetLibdispatchSetItsManagerThreadsPriority() async throws {
        try #require(getuid() == 0, "run as root: the test runs the daemon with the unit's capability bounding set (setpriv)")
        let setpriv = try requireTool("setpriv", debianPackage: "util-linux")
        let caps = try Self.unitBoundingSet()
        let site = try await TestSite(checks: 1)
        defer { site.cleanup() }
        let pid = try spawnProcess(setpriv, ["--bounding-set=\(caps)", "--", try TestPaths.watchpost(), "run", "--config", site.dir],
                                   log: "\(site.dir)/daemon.log")
        defer { killAndReap(pid) }
        try await waitUntil("the daemon started", within: 60, detail: { site.log }) { site.log.contains("watchpost started") }
        try await waitUntil("a thread of the daemon at nice -4 (libdispatch's event manager; bounding set \(caps))", within: 30,
                            detail: { "nice values: \(Self.threadNiceValues(pid))\n\(site.log.suffix(2000))" }) {
            Self.threadNiceValues(pid).contains(-4)
        }
        #expect(Self.threadNiceValues(pid).allSatisfy { $0 >= -4 }, "a thread below nice -4: \(Self.threadNiceValues(pid))")
    }
}

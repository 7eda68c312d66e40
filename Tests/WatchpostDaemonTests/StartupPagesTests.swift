import Testing
import Glibc
import Posix
import WatchpostTestSupport

/// The daemon hands the kernel back the pages of its own code that only start-up touched
/// (`ProcessMemory.returnProgramFilePages`, from the memory-trim service's first pass 10 s after
/// start; bench/daemon/README.md). Each daemon runs from its own copy of the binary: pages of a
/// file that other processes map too (the test lanes run the built `watchpost` side by side) are
/// left alone by the kernel, so a shared binary would not show the drop.
@Suite("Start-up pages returned to the kernel")
struct StartupPagesTests {
    /// Resident kB of the code mapping (r-xp) of `path` in process `pid`, from /proc/PID/smaps.
    static func residentCode(pid: pid_t, path: String) -> Int? {
        guard let smaps = try? FileSystem.readText("/proc/\(pid)/smaps") else { return nil }
        var inCode = false, total: Int?
        for line in smaps.split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            if let first = fields.first, first.contains("-"), fields.count >= 5, !first.hasSuffix(":") {
                inCode = fields.count == 6 && fields[1] == "r-xp" && fields[5] == path[...]
            } else if inCode, fields.first == "Rss:", fields.count >= 2, let kb = Int(fields[1]) {
                total = (total ?? 0) + kb
            }
        }
        return total
    }

    @Test func theDaemonReturnsItsStartupCodePagesAndTheSwitchKeepsThem() async throws {
        let site = try await TestSite(checks: 1, interval: "60s")
        defer { site.cleanup() }
        // The same configuration for the second daemon, in a folder of its own.
        let other = try makeTemporaryFolder("watchpost-daemon-keep")
        defer { removeTree(other) }
        let (cc, cout) = await shell("cp -r '\(site.dir)/.' '\(other)/'")
        try #require(cc == 0, "\(cout)")
        // Two private copies of the binary: one daemon returns its pages, the other is told not to.
        let returning = "\(site.dir)/watchpost-returning", keeping = "\(other)/watchpost-keeping"
        let (rc, out) = await shell("cp '\(try TestPaths.watchpost())' '\(returning)' && cp '\(returning)' '\(keeping)'")
        try #require(rc == 0, "\(out)")
        let a = try spawnProcess(returning, ["run", "--config", site.dir], log: "\(site.dir)/daemon.log")
        let b = try spawnProcess(keeping, ["run", "--config", other], log: "\(other)/daemon.log",
                                 environment: ["WATCHPOST_KEEP_STARTUP_PAGES=1"])
        defer { killAndReap(a); killAndReap(b) }
        var peakA = 0, peakB = 0
        let logA = "\(site.dir)/daemon.log", logB = "\(other)/daemon.log"
        func log(_ path: String) -> String { (try? FileSystem.readText(path)) ?? "" }
        // The first trim runs 10 s after the services start; until then both hold their start-up pages.
        try await waitUntil("the code resident in the daemon drops below half of its peak", within: 60,
                            detail: { "returning: peak \(peakA) kB now \(Self.residentCode(pid: a, path: returning) ?? -1) kB\n\(log(logA).suffix(2000))" }) {
            let nowA = Self.residentCode(pid: a, path: returning) ?? 0
            peakA = max(peakA, nowA)
            peakB = max(peakB, Self.residentCode(pid: b, path: keeping) ?? 0)
            return peakA > 1024 && nowA < peakA / 2
        }
        #expect(log(logA).contains("start-up code pages returned to the kernel"), "\(log(logA).suffix(2000))")
        // The other daemon, started at the same time with WATCHPOST_KEEP_STARTUP_PAGES=1, passes its
        // first trim too and keeps its pages.
        try await waitUntil("the second daemon's first trim", within: 60, detail: { String(log(logB).suffix(2000)) }) {
            peakB = max(peakB, Self.residentCode(pid: b, path: keeping) ?? 0)
            return log(logB).contains("start-up code pages kept")
        }
        let lastB = Self.residentCode(pid: b, path: keeping) ?? 0
        #expect(peakB > 1024 && lastB >= peakB * 8 / 10, "kept: peak \(peakB) kB now \(lastB) kB")
        #expect(!log(logB).contains("start-up code pages returned"))
    }
}

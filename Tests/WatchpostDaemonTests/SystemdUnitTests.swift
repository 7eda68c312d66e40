// contrib/watchpost.service booted for real under systemd in a container
// (Tests/systemd/boot-unit.sh): READY, a reload that changes the SMTP port, a watchdog restart of
// a SIGSTOPped daemon, a start from the last good configuration, and a clean stop.
import Testing
import Glibc
import WatchpostTestSupport

@Suite("systemd unit", .serialized)
struct SystemdUnitTests {
    @Test func unitBootsReloadsIsRestartedByTheWatchdogAndStopsCleanly() async throws {
        let (rc, out) = await shell("bash '\(packageRoot)/Tests/systemd/boot-unit.sh' '\(watchpost)' 2>&1")
        #expect(rc == 0 && out.contains("\nPASS"), "\(out)")
    }
}

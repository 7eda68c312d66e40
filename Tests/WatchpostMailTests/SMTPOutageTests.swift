// Issue #19 point 13, the short version of bench/mail/outage.sh: the built daemon, Debian's
// aiosmtpd stopped while two checks open and resolve incidents, then started again. No message
// twice, none lost, "triggered" before "resolved" for each incident and recipient, and the backlog
// out within 40 s of the server's return (the long run — 3 minutes, shipped mail defaults — is
// `bench/mail/outage.sh`, numbers in bench/mail/README.md).
import Testing
import Posix
import WatchpostTestSupport

@Suite(.serialized) struct SMTPOutageTests {
    @Test(.timeLimit(.minutes(3)))
    func backlogLeavesOnceInOrderWhenTheServerReturns() async throws {
        _ = try await requirePythonModule("aiosmtpd", debianPackage: "python3-aiosmtpd")
        _ = try requireTool("sqlite3", debianPackage: "sqlite3")
        _ = try TestPaths.watchpost()
        let (rc, out) = await shell("BIN_DIR='\(TestPaths.binDir)' GROUP_WINDOW=1s LIMIT=40 bash '\(TestPaths.packageRoot)/bench/mail/outage.sh' 8 2 1 2>&1")
        expectEqual(rc, 0, "\(out)")
        #expect(out.contains("\nOK\n") && out.contains("duplicates 0"), "\(out)")
    }
}

// Escalation as the two decisions want it, with the real binary and a real SMTP server
// (Debian's aiosmtpd), on copies of both shipped profiles: scripts/e2e/escalation-mail.sh.
// The Department hears of a security incident and a technical CRITICAL in the first group window;
// the Committee hears nothing until a Department user escalates, then exactly one message naming
// who and why; an operator's acknowledgement notice names the person, organisation, channel, note.
import Testing
import Posix
import WatchpostTestSupport

@Suite(.serialized) struct EscalationMailTests {
    @Test(.timeLimit(.minutes(2)), arguments: ["tay-trang", "vung-ang"])
    func departmentAtOnceCommitteeByDecision(site: String) async throws {
        // Debian's aiosmtpd (TEST_PACKAGES): missing, the test fails naming the package.
        _ = try await requirePythonModule("aiosmtpd", debianPackage: "python3-aiosmtpd")
        _ = try requireTool("sqlite3", debianPackage: "sqlite3")
        let (rc, out) = await shell("bash '\(packageRoot)/scripts/e2e/escalation-mail.sh' '\(binDir)' \(site) 2>&1")
        expectEqual(rc, 0, "\(out)")
        #expect(out.contains("OK \(site)"), "\(out)")
    }
}

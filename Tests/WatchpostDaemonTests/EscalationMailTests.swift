// Escalation as the two decisions want it, with the real binary and a real SMTP server
// (Debian's aiosmtpd), on copies of both shipped profiles: scripts/e2e/escalation-mail.sh.
// The Department hears of a security incident and a technical CRITICAL in the first group window;
// the Committee hears nothing until a Department user escalates, then exactly one message naming
// who and why; an operator's acknowledgement notice names the person, organisation, channel, note.
import Testing
import Posix

@Suite(.serialized) struct EscalationMailTests {
    @Test(.timeLimit(.minutes(2)), arguments: ["tay-trang", "vung-ang"])
    func departmentAtOnceCommitteeByDecision(site: String) throws {
        // Debian's aiosmtpd is in TEST_PACKAGES (python3-aiosmtpd): missing, the test fails and says so.
        try #require(FileSystem.exists("/usr/lib/python3/dist-packages/aiosmtpd"), "python3-aiosmtpd is not installed (scripts/lib.sh TEST_PACKAGES)")
        let (rc, out) = shell("bash '\(packageRoot)/scripts/e2e/escalation-mail.sh' '\(binDir)' \(site) 2>&1")
        #expect(rc == 0, "\(out)")
        #expect(out.contains("OK \(site)"), "\(out)")
    }
}

// The acknowledgement link end to end in a real browser: scripts/e2e/web-browser.sh runs the
// built `watchpost run` (engine, mail outbox, web server) with a failing check and Debian's
// aiosmtpd, then chromium driven by Selenium opens the link from the delivered email, confirms,
// signs in and finds the incident acknowledged on the status board. Screenshots go to
// .build/web-status-board.png (and -confirm, -phone); then every page, signed in and out, at
// 390 px and 1280 px into .build/screenshots/, failing when one scrolls sideways or lacks the
// viewport tag or the navigation bar (issue 15).
// A missing tool fails the test naming its Debian package (never a silent skip).
import Testing
import Posix
import WatchpostTestSupport

@Suite("Web end to end in chromium", .serialized)
struct BrowserEndToEndTests {
    // The browser walk takes ~60 s on a quiet machine and passed 300 s at load ~10 once (s7 run 3,
    // killed before the script could print its logs): the script's own limit (420 s) comes first
    // and prints the browser's and the daemon's logs; this one only guards a hung script.
    @Test(.timeLimit(.minutes(10)))
    func acknowledgementLinkFromTheEmailInChromium() async throws {
        try requireTool("chromium", debianPackage: "chromium")
        try requireTool("chromedriver", debianPackage: "chromium-driver")
        try requireTool("openssl", debianPackage: "openssl")
        try requireTool("curl", debianPackage: "curl")
        try await requirePythonModule("selenium", debianPackage: "python3-selenium")
        try await requirePythonModule("aiosmtpd", debianPackage: "python3-aiosmtpd")
        let root = TestPaths.packageRoot
        let bin = TestPaths.binDir
        _ = try TestPaths.watchpost()
        let shot = "\(root)/.build/web-status-board.png"
        _ = try? await runProgram("/bin/rm", arguments: ["-f", shot], timeout: .seconds(5))
        let outcome = try await runBlocking {
            try Subprocess.run("/bin/bash", arguments: ["\(root)/scripts/e2e/web-browser.sh", bin, shot], timeout: .seconds(540), maxOutput: 256 * 1024)
        }
        expectEqual(outcome.exitCode, 0, "\(outcome.output)")
        #expect(!outcome.timedOut)
        #expect(outcome.output.contains("OK incident=1"), "\(outcome.output)")
        // The engine recorded the recipient the link was made for, the channel and the address.
        // (an operator of level 1: the border-guard post or the provincial command, 7.2.1)
        #expect(["truc-ban@bdbp-taytrang.example.org", "chi-huy@bdbp-dienbien.example.org", "Lò Thị Mai", "kythuat@taytrang.example.org", "Trần Văn Bình"].contains { who in
            // "đã tiếp nhận: Lò Thị Mai (Đồn Biên phòng …) (qua liên kết trong thư)": the person, their organisation, the channel in words.
            outcome.output.split(separator: "\n").contains { $0.contains("đã tiếp nhận: \(who)") && $0.contains("(qua liên kết trong thư)") }
        },
                "\(outcome.output)")
        #expect(outcome.output.contains("qua liên kết trong thư từ 127.0.0.1: Đã cử tổ kỹ thuật (e2e)"), "\(outcome.output)")
        #expect(FileSystem.exists(shot), "the status board screenshot was saved")
        // Every page at both widths (the script fails on a page wider than the window).
        #expect(outcome.output.contains("screenshots of 22 pages at 390 px and 1280 px"), "\(outcome.output)")
        for name in ["board", "incidents-1", "reports-tay-trang", "registers-plan", "fleet-report", "login", "ack-link"] {
            for width in [390, 1280] { #expect(FileSystem.exists("\(root)/.build/screenshots/\(name)-\(width).png"), "\(name)-\(width).png") }
        }
    }
}

// The acknowledgement link end to end in a real browser: scripts/e2e/web-browser.sh runs the
// built `watchpost run` (engine, mail outbox, web server) with a failing check and Debian's
// aiosmtpd, then chromium driven by Selenium opens the link from the delivered email, confirms,
// signs in and finds the incident acknowledged on the status board. Screenshots go to
// .build/web-status-board.png (and -confirm, -phone).
import Testing
import Posix

let browserTools = ["/usr/bin/chromium", "/usr/bin/chromedriver", "/usr/lib/python3/dist-packages/selenium", "/usr/bin/openssl"]
let browserToolsPresent = browserTools.allSatisfy { FileSystem.exists($0) }

@Suite("Web end to end in chromium", .serialized)
struct BrowserEndToEndTests {
    @Test(.enabled(if: browserToolsPresent, "needs chromium, chromium-driver and python3-selenium (scripts/test.sh installs them)"),
          .timeLimit(.minutes(4)))
    func acknowledgementLinkFromTheEmailInChromium() async throws {
        let root = packageRoot()
        let bin = CurrentProcess.environment("WATCHPOST_BIN_DIR").flatMap { $0.isEmpty ? nil : $0 } ?? "\(root)/.build/debug"
        try #require(FileSystem.exists("\(bin)/watchpost"), "build the watchpost binary first (swift build); looked in \(bin)")
        let shot = "\(root)/.build/web-status-board.png"
        _ = try? Subprocess.run("/bin/rm", arguments: ["-f", shot], timeout: .seconds(5))
        let outcome = try await runBlocking {
            try Subprocess.run("/bin/bash", arguments: ["\(root)/scripts/e2e/web-browser.sh", bin, shot], timeout: .seconds(200), maxOutput: 256 * 1024)
        }
        #expect(outcome.exitCode == 0, "\(outcome.output)")
        #expect(!outcome.timedOut)
        #expect(outcome.output.contains("OK incident=1"), "\(outcome.output)")
        // The engine recorded the recipient the link was made for, the channel and the address.
        #expect(outcome.output.contains("acked by truc-ban@bdbp-taytrang.example.org via link"), "\(outcome.output)")
        #expect(outcome.output.contains("via link from 127.0.0.1: Đã cử tổ kỹ thuật (e2e)"), "\(outcome.output)")
        #expect(FileSystem.exists(shot), "the status board screenshot was saved")
    }
}

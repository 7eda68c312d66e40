// Issue 15: a plugin's own output ("OK - 69% free on /") was the Vietnamese sentence on the board
// and in notices. It now follows a Vietnamese sentence from the catalogue as a labelled technical
// detail; the English rendering keeps it whole for logs and the API.
import Testing
import WatchpostTestSupport
import WatchpostCore
import WatchpostProbes
import Posix

@Suite("Plugin output in Vietnamese notices")
struct PluginOutputLanguageTests {
    @Test func pluginOutputIsATechnicalDetailAfterAVietnameseSentence() async throws {
        let dir = try makeTemporaryFolder("wp-plugin-vi")
        defer { removeTree(dir) }
        try FileSystem.writeAtomically("\(dir)/check_disk", "#!/bin/sh\necho 'DISK WARNING - 9% free on / | free=9%;20;10'\nexit 1\n", mode: 0o755)
        let clock = ManualClock(now: Instant(seconds: 1_790_000_000))
        let r = await ExecProbe(command: "\(dir)/check_disk", arguments: [], timeout: .seconds(10)).run(ProbeContext(clock: clock, deadline: clock.now() + .seconds(20)))
        expectEqual(r.status, .warning)
        let vi = Catalogue.render(r.text, .vi)
        expectEqual(vi, "Chương trình kiểm tra check_disk báo: \(Catalogue.render(CheckStatus.warning.message, .vi)). Chi tiết kỹ thuật: DISK WARNING - 9% free on /", "\(vi)")
        #expect(r.summary.contains("DISK WARNING - 9% free on /"), "\(r.summary)")
    }
}

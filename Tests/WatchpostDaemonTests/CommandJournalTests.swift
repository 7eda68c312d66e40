// A person's action from the command line reaches the daemon's journal (#21 point 6; review s5,
// defect F): `watchpost ack` runs in the operator's terminal, another process, and before the
// fix the daemon's log had neither "incident acknowledged" nor "message queued" for the notices
// it queued (`grep -c event=acknowledged` → 0), so `journalctl -u watchpost` missed the story.
import Testing
import WatchpostCore
import Posix
import Glibc
import WatchpostTestSupport

@Suite("Command journal", .serialized)
struct CommandJournalTests {
    @Test func aCLIAcknowledgementAndTheMessagesItQueuedAreInTheDaemonsLog() async throws {
        let site = try await TestSite(checks: 1)
        defer { site.cleanup() }
        try FileSystem.writeAtomically("\(site.dir)/flag0", "")
        let pid = try site.start()
        defer { killAndReap(pid) }
        try await waitUntil("incident #1 opened", within: 60, detail: { site.log }) { site.log.contains("msg=\"incident opened\"") }
        let (code, text) = await shell("'\(watchpost)' ack 1 --by kythuat@taytrang.example.org --note cli-ack-test --config '\(site.dir)' 2>&1")
        try #require(code == 0, "\(text)")
        // The technician reads what happened in Vietnamese (it said "acknowledged:"; #15 review s6).
        #expect(text.hasPrefix("đã tiếp nhận: #1 "), "\(text)")
        // Nobody named (no --by, no login in the environment): a clear request, not "'cli' unknown".
        let (unnamedCode, unnamedText) = await shell("env -u USER -u SUDO_USER '\(watchpost)' ack 1 --config '\(site.dir)' 2>&1")
        #expect(unnamedCode != 0 && unnamedText.contains("chưa rõ ai thực hiện") && !unnamedText.contains("'cli'"), "\(unnamedText)")
        func daemonLines(_ what: String) -> [Substring] {
            site.log.split(separator: "\n").filter { $0.contains(what) && $0.contains("from=cli") }
        }
        try await waitUntil("the acknowledgement in the daemon's log", within: 60, detail: { site.log }) {
            !daemonLines("msg=\"incident acknowledged\"").isEmpty
        }
        let ack = daemonLines("msg=\"incident acknowledged\"")
        #expect(ack.count == 1 && ack[0].contains("incident=1") && ack[0].contains("note=cli-ack-test") && ack[0].contains("via=cli"), "\(ack)")
        // Its notices to everyone already told: one "message queued" line each, as the engine logs its own.
        let queued = daemonLines("msg=\"message queued\"")
        #expect(!queued.isEmpty && queued.allSatisfy { $0.contains("event=acknowledged") && $0.contains("incident=1") && $0.contains("to=") }, "\(site.log)")
        #expect((await waitExit(pid, seconds: 0)) == nil, "the daemon is gone")
    }
}

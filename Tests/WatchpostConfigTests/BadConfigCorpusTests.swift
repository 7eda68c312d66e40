// Issue #19, "What I will check": a corpus of configuration mistakes run through the built
// `watchpost check` (scripts/e2e/bad-config.sh) — every mistake refused with `file:line`, none a
// crash, none accepted silently; CRLF with a BOM, and a file that only lost trailing comments,
// still pass.
import Testing
import WatchpostTestSupport

@Suite struct BadConfigCorpusTests {
    @Test(.timeLimit(.minutes(3)))
    func everyMistakeIsRefusedWithFileAndLine() async throws {
        _ = try TestPaths.watchpost()
        let (rc, out) = await shell("bash '\(TestPaths.packageRoot)/scripts/e2e/bad-config.sh' '\(TestPaths.binDir)' 2>&1")
        expectEqual(rc, 0, "\(out)")
        #expect(out.contains("OK ") && !out.contains("SILENT") && !out.contains("CRASH"), "\(out)")
    }
}

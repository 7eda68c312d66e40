import Foundation
import Testing
import WatchpostTestSupport

/// New tests write `expectEqual(a, b)`, not `#expect(a == b)` (issue #13, Deliver 6: each
/// `#expect` is a macro expansion, ≈ 14 ms of compiling; 18 of them landed in a week after the
/// rewrite, s10 review D6). This runs scripts/expect-rewrite.py's detector over Tests/ so that
/// `make test` fails, naming file:line, when one lands; and first over a planted case, so that a
/// detector that finds nothing (a broken script) cannot pass the check.
struct ExpectRewriteCheckTests {
    private func check(_ paths: [String]) async throws -> (exitCode: Int32?, output: String) {
        let python = try await debianPython()
        let script = "\(TestPaths.packageRoot)/scripts/expect-rewrite.py"
        let r = try await runProgram(python, arguments: [script, "--check"] + paths, timeout: .seconds(120))
        return (r.exitCode, r.output)
    }

    @Test func theDetectorFindsAPlantedComparisonAndSparesTheHelper() async throws {
        let dir = try makeTemporaryFolder("watchpost-expect-check")
        defer { removeTree(dir) }
        let planted = "\(dir)/PlantedTests.swift"
        // "#" + "expect": written whole in this file's source, the check over Tests/ would find it.
        let expect = "#" + "expect"
        try "import Testing\n\n@Test func planted() {\n    \(expect)(1 + 1 == 2, \"sum\")\n    \(expect)(Optional(1) == nil)\n}\n"
            .write(toFile: planted, atomically: true, encoding: .utf8)
        let found = try await check([planted])
        expectEqual(found.exitCode, 1, "\(found.output)")
        #expect(found.output.contains("\(planted):4: #expect(1 + 1 == 2"), "\(found.output)")
        #expect(!found.output.contains(":5:"), "a comparison with nil cannot become expectEqual: \(found.output)")
        // The helper's own body is `#expect(actual == expected, …)`: rewritten, it would call itself.
        let helper = try await check(["\(TestPaths.packageRoot)/Tests/WatchpostTestSupport/Expectations.swift"])
        expectEqual(helper.exitCode, 0, "\(helper.output)")
    }

    @Test func noTestComparesWithExpectWhereExpectEqualWouldDo() async throws {
        let r = try await check(["\(TestPaths.packageRoot)/Tests"])
        expectEqual(r.exitCode, 0, "\(r.output)")
    }
}

// Expectations as ordinary calls (issue #13, Deliver 6: the suite's debug build was 319 CPU-s of
// test targets, most of it ≈ 3,450 `#expect`/`#require` macro expansions). Each `#expect` written
// in a test is a round trip to the testing macro plugin plus the type checking of the closure tree
// it expands to; `expectEqual(a, b)` is a plain generic call that expands `#expect` once, here.
// Measured on 300 expectations of one file: `#expect(a == b)` 5.8 CPU-s to compile,
// `expectEqual(a, b)` 1.65 CPU-s. A failure still prints both values and the caller's file:line
// ("DaemonKillTests.swift:84:9: Expectation failed: (actual → 2) == (expected → 3)" and the
// comment), as XCTAssertEqual does. scripts/expect-rewrite.py turns `#expect(a == b)` into it.
import Testing

/// Expects `actual == expected`; on failure records both values at the caller's line.
/// The operands are plain values (not autoclosures), so a caller may `await` or `try` inside them.
public func expectEqual<T: Equatable>(_ actual: T, _ expected: T, _ comment: @autoclosure () -> Comment? = nil,
                                      sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(actual == expected, comment(), sourceLocation: sourceLocation)
}

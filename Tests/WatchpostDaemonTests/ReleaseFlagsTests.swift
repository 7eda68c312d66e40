// The flags Package.swift gives a release build, read from the file as SwiftPM reads it: the
// release link places the daemon's hot functions (bench/daemon/hot-functions.order) only if every
// object has its functions in sections of their own, and Swift's incremental LLVM codegen keeps an
// object whose IR is unchanged when only the flags changed — so a release build made before
// `-function-sections` kept one plain `.text` in 34 objects (session 9) and gold could move none of
// their functions. Release builds therefore compile with `-disable-incremental-llvm-codegen`.
import Testing
import Posix
import WatchpostTestSupport

@Suite("release flags")
struct ReleaseFlagsTests {
    /// Every `.unsafeFlags([...], condition)` of Package.swift: its flags and whether it is release only.
    static func unsafeFlagSets() throws -> [(flags: [String], releaseOnly: Bool)] {
        let text = try FileSystem.readText("\(TestPaths.packageRoot)/Package.swift")
        var out: [(flags: [String], releaseOnly: Bool)] = []
        for r in text.ranges(of: ".unsafeFlags([") {
            let rest = text[r.upperBound...]
            guard let close = rest.firstIndex(of: "]") else { continue }
            // The flags are string literals; anything else (an interpolation) keeps its literal text.
            let flags = rest[..<close].split(separator: ",").map { $0.trimmingCharacters(in: " \n\"") }.filter { !$0.isEmpty }
            // The condition follows the list up to the call's closing parenthesis.
            let after = rest[close...]
            let condition = after[..<(after.firstIndex(of: ")") ?? after.endIndex)]
            out.append((flags.map(String.init), condition.contains(".when(configuration: .release")))
        }
        return out
    }

    @Test("a release build that gives functions their own sections compiles every object again")
    func functionSectionsComeWithFreshCodegen() throws {
        let sets = try Self.unsafeFlagSets()
        let sectioned = sets.filter { $0.flags.contains("-function-sections") }
        #expect(!sectioned.isEmpty, "no -function-sections in Package.swift: \(sets)")
        for set in sectioned {
            #expect(set.releaseOnly, "-function-sections outside release: \(set.flags)")
            let i = set.flags.firstIndex(of: "-disable-incremental-llvm-codegen")
            #expect(i != nil, "release flags \(set.flags) lack -Xfrontend -disable-incremental-llvm-codegen: an object compiled before a flag change keeps its old code")
            if let i { #expect(i > 0 && set.flags[i - 1] == "-Xfrontend", "\(set.flags): the flag is the frontend's") }
        }
    }

    @Test("debug builds keep incremental codegen (the test lanes' build time)")
    func debugBuildsStayIncremental() throws {
        for set in try Self.unsafeFlagSets() where set.flags.contains("-disable-incremental-llvm-codegen") {
            #expect(set.releaseOnly, "\(set.flags) applies to debug builds too")
        }
    }
}

private extension Substring {
    func trimmingCharacters(in set: String) -> Substring {
        var s = self
        while let f = s.first, set.contains(f) { s = s.dropFirst() }
        while let l = s.last, set.contains(l) { s = s.dropLast() }
        return s
    }
}

// WatchpostTestSupport owns what several test suites share: where the package and the built
// binaries are, temporary folders, kernel-chosen ports, waiting on conditions with loud
// deadlines, child processes (the daemon, the SMTP sink), and requirements (tools from Debian
// packages, root) that fail the test naming what to install instead of skipping it silently.
// This file: the package root and the built binaries.
import Posix

public enum TestPaths {
    /// The package root: $WATCHPOST_SOURCE_ROOT (scripts/test.sh), else two folders above this
    /// file (Tests/WatchpostTestSupport/Paths.swift).
    public static let packageRoot: String = {
        if let r = CurrentProcess.environment("WATCHPOST_SOURCE_ROOT"), !r.isEmpty { return r }
        var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(3)
        return parts.joined(separator: "/")
    }()

    /// Where `swift build` put the executables: $WATCHPOST_BIN_DIR (scripts/test.sh sets it from
    /// `swift build --show-bin-path`), else .build/debug.
    public static var binDir: String {
        if let d = CurrentProcess.environment("WATCHPOST_BIN_DIR"), !d.isEmpty { return d }
        return "\(packageRoot)/.build/debug"
    }

    /// The path of a built executable of this package (`watchpost`, `watchpost-sim`); fails the
    /// test when it is not built, instead of letting it pass without running anything.
    public static func builtBinary(_ name: String) throws -> String {
        let path = "\(binDir)/\(name)"
        guard FileSystem.exists(path) else {
            throw MissingRequirement("the \(name) executable is not built at \(path): run `swift build` first (make test does), or set WATCHPOST_BIN_DIR")
        }
        return path
    }

    /// The `watchpost` binary under test.
    public static func watchpost() throws -> String { try builtBinary("watchpost") }
}

// Requirements of end-to-end tests: a tool from a Debian package, a pkg-config module, a Python
// module for Debian's python3, root. A missing one FAILS the test with the package to install
// (`make test` installs TEST_PACKAGES from scripts/lib.sh); nothing here skips. Tools are found
// through PATH, pkg-config and dpkg, never at a fixed path, so the suite runs on any Debian
// architecture. The checks that ask a program (dpkg-query, pkg-config, python3, ldconfig) are
// async: the program runs on a thread of its own (runProgram), never holding one of Swift's
// cooperative threads, which other tests' timers need.
import Posix
import WatchpostCore
import Glibc

/// Thrown when something a test needs is absent; its description says how to get it.
public struct MissingRequirement: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

public enum Requirements {
    /// The folders searched for programs: PATH only, so that taking a tool off PATH is seen
    /// (root's PATH has the sbin folders; tests that need sbin programs need root anyway).
    static var searchPath: [String] {
        let path = CurrentProcess.environment("PATH") ?? "/usr/bin:/bin"
        return path.split(separator: ":").map(String.init).filter { !$0.isEmpty }
    }

    static func installHint(_ package: String) -> String {
        "install the Debian package \(package) (apt-get install \(package); `make test` installs every package in TEST_PACKAGES of scripts/lib.sh)"
    }

    static func isExecutableFile(_ path: String) -> Bool { access(path, X_OK) == 0 && !FileSystem.isDirectory(path) }
}

/// The full path of `name` found on PATH; fails naming the Debian package that provides it.
@discardableResult
public func requireTool(_ name: String, debianPackage: String) throws -> String {
    for dir in Requirements.searchPath where Requirements.isExecutableFile("\(dir)/\(name)") { return "\(dir)/\(name)" }
    throw MissingRequirement("`\(name)` is not on PATH: \(Requirements.installHint(debianPackage))")
}

/// A file a Debian package installs outside PATH (NUT's drivers in /lib/nut, a preload library),
/// found through dpkg's own file list, so that the path is right on every architecture.
@discardableResult
public func requirePackageFile(named name: String, debianPackage: String) async throws -> String {
    let dpkgQuery = try requireTool("dpkg-query", debianPackage: "dpkg")
    let listing = try await runProgram(dpkgQuery, arguments: ["-L", debianPackage], timeout: .seconds(60), maxOutput: 4 * 1024 * 1024)
    if listing.exitCode == 0 {
        for line in listing.output.split(separator: "\n") where line.hasSuffix("/\(name)") {
            let path = String(line)
            if FileSystem.exists(path) && !FileSystem.isDirectory(path) { return path }
        }
    }
    throw MissingRequirement("`\(name)` from \(debianPackage) is not installed: \(Requirements.installHint(debianPackage))")
}

/// A pkg-config module (headers and library of a -dev package).
public func requirePkgConfig(_ module: String, debianPackage: String) async throws {
    let pkgConfig = try requireTool("pkg-config", debianPackage: "pkg-config")
    let r = try await runProgram(pkgConfig, arguments: ["--exists", module], timeout: .seconds(60))
    guard r.exitCode == 0 else { throw MissingRequirement("pkg-config finds no \(module): \(Requirements.installHint(debianPackage))") }
}

/// Debian's own python3 (the one Debian's python3-* packages install modules for; a pyenv or
/// venv python3 earlier on PATH lacks them), found through dpkg.
public func debianPython() async throws -> String {
    try await requirePackageFile(named: "python3", debianPackage: "python3-minimal")
}

/// Debian's python3 after checking that it can import `module`; fails naming the package.
@discardableResult
public func requirePythonModule(_ module: String, debianPackage: String) async throws -> String {
    let python = try await debianPython()
    let r = try await runProgram(python, arguments: ["-c", "import \(module)"], timeout: .seconds(60))
    guard r.exitCode == 0 else {
        throw MissingRequirement("\(python) cannot import \(module): \(Requirements.installHint(debianPackage)) — \(r.output.suffix(300))")
    }
    return python
}

/// Whether this process runs as root.
public var runningAsRoot: Bool { geteuid() == 0 }

/// Tests that need root (network namespaces, raw sockets, a throw-away dovecot) fail when run
/// without it, saying so: `make test` runs them as it is run, and CI runs as root.
public func requireRoot(_ why: String) throws {
    guard runningAsRoot else {
        throw MissingRequirement("needs root (\(why)): run `sudo make test`; CI runs the suite as root")
    }
}

/// A shared library the dynamic loader finds (a preload library, say), checked through
/// `ldconfig -p`; fails naming the Debian package.
public func requireSharedLibrary(_ soname: String, debianPackage: String) async throws {
    // ldconfig is part of every Debian system (libc-bin), in an sbin folder a user's PATH lacks.
    let ldconfig = try (["/usr/sbin", "/sbin"].map { "\($0)/ldconfig" }.first(where: Requirements.isExecutableFile)
                        ?? requireTool("ldconfig", debianPackage: "libc-bin"))
    let r = try await runProgram(ldconfig, arguments: ["-p"], timeout: .seconds(60), maxOutput: 4 * 1024 * 1024)
    let found = r.output.split(separator: "\n").contains { $0.trimmingWhitespace().hasPrefix(soname + " ") }
    guard found else { throw MissingRequirement("the dynamic loader finds no \(soname): \(Requirements.installHint(debianPackage))") }
}

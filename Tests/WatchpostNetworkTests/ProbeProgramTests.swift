// `watchpost-probe`, the small ad-hoc probe program (bench/network/README.md): it links no C
// library beyond libc, libm and libstdc++ (the start-up cost that made `watchpost probe net` 1.7×
// fping's CPU), and prints what `watchpost probe net` prints.
import Testing
import WatchpostTestSupport
import WatchpostCore
import Posix

@Suite struct ProbeProgramTests {
    func needed(_ program: String) async throws -> [String] {
        let readelf = try requireTool("readelf", debianPackage: "binutils")
        let r = try await runProgram(readelf, arguments: ["-d", "-W", try TestPaths.builtBinary(program)], timeout: .seconds(60))
        try #require(r.exitCode == 0, "readelf: \(r.output)")
        return r.output.split(separator: "\n").filter { $0.contains("(NEEDED)") }.compactMap { line in
            line.split(separator: "[").last.map { String($0.prefix { $0 != "]" }) }
        }
    }

    @Test("watchpost-probe links only glibc, libstdc++ and libgcc_s; watchpost links its C libraries")
    func theProbeProgramLinksNoCLibraryOfWatchpost() async throws {
        let lean = try await needed("watchpost-probe")
        #expect(!lean.isEmpty)
        // glibc (with its loader, which debug links name), libm, and the C++ runtime the Swift runtime needs.
        #expect(Set(lean).isSubset(of: ["libc.so.6", "libm.so.6", "libstdc++.so.6", "libgcc_s.so.1", "ld-linux-x86-64.so.2"]), "watchpost-probe links \(lean)")
        let full = try await needed("watchpost")
        #expect(full.contains { $0.hasPrefix("libsqlite3") } && full.contains { $0.hasPrefix("libcrypto") }, "\(full)")
    }

    /// The same TCP probe (a port nothing listens on: refused at once) through both programs.
    @Test("watchpost-probe net prints what watchpost probe net prints")
    func bothProgramsPrintTheSameResult() async throws {
        let port = try freeTCPPort()
        func run(_ program: String, _ prefix: [String]) async throws -> (Int32?, JSONValue) {
            let args = prefix + ["--target", "127.0.0.1", "--port", String(port), "--timeout", "2s", "--json"]
            let r = try await runProgram(try TestPaths.builtBinary(program), arguments: args, timeout: .seconds(60))
            var json = try JSONCoding.parse(Array(r.output.utf8))
            // The moment and the time taken differ between two runs; everything else must not.
            if case .object(var members) = json {
                members["startedAt"] = nil
                members["duration"] = nil
                json = .object(members)
            }
            return (r.exitCode, json)
        }
        let (leanCode, lean) = try await run("watchpost-probe", ["net"])
        let (fullCode, full) = try await run("watchpost", ["probe", "net"])
        #expect(leanCode == 2 && fullCode == 2)
        expectEqual(lean, full)
        guard case .object(let members) = lean, case .array(let findings)? = members["findings"], case .object(let first)? = findings.first else {
            Issue.record("no finding in \(lean)")
            return
        }
        expectEqual(first["code"], .string("refused"))
    }

    /// Its echoes to IP addresses need no thread besides the main one: before session 11 it started
    /// five (Swift's shared threads and libdispatch's manager for the hop off the main actor, the
    /// blocking pool's thread for the loop): ≈ 0.7 ms and 30 page faults of a ≈ 30 ms run beside
    /// fping's (bench/network/README.md). A name still takes the pool (its resolution has a deadline).
    @Test("watchpost-probe net to IP addresses starts no thread")
    func theProbeProgramStartsNoThreadForAddresses() async throws {
        try requireRoot("it opens a raw ICMP socket when the ping group range leaves out root")
        let strace = try requireTool("strace", debianPackage: "strace")
        let folder = try makeTemporaryFolder("watchpost-probe-threads")
        defer { removeTree(folder) }
        let log = folder + "/clone.log"
        let r = try await runProgram(strace, arguments: ["-f", "-qq", "-e", "trace=clone,clone3", "-o", log, try TestPaths.builtBinary("watchpost-probe"),
                                                         "net", "--target", "127.0.0.1,127.0.0.2,::1", "--count", "2", "--interval", "50ms", "--json"],
                                     timeout: .seconds(60))
        expectEqual(r.exitCode, 0, "\(r.output)")
        #expect(r.output.contains("\"targets_answering\""), "\(r.output)")
        let starts = try FileSystem.readText(log).split(separator: "\n").filter { $0.contains("clone") }
        #expect(starts.isEmpty, "thread starts: \(starts)")
    }

    @Test("watchpost-probe refuses --url and an unknown probe, naming what to use")
    func theProbeProgramNamesWhatItCannotDo() async throws {
        let bin = try TestPaths.builtBinary("watchpost-probe")
        let url = try await runProgram(bin, arguments: ["net", "--url", "http://127.0.0.1/"], timeout: .seconds(60))
        expectEqual(url.exitCode, 64)
        #expect(url.output.contains(Catalogue.render(Message("cli.probe.url_needs_watchpost"), .vi)), "\(url.output)")
        #expect(url.output.contains("use watchpost probe net --url"), "\(url.output)")
        let other = try await runProgram(bin, arguments: ["ups"], timeout: .seconds(60))
        expectEqual(other.exitCode, 64)
        #expect(other.output.contains("watchpost-probe has no probe 'ups' (only: net)"), "\(other.output)")
        let help = try await runProgram(bin, arguments: ["--help"], timeout: .seconds(60))
        #expect(help.exitCode == 0 && help.output.contains("watchpost-probe net --target HOST"), "\(help.output)")
    }
}

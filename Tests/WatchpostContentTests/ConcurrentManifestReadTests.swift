// The player check and the broadcast log read the same manifest into the same archive at the same
// moment (both start with the daemon). #13, session 10: DaemonKillTests'
// `playsAreRecordedWhileTheMailServerAndTheUplinkAreUnreachable` failed at load ≈ 5 with a play
// logged approved, sequence 7 but no manifest id: `FileSystem.writeAtomically` named its temporary
// file after the process only, so two threads writing the archive's scope file at once shared one
// temporary file, and the loser's rename found it gone (ENOENT) — `keep` threw, the reading had no
// archive id and the play was logged without its manifest.
import Testing
import WatchpostTestSupport
import WatchpostCore
import WatchpostContent
import Posix

struct ConcurrentManifestReadTests {
    /// Eight threads of the process's blocking pool read one manifest into a fresh archive at once, 40 times: every reading has
    /// the archive id. Seen failing before the fix: "cannot keep the manifest in the archive …:
    /// rename …sequence.tmp-…: No such file or directory" in most rounds.
    @Test func readersAtOnceAllGetTheArchiveID() async throws {
        let f = try ContentFixture()
        for round in 0..<40 {
            let archive = ManifestArchive(folder: f.root + "/archive-\(round)")
            let manifest = f.manifestPath, key = f.publicKeyPath, now = f.now
            let readings = try await withThrowingTaskGroup(of: ManifestLoader.Reading.self) { group in
                for _ in 0..<8 {
                    group.addTask { try await runBlocking { ManifestLoader.read(manifest: manifest, publicKey: key, now: now, archive: archive) } }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            let problems = readings.compactMap(\.archiveProblem)
            expectEqual(problems, [], "round \(round)")
            expectEqual(Set(readings.map { $0.archivedID ?? "none" }).count, 1, "round \(round): \(readings.map(\.archivedID))")
            expectEqual(readings.filter { $0.archivedID == nil }.count, 0, "round \(round)")
        }
    }

    /// A write that fails leaves no temporary file: since each call names its own, a failure per
    /// reading on a full disk would leave one more each time (#13 review s10, D3). The rename fails
    /// here because the path is a folder that is not empty. Seen failing before the fix: one
    /// `held.tmp-…` left per call.
    @Test func aFailedWriteLeavesNoTemporaryFile() throws {
        let dir = try makeTemporaryFolder("watchpost-write-fails")
        defer { FileSystem.removeTree(dir) }
        try FileSystem.makeDirectories(dir + "/held")
        try FileSystem.writeAtomically(dir + "/held/inside", "x")
        for _ in 0..<3 { #expect(throws: SystemError.self) { try FileSystem.writeAtomically(dir + "/held", "y") } }
        expectEqual(try FileSystem.listDirectory(dir), ["held"])
    }

    /// Different manifests of one file kept at once (#13 review s10, D7): the scope's highest
    /// sequence was read, compared and written with nothing held, so a keep of sequence 3 that
    /// read before a keep of sequence 8 wrote could write 3 after it — the anti-replay mark
    /// lowered, and an older approval accepted again. Eight threads keep sequences 1…8 at once,
    /// 20 times: the mark ends at 8 and the newest accepted manifest is the one of sequence 8.
    /// Seen failing before the fix (the keeps unlocked): the mark ended below 8 in most rounds.
    @Test func concurrentKeepsOfOneFileNeverLowerItsHighestSequence() async throws {
        let dir = try makeTemporaryFolder("watchpost-keep-race")
        defer { FileSystem.removeTree(dir) }
        let approved = Instant(seconds: 1_795_481_411)
        for round in 0..<20 {
            let archive = ManifestArchive(folder: "\(dir)/archive-\(round)")
            let ids = try await withThrowingTaskGroup(of: (Int64, String).self) { group in
                for sequence in Int64(1)...8 {
                    let manifest = Manifest(approvedBy: "Sở TT&TT", approvedAt: approved, validFrom: approved, validTo: approved + .hours(720),
                                            keyID: "k", items: [], sequence: sequence)
                    let bytes = Array("manifest \(sequence) of round \(round)\n".utf8)
                    group.addTask { (sequence, try await runOnOwnThread { try archive.keep(bytes: bytes, manifest: manifest, scope: "/srv/content/manifest") }) }
                }
                return try await group.reduce(into: [Int64: String]()) { $0[$1.0] = $1.1 }
            }
            expectEqual(archive.highestSequence(scope: "/srv/content/manifest"), 8, "round \(round)")
            expectEqual(archive.lastAccepted(scope: "/srv/content/manifest")?.id, ids[8], "round \(round)")
        }
    }
}

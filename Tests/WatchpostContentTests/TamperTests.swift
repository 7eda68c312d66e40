import Testing
import WatchpostTestSupport
import WatchpostCore
import WatchpostContent
import Crypto
import Posix
import Synchronization

/// The tamper scenarios of issue 6, each through the `content` probe as the daemon runs it.
@Suite struct TamperTests {
    typealias C = ContentFindingCode

    func run(_ probe: ContentProbe, _ clock: ManualClock, _ f: ContentFixture) async -> CheckResult {
        await probe.run(f.context(clock))
    }

    @Test func cleanFolderIsOK() async throws {
        let f = try ContentFixture()
        let clock = ManualClock(now: f.now)
        let r = await run(ContentProbe(settings: f.settings()), clock, f)
        expectEqual(r.status, .ok, "\(r.summary)")
        #expect(r.summary.contains("3 file(s) match"))
        expectEqual(r.facts["approved_by"], "Sở Thông tin và Truyền thông tỉnh Điện Biên")
    }

    @Test func addedFileIsUnexpectedWithNameAndHash() async throws {
        let f = try ContentFixture()
        let clock = ManualClock(now: f.now)
        let probe = ContentProbe(settings: f.settings())
        await expectEqual(run(probe, clock, f).status, .ok)
        try f.write("videos/quang-cao.mp4", "unapproved advertisement")
        let r = await run(probe, clock, f)
        expectEqual(r.status, .critical)
        let finding = try #require(r.findings(C.unexpectedFile).first)
        let sha = Hex.encode(SHA256Hasher.digest("unapproved advertisement"))
        #expect(finding.message.contains("videos/quang-cao.mp4") && finding.message.contains(sha), "\(finding.message)")
        #expect(finding.securityRelevant)
        #expect(r.isSecurityRelevant)
    }

    @Test func modificationWithRestoredMtimeIsCaughtByTheFullRehash() async throws {
        let f = try ContentFixture()
        let clock = ManualClock(now: f.now)
        let probe = ContentProbe(settings: f.settings(fullRehash: .hours(24)))
        await expectEqual(run(probe, clock, f).status, .ok)
        let path = f.media + "/videos/tet-2026.mp4"
        let before = try FileSystem.linkStatus(path)
        try FileSystem.overwrite(path, at: 0, Array("XXXX".utf8))  // same size, same inode
        try FileSystem.setModificationTime(path, nanoseconds: before.modifiedNanoseconds)
        let after = try FileSystem.linkStatus(path)
        #expect(after.inode == before.inode && after.size == before.size && after.modifiedNanoseconds == before.modifiedNanoseconds)
        // The quick scan trusts size, mtime and inode: not seen yet…
        clock.advance(by: .hours(1))
        let quick = await run(probe, clock, f)
        expectEqual(quick.status, .ok)
        expectEqual(quick.measurement("hashed_files"), 0)
        // …the daily full re-hash reads every file again and finds it.
        clock.advance(by: .hours(24))
        let full = await run(probe, clock, f)
        expectEqual(full.status, .critical)
        expectEqual(full.findings(C.modifiedFile).first?.message.contains("videos/tet-2026.mp4"), true)
        expectEqual(full.measurement("hashed_files"), 3)
    }

    @Test func deletedApprovedFileIsMissing() async throws {
        let f = try ContentFixture()
        let clock = ManualClock(now: f.now)
        try FileSystem.unlinkFile(f.media + "/images/poster.png")
        let r = await run(ContentProbe(settings: f.settings()), clock, f)
        let finding = try #require(r.findings(C.missingFile).first)
        #expect(finding.message.contains("images/poster.png") && finding.message.contains(Hex.encode(SHA256Hasher.digest("PNG…"))))
        #expect(finding.securityRelevant)
        #expect(r.status.isProblem)
    }

    @Test func manifestReplacedByOneSignedWithAnotherKey() async throws {
        let f = try ContentFixture()
        let clock = ManualClock(now: f.now)
        try f.write("videos/quang-cao.mp4", "unapproved")
        try f.sign(key: try Ed25519.generate().privateKey)  // lists the new file, but signed by someone else
        let r = await run(ContentProbe(settings: f.settings()), clock, f)
        expectEqual(r.status, .critical)
        let finding = try #require(r.findings(C.signatureInvalid).first)
        #expect(finding.message.contains("not signed with the Department's key"))
        #expect(finding.message.contains(Ed25519.keyID(f.publicKey)))
    }

    @Test func manifestEditedAfterSigning() async throws {
        let f = try ContentFixture()
        let clock = ManualClock(now: f.now)
        try f.write("videos/quang-cao.mp4", "unapproved")
        // The attacker appends the new file's line before the signature.
        let text = try FileSystem.readText(f.manifestPath)
        let line = "file \(Hex.encode(SHA256Hasher.digest("unapproved"))) 10 videos/quang-cao.mp4\n"
        try FileSystem.writeAtomically(f.manifestPath, text.replacingFirst("signature ", with: line + "signature "))
        let r = await run(ContentProbe(settings: f.settings()), clock, f)
        expectEqual(r.status, .critical)
        expectEqual(r.findings(C.signatureInvalid).first?.message.contains("edited after signing"), true)
        // With no trusted manifest nothing is judged approved.
        #expect(r.findings(C.unexpectedFile).isEmpty)
    }

    @Test func expiredAndNotYetValidManifests() async throws {
        let f = try ContentFixture()
        let clock = ManualClock(now: f.now)
        let probe = ContentProbe(settings: f.settings())
        await expectEqual(run(probe, clock, f).status, .ok)
        clock.advance(to: Instant.parse("2027-01-01T00:00:00+07:00")!)
        let expired = await run(probe, clock, f)
        expectEqual(expired.status, .critical)
        expectEqual(expired.findings(C.manifestExpired).first?.message.contains("expired at 23:59 on 31/12/2026"), true)
        expectEqual(expired.findings(C.manifestExpired).map { Catalogue.render($0.text, .vi) }.first?.contains("23 giờ 59 phút, ngày 31/12/2026"), true)
        try f.sign(validFrom: "2027-02-01T00:00:00+07:00", validTo: "2027-12-31T00:00:00+07:00")
        let early = await run(probe, clock, f)
        expectEqual(early.problemCodes, [C.manifestNotYetValid])
    }

    @Test func missingManifest() async throws {
        let f = try ContentFixture()
        try FileSystem.unlinkFile(f.manifestPath)
        let r = await run(ContentProbe(settings: f.settings()), ManualClock(now: f.now), f)
        expectEqual(r.problemCodes, [C.manifestMissing])
        expectEqual(r.status, .critical)
    }

    @Test func symlinkEscapingTheFolderIsReportedNotFollowed() async throws {
        let f = try ContentFixture()
        let clock = ManualClock(now: f.now)
        try FileSystem.makeDirectories(f.root + "/outside")
        try FileSystem.writeAtomically(f.root + "/outside/secret.mp4", "outside content")
        try FileSystem.makeSymlink(f.media + "/videos/link.mp4", pointingTo: "../../outside/secret.mp4")
        try FileSystem.makeSymlink(f.media + "/etc", pointingTo: "/etc")
        try FileSystem.makeSymlink(f.media + "/inside.m3u", pointingTo: "playlist.m3u")  // stays inside: fine
        let r = await run(ContentProbe(settings: f.settings()), clock, f)
        let escapes = r.findings(C.symlinkEscape)
        expectEqual(escapes.count, 2)
        #expect(escapes.contains { $0.message.contains("videos/link.mp4") && $0.message.contains("../../outside/secret.mp4") })
        #expect(escapes.contains { $0.message.contains("etc") })
        // Not followed: the outside file was never hashed, nothing under /etc was listed.
        #expect(!r.findings.contains { $0.message.contains(Hex.encode(SHA256Hasher.digest("outside content"))) })
        #expect(!r.findings.contains { $0.message.contains("passwd") })
        #expect(r.findings(C.unexpectedFile).isEmpty)
        expectEqual(r.findings(C.unlistedCopy).first?.message.contains("inside.m3u"), true)
    }

    @Test func fifoInTheFolderIsUnreadableAndNeverBlocks() async throws {
        // Root reads any file whatever its mode; a FIFO cannot be read as content by anyone, and
        // opening it for reading would block forever without O_NONBLOCK.
        let f = try ContentFixture()
        try FileSystem.makeFIFO(f.media + "/videos/pipe.mp4")
        let r = await run(ContentProbe(settings: f.settings()), ManualClock(now: f.now), f)
        let finding = try #require(r.findings(C.unreadableFile).first)
        #expect(finding.message.contains("videos/pipe.mp4") && finding.message.contains("fifo"))
        // A file that cannot be read is a technical fault (issue 14 point 3), not a security one.
        #expect(!finding.securityRelevant)
    }

    @Test func fileWithoutReadPermissionIsUnreadable() async throws {
        let f = try ContentFixture()
        try FileSystem.setPermissions(f.media + "/images/poster.png", 0)
        if FileSystem.isPrivileged {
            // Root ignores permission bits: run the same scan as an unprivileged user (nobody)
            // through the CLI, from a copy of the binary in the fixture's world-readable folder
            // (nobody may not be able to reach the build folder).
            let setpriv = try requireTool("setpriv", debianPackage: "util-linux")
            let bin = f.root + "/watchpost"
            let copied = try await runProgram("/bin/cp", arguments: [try TestPaths.watchpost(), bin], timeout: .seconds(60))
            try #require(copied.exitCode == 0, "\(copied.output)")
            let o = try await runProgram(setpriv, arguments: ["--reuid=65534", "--regid=65534", "--clear-groups", bin, "manifest", "verify",
                                                             f.manifestPath, f.media, "--public-key", f.publicKeyPath, "--at", "2026-11-24"],
                                       timeout: .seconds(60))
            expectEqual(o.exitCode, 1, "\(o.output)")
            #expect(o.output.contains("content.unreadable-file: Không đọc được tệp images/poster.png") && o.output.contains("Permission denied"), "\(o.output)")
        } else {
            let r = await run(ContentProbe(settings: f.settings()), ManualClock(now: f.now), f)
            expectEqual(r.findings(C.unreadableFile).first?.message.contains("Permission denied"), true)
        }
    }

    @Test func fileChangingWhileHashedIsDetected() async throws {
        let f = try ContentFixture()
        let target = f.media + "/videos/tet-2026.mp4"
        // Each time the first block of the video has been hashed, something appends to it.
        let options = ScanOptions(blockSize: 4096, afterBlock: { path in
            if path == "videos/tet-2026.mp4" { try? FileSystem.append(target, Array("more".utf8)) }
        })
        let r = await run(ContentProbe(settings: f.settings(options: options)), ManualClock(now: f.now), f)
        let finding = try #require(r.findings(C.changedWhileHashing).first)
        #expect(finding.message.contains("videos/tet-2026.mp4"))
        #expect(finding.securityRelevant)
    }

    @Test func oneChangeDuringHashingSettlesOnTheRetry() async throws {
        let f = try ContentFixture()
        let target = f.media + "/videos/tet-2026.mp4"
        let once = Atomic<Bool>(false)
        let options = ScanOptions(blockSize: 4096, afterBlock: { path in
            if path == "videos/tet-2026.mp4", !once.exchange(true, ordering: .relaxed) {
                try? FileSystem.overwrite(target, at: 0, Array("t".utf8))  // the approved bytes, rewritten: times change
            }
        })
        let r = await run(ContentProbe(settings: f.settings(options: options)), ManualClock(now: f.now), f)
        expectEqual(r.status, .ok, "\(r.summary)")
    }

    @Test func hashCacheSurvivesARestart() async throws {
        let f = try ContentFixture()
        let state = f.root + "/content.state"
        let clock = ManualClock(now: f.now)
        let first = await run(ContentProbe(settings: f.settings(stateFile: state)), clock, f)
        expectEqual(first.measurement("hashed_files"), 3)
        clock.advance(by: .minutes(5))
        // A new probe (daemon restarted) reads the state file and re-reads nothing.
        let second = await run(ContentProbe(settings: f.settings(stateFile: state)), clock, f)
        expectEqual(second.status, .ok)
        expectEqual(second.measurement("hashed_files"), 0)
        #expect(second.facts["last_full_rehash"] != nil)
        // A new file is still hashed.
        try f.write("new.mp4", "x")
        let third = await run(ContentProbe(settings: f.settings(stateFile: state)), clock, f)
        expectEqual(third.measurement("hashed_files"), 1)
    }

    @Test func slowScanDoesNotHoldTheRunAndFinishesInTheBackground() async throws {
        let f = try ContentFixture()
        // The scan's thread waits on a gate the test opens (no polling).
        let gate = BlockingGate()
        defer { gate.open() }
        let options = ScanOptions(blockSize: 4096, afterBlock: { _ in gate.wait() })
        let probe = ContentProbe(settings: f.settings(options: options))
        let clock = ManualClock(now: f.now)
        let running = Task { await probe.run(f.context(clock, timeout: .seconds(10))) }
        // Let the deadline pass while the scan is stuck: the run answers anyway.
        try await waitUntil("the task asleep on the manual clock", within: 60, pollMilliseconds: 1) { () async in clock.sleeperCount > 0 }
        clock.advance(by: .seconds(10))
        let r = await running.value
        expectEqual(r.problemCodes, [C.scanInProgress])
        expectEqual(r.status, .unknown)
        gate.open()
        let next = await probe.run(f.context(clock))
        expectEqual(next.status, .ok, "\(next.summary)")
    }

    @Test func largeSparseFileHashesWithBoundedMemory() async throws {
        let f = try ContentFixture(files: [:])
        let big = f.media + "/big.mp4"
        try FileSystem.setSize(big, 128 << 20)
        let before = CurrentProcess.residentKilobytes() ?? 0
        let result = try await runBlocking { MediaScanner.hashOne(big) }
        let after = CurrentProcess.residentKilobytes() ?? 0
        let (sha, size) = try result.get()
        expectEqual(size, 128 << 20)
        let peer = try await runProgram(try requireTool("sha256sum", debianPackage: "coreutils"), arguments: [big], timeout: .seconds(60))
        #expect(peer.output.hasPrefix(sha), "sha256sum: \(peer.output)")
        #expect(after - before < 32 * 1024, "RSS grew by \(after - before) kB hashing 128 MiB")
    }

    @Test func unavailableFolderIsATechnicalProblem() async throws {
        let f = try ContentFixture()
        let settings = ContentCheckSettings(mediaFolder: f.root + "/not-mounted", manifestPath: f.manifestPath, publicKeyPath: f.publicKeyPath)
        let r = await ContentProbe(settings: settings).run(f.context(ManualClock(now: f.now)))
        let finding = try #require(r.findings(C.folderUnavailable).first)
        #expect(!finding.securityRelevant)
        #expect(r.findings(C.missingFile).isEmpty)
    }
}

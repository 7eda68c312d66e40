import Testing
import WatchpostCore
import WatchpostContent
import WatchpostPlayer
import Crypto
import Posix
import WatchpostTestSupport

@Suite struct ManifestMetadataTests {
    let at = Instant.parse("2026-11-24T09:00:00+07:00")!

    func manifest(_ key: [UInt8], sequence: Int64?, meta: ItemMetadata = ItemMetadata(title: "Lễ hội Hoa Ban 2026", source: "dai-ptth-dien-bien",
                                                                                      languages: ["vi", "en"], month: "2026-11", kind: .programme)) throws -> Manifest {
        Manifest(approvedBy: "Sở TT&TT Điện Biên", approvedAt: at, validFrom: Instant.parse("2026-11-01T00:00:00+07:00")!,
                 validTo: Instant.parse("2026-12-31T23:59:59+07:00")!, keyID: Ed25519.keyID(try Ed25519.publicKey(fromPrivate: key)),
                 items: [ApprovedItem(path: "videos/hoa ban.mp4", sha256: String(repeating: "c", count: 64), size: 7, metadata: meta),
                         ApprovedItem(path: "still.png", sha256: String(repeating: "d", count: 64), size: 2)],
                 sequence: sequence)
    }

    @Test func metadataAndSequenceAreSignedAndReadBack() throws {
        let pair = try Ed25519.generate()
        let text = try manifest(pair.privateKey, sequence: 42).signed(privateKey: pair.privateKey)
        #expect(text.hasPrefix("watchpost-manifest 2\n"))
        #expect(text.contains("\nsequence 42\n"))
        #expect(text.contains("videos/hoa ban.mp4\n  title Lễ hội Hoa Ban 2026\n  source dai-ptth-dien-bien\n  languages vi, en\n  month 2026-11\n  kind programme\n"))
        let v = ManifestVerdict.judge(bytes: Array(text.utf8), publicKey: pair.publicKey, at: at)
        guard case .valid(let m) = v else { Issue.record("expected valid, got \(v)"); return }
        expectEqual(m.sequence, 42)
        let item = try #require(m.item(at: "videos/hoa ban.mp4"))
        expectEqual(item.metadata, ItemMetadata(title: "Lễ hội Hoa Ban 2026", source: "dai-ptth-dien-bien", languages: ["vi", "en"], month: "2026-11", kind: .programme))
        expectEqual(m.item(at: "still.png")?.metadata.isEmpty, true)
        // Changing a title voids the signature like any other byte.
        let edited = text.replacingFirst("title Lễ hội Hoa Ban 2026", with: "title Quảng cáo")
        guard case .badSignature = ManifestVerdict.judge(bytes: Array(edited.utf8), publicKey: pair.publicKey, at: at) else {
            Issue.record("an edited title must break the signature"); return
        }
    }

    @Test func manifestWithoutMetadataStaysFormat1AndOldFilesStillRead() throws {
        let pair = try Ed25519.generate()
        let plain = try manifest(pair.privateKey, sequence: nil, meta: ItemMetadata()).signed(privateKey: pair.privateKey)
        #expect(plain.hasPrefix("watchpost-manifest 1\n"))
        let m = try Manifest.parse(Array(plain.utf8))
        #expect(m.sequence == nil && m.effectiveSequence == 0)
        // Format 1 may not carry format 2 lines.
        let bad = plain.replacingFirst("key-id", with: "sequence 3\nkey-id")
        #expect(throws: ManifestFormatError.self) { try Manifest.parse(Array(bad.utf8)) }
    }

    @Test func badMetadataIsRefusedWithItsLine() throws {
        let pair = try Ed25519.generate()
        let text = try manifest(pair.privateKey, sequence: 1).signed(privateKey: pair.privateKey)
        for (from, to, why) in [("kind programme", "kind advert", "kind 'advert'"), ("month 2026-11", "month 2026-13", "YYYY-MM"),
                                ("languages vi, en", "languages Vietnamese", "ISO 639"), ("source dai-ptth-dien-bien", "source Đài PT-TH", "organisation id"),
                                ("sequence 1", "sequence -1", "whole number")] {
            do {
                _ = try Manifest.parse(Array(text.replacingFirst(from, with: to).utf8))
                Issue.record("\(to) accepted")
            } catch {
                // Manifest.parse throws only ManifestFormatError (typed throws).
                #expect(error.line > 0 && error.message.contains(why), "\(error)")
            }
        }
    }

    @Test func sidecarLinesGiveEachItemItsMetadata() throws {
        let text = """
            # path | title | source | languages | month | kind
            videos/hoa-ban.mp4 | Lễ hội Hoa Ban | dai-ptth-dien-bien | vi, en | 2026-03 | programme
            stills/poster.png |  | stttt-dien-bien | lo |  | still
            """
        let parsed = try ManifestSidecar.parse(text).get()
        expectEqual(parsed["videos/hoa-ban.mp4"], ItemMetadata(title: "Lễ hội Hoa Ban", source: "dai-ptth-dien-bien", languages: ["vi", "en"], month: "2026-03", kind: .programme))
        expectEqual(parsed["stills/poster.png"], ItemMetadata(source: "stttt-dien-bien", languages: ["lo"], kind: .still))
        guard case .failure(let e) = ManifestSidecar.parse("a.mp4 | t | s | vi | 2026-03 | film\n") else { Issue.record("bad kind accepted"); return }
        expectEqual(e.line, 1)
    }

    @Test func olderSequenceIsRefusedAsAReplayAndTheNewerArchived() throws {
        let f = try ContentFixture()
        let archive = ManifestArchive(folder: f.root + "/archive/tay-trang")
        let m5 = try manifest(f.privateKey, sequence: 5)
        let m7 = try manifest(f.privateKey, sequence: 7)
        // The newer approval is accepted and archived byte for byte.
        try FileSystem.writeAtomically(f.manifestPath, try m7.signed(privateKey: f.privateKey))
        let first = ManifestLoader.read(manifest: f.manifestPath, publicKey: f.publicKeyPath, now: at, archive: archive)
        #expect(first.accepted?.sequence == 7 && first.replayedBelow == nil)
        let entry = try #require(archive.entries().first)
        #expect(entry.sequence == 7 && entry.id == first.archivedID)
        try expectEqual(archive.bytes(of: entry), FileSystem.readBytes(f.manifestPath, limit: 1 << 20))
        // The older one, correctly signed, put back on the box: refused, not archived.
        try FileSystem.writeAtomically(f.manifestPath, try m5.signed(privateKey: f.privateKey))
        let replay = ManifestLoader.read(manifest: f.manifestPath, publicKey: f.publicKeyPath, now: at, archive: archive)
        #expect(replay.replayedBelow == 7 && replay.accepted == nil && replay.archivedID == nil)
        expectEqual(archive.entries().count, 1)
        let findings = ContentJudge.findings(manifest: replay.outcome, scan: nil, manifestPath: f.manifestPath, replayedBelow: replay.replayedBelow).findings
        expectEqual(findings.map(\.code), [ContentFindingCode.manifestReplayed])
        #expect(findings.first?.securityRelevant == true && findings.first?.status == .critical)
    }

    // Review of issue #14: two content checks of one site signed with one key flagged each
    // other's manifests as replayed (the archive's highest sequence was the site's). A replay is
    // judged per manifest file; a real replay on either is still refused.
    @Test func twoChecksSignedWithOneKeyDoNotReplayEachOther() throws {
        let f = try ContentFixture()
        let archive = ManifestArchive(folder: f.root + "/archive/tay-trang")
        let other = f.root + "/second.manifest"
        try FileSystem.writeAtomically(f.manifestPath, try manifest(f.privateKey, sequence: 7).signed(privateKey: f.privateKey))
        try FileSystem.writeAtomically(other, try manifest(f.privateKey, sequence: 3).signed(privateKey: f.privateKey))
        let a = ManifestLoader.read(manifest: f.manifestPath, publicKey: f.publicKeyPath, now: at, archive: archive)
        let b = ManifestLoader.read(manifest: other, publicKey: f.publicKeyPath, now: at, archive: archive)
        #expect(a.replayedBelow == nil && a.accepted?.sequence == 7)
        #expect(b.replayedBelow == nil && b.accepted?.sequence == 3, "the second check's manifest was judged against the first's sequence")
        // Read again (each check runs every interval): still accepted, both.
        #expect(ManifestLoader.read(manifest: f.manifestPath, publicKey: f.publicKeyPath, now: at, archive: archive).replayedBelow == nil)
        #expect(ManifestLoader.read(manifest: other, publicKey: f.publicKeyPath, now: at, archive: archive).replayedBelow == nil)
        // An older approval put back on the second check is still a replay there.
        try FileSystem.writeAtomically(other, try manifest(f.privateKey, sequence: 2).signed(privateKey: f.privateKey))
        expectEqual(ManifestLoader.read(manifest: other, publicKey: f.publicKeyPath, now: at, archive: archive).replayedBelow, 3)
    }

    @Test func expiredManifestIsNotASecurityFinding() throws {
        let pair = try Ed25519.generate()
        let text = try manifest(pair.privateKey, sequence: 1).signed(privateKey: pair.privateKey)
        let later = Instant.parse("2027-01-02T00:00:00+07:00")!
        let v = ManifestVerdict.judge(bytes: Array(text.utf8), publicKey: pair.publicKey, at: later)
        let f = ContentJudge.findings(manifest: .verdict(v), scan: nil, manifestPath: "m").findings
        expectEqual(f.map(\.code), [ContentFindingCode.manifestExpired])
        expectEqual(f.first?.securityRelevant, false)
    }

    /// Tây Trang 7.8 counts programmes by their source: a source missing from contacts.conf is
    /// refused, naming the known organisations, and nothing is signed (review of issue 16).
    @Test func manifestCreateRefusesASourceMissingFromContacts() async throws {
        let dir = try makeTemporaryFolder("watchpost-manifest-source")
        defer { removeTree(dir) }
        let bin = try TestPaths.watchpost()
        let root = TestPaths.packageRoot
        try FileSystem.makeDirectories("\(dir)/media/videos")
        try FileSystem.writeAtomically("\(dir)/media/videos/a.mp4", "programme A")
        try FileSystem.writeAtomically("\(dir)/typo.txt", "videos/a.mp4 | A | dai-ptth-dienbien | vi | 2026-12 | programme\n")
        try FileSystem.writeAtomically("\(dir)/good.txt", "videos/a.mp4 | A | dai-ptth-dien-bien | vi | 2026-12 | programme\n")
        await expectEqual(shell("cd '\(dir)' && '\(bin)' manifest keygen --out dept >/dev/null 2>&1").status, 0)
        let create = "cd '\(dir)' && '\(bin)' manifest create media --key dept.key --valid-from 2026-01-01 --valid-to 2026-12-31 --approved-by S"
        let typo = await shell("\(create) --sidecar typo.txt --config '\(root)' 2>&1")
        #expect(typo.status != 0)
        #expect(typo.output.contains("'dai-ptth-dienbien' (videos/a.mp4)") && typo.output.contains("\(root)/alerts/contacts.conf"), "\(typo.output)")
        #expect(typo.output.contains("bao-dien-bien-phu") && typo.output.contains("dai-ptth-dien-bien,"), "the known organisations are listed: \(typo.output)")
        #expect(!FileSystem.exists("\(dir)/media/approved.manifest"))
        let flag = await shell("\(create) --source nobody --contacts '\(root)/alerts/contacts.conf' 2>&1")
        #expect(flag.status != 0 && flag.output.contains("'nobody' (--source)"), "\(flag.output)")
        let missing = await shell("\(create) --source dai-ptth-dien-bien --contacts '\(dir)/none.conf' 2>&1")
        #expect(missing.status != 0 && missing.output.contains("--contacts FILE"), "\(missing.output)")
        let good = await shell("\(create) --sidecar good.txt --config '\(root)' 2>&1")
        expectEqual(good.status, 0, "\(good.output)")
        #expect(FileSystem.exists("\(dir)/media/approved.manifest"))
    }
}

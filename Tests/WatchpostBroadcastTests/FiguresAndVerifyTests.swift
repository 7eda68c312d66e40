import Testing
import WatchpostTestSupport
import WatchpostCore
@testable import WatchpostContent
import WatchpostPlayer
import WatchpostStore
@testable import WatchpostBroadcast
import Crypto
import Posix

/// Two signed approvals in an archive and a month of plays recorded through the recorder.
struct ArchiveFixture {
    let dir: String
    let archive: ManifestArchive
    let pair: Ed25519.KeyPair
    let m1: Manifest, m2: Manifest
    let id1: String, id2: String

    static let hoaBan = ApprovedItem(path: "videos/hoa-ban.mp4", sha256: String(repeating: "a", count: 64), size: 10,
                                     metadata: ItemMetadata(title: "Lễ hội Hoa Ban", source: "dai-ptth-dien-bien", languages: ["vi", "lo"], month: "2026-11", kind: .programme))
    static let clip = ApprovedItem(path: "videos/cua-khau.mp4", sha256: String(repeating: "b", count: 64), size: 10,
                                   metadata: ItemMetadata(source: "songoaivu-dien-bien", languages: ["en"], kind: .clip))

    init(archiveFolder: String? = nil) throws {
        dir = try makeTemporaryFolder("watchpost-figures")
        archive = ManifestArchive(folder: archiveFolder ?? dir + "/archive")
        pair = try Ed25519.generate()
        let kid = Ed25519.keyID(pair.publicKey)
        var a = Manifest(approvedBy: "Sở", approvedAt: Instant.parse("2026-10-28T09:00:00+07:00")!, validFrom: Instant.parse("2026-11-01T00:00:00+07:00")!,
                         validTo: Instant.parse("2026-11-25T23:59:59+07:00")!, keyID: kid, items: [Self.clip], sequence: 1)
        var b = Manifest(approvedBy: "Sở", approvedAt: Instant.parse("2026-11-20T09:00:00+07:00")!, validFrom: Instant.parse("2026-11-20T00:00:00+07:00")!,
                         validTo: Instant.parse("2026-12-31T23:59:59+07:00")!, keyID: kid, items: [Self.clip, Self.hoaBan], sequence: 2)
        let t1 = Array(try a.signed(privateKey: pair.privateKey).utf8), t2 = Array(try b.signed(privateKey: pair.privateKey).utf8)
        a = try Manifest.parse(t1)
        b = try Manifest.parse(t2)
        id1 = try archive.keep(bytes: t1, manifest: a)
        id2 = try archive.keep(bytes: t2, manifest: b)
        m1 = a
        m2 = b
    }

    func reading(_ m: Manifest, _ id: String) -> ManifestLoader.Reading { ManifestLoader.Reading(outcome: .verdict(.valid(m)), archivedID: id) }

    func remove() { removeTree(dir) }
}

@Suite struct FiguresAndVerifyTests {
    func item(_ a: ApprovedItem) -> PlayerStatus.Item { PlayerStatus.Item(name: String(a.path.split(separator: "/").last!), path: a.path, sha256: a.sha256, size: a.size) }

    /// Plays of 30 s each: the clip on 10 November (manifest 1), the programme and an unapproved
    /// item on 22 November (manifest 2).
    func record(_ f: ArchiveFixture, store: Store) async throws {
        var r = BroadcastRecorder(site: "tay-trang", player: "playing-now", tolerance: .seconds(10))
        func play(_ i: PlayerStatus.Item, at: String, reading: ManifestLoader.Reading) async throws {
            let t = Instant.parse(at)!
            for s in stride(from: Int64(0), through: 30, by: 5) {
                var p = i
                p.position_ms = s * 1000
                try await r.observe(PlayerObservation(at: t + .seconds(s), state: .playing(p)), store: store) { BroadcastApproval.item($0, reading: reading) }
            }
        }
        try await play(item(ArchiveFixture.clip), at: "2026-11-10T09:00:00+07:00", reading: f.reading(f.m1, f.id1))
        try await play(item(ArchiveFixture.hoaBan), at: "2026-11-22T09:00:00+07:00", reading: f.reading(f.m2, f.id2))
        try await play(PlayerStatus.Item(name: "quang-cao.mp4", path: "videos/quang-cao.mp4", sha256: String(repeating: "e", count: 64)),
                       at: "2026-11-22T09:00:31+07:00", reading: f.reading(f.m2, f.id2))
        try await r.close(store: store)
    }

    @Test func monthlyFiguresCountItemsHoursSourcesLanguagesAndTheProgrammeTest() async throws {
        let f = try ArchiveFixture()
        defer { f.remove() }
        let path = temporaryDatabase()
        defer { removeDatabase(path) }
        let store = try Store(path: path, clock: ManualClock(now: Instant.parse("2026-12-01T00:00:00+07:00")!))
        try await record(f, store: store)
        let fig = try await ContentFigures.month(site: "tay-trang", from: Instant.parse("2026-11-01T00:00:00+07:00")!, to: Instant.parse("2026-12-01T00:00:00+07:00")!,
                                                 zone: .hoChiMinh, store: store, archive: f.archive, publicKey: f.pair.publicKey,
                                                 rules: FreshnessRules(monthlyDeadlineDay: 5, programmeSources: ["bao-dien-bien-phu", "dai-ptth-dien-bien"]))
        #expect(fig.itemsApproved == 2 && fig.itemsShown == 2)
        #expect(fig.plays == 3 && fig.unapprovedPlays == 1)
        // The programme ran until the player reported the next item starting (09:00:31).
        expectEqual(fig.secondsBySource, ["songoaivu-dien-bien": 30, "dai-ptth-dien-bien": 31])
        expectEqual(fig.secondsByLanguage, ["vi": 31, "lo": 31, "en": 30])
        #expect(fig.programmeTest?.approved == 1 && fig.programmeTest?.shown == 1 && fig.programmeTest?.passed == true)
        // Manifest 2 approved 20/11: after the monthly day (5th) — late.
        #expect(fig.renewals.count == 1 && fig.renewals[0].sequence == 2 && fig.renewals[0].onTime == false)
        #expect(fig.uncoveredSeconds == 0 && fig.contentViolations == 0)
        // December: no plays, nothing shown, the programme test fails.
        let dec = try await ContentFigures.month(site: "tay-trang", from: Instant.parse("2026-12-01T00:00:00+07:00")!, to: Instant.parse("2027-01-01T00:00:00+07:00")!,
                                                 zone: .hoChiMinh, store: store, archive: f.archive, publicKey: f.pair.publicKey,
                                                 rules: FreshnessRules(programmeSources: ["dai-ptth-dien-bien"]))
        #expect(dec.plays == 0 && dec.programmeTest?.passed == false && dec.itemsApproved == 2)
    }

    /// Review of #16, session 5: the same path reported without a hash counted as another item.
    @Test func aPlayWithoutAHashIsTheItemOfItsPathNotAnotherOne() {
        var items = DistinctItems()
        items.insert(path: "videos/a.mp4", sha256: String(repeating: "a", count: 64))
        items.insert(path: "videos/a.mp4", sha256: "")
        items.insert(path: "videos/b.mp4", sha256: "")
        items.insert(path: "videos/b.mp4", sha256: "")
        items.insert(path: "videos/a.mp4", sha256: String(repeating: "c", count: 64))  // the file changed: another item
        expectEqual(items.count, 3)
    }

    @Test func onlySecurityRelevantContentFindingsAreViolations() {
        #expect(ContentFigures.isContentViolation(category: .security, findingCodes: ["player.unapproved-item"]))
        #expect(ContentFigures.isContentViolation(category: .security, findingCodes: ["content.modified-file"]))
        #expect(!ContentFigures.isContentViolation(category: .security, findingCodes: ["player.unreachable"]))
        #expect(!ContentFigures.isContentViolation(category: .technical, findingCodes: ["content.manifest-expired"]))
        #expect(!ContentFigures.isContentViolation(category: .security, findingCodes: ["content.manifest-expired", "content.folder-unavailable"]))
        // An unmounted share: the manifest and files unreadable because the folder is gone (review of #16, session 5, D3).
        #expect(!ContentFigures.isContentViolation(category: .security, findingCodes: ["content.manifest-missing", "content.folder-unavailable"]))
        #expect(ContentFigures.isContentViolation(category: .security, findingCodes: ["content.manifest-missing"]))
        #expect(ContentFigures.isContentViolation(category: .security, findingCodes: ["content.folder-unavailable", "content.unexpected-file"]))
    }

    /// The violation rule's list is exactly the codes the content and player probes mark
    /// security-relevant: every verdict, every kind of scanned entry, every judgement of a played
    /// item. A code marked security-relevant but left off the list (or listed but emitted as
    /// technical) fails here.
    @Test func theViolationListIsWhatTheProbesMarkSecurityRelevant() {
        let m = Manifest(approvedBy: "Sở", approvedAt: Instant(milliseconds: 0), validFrom: Instant(milliseconds: 0), validTo: Instant(milliseconds: 1),
                         keyID: "k", items: [ArchiveFixture.hoaBan, ArchiveFixture.clip])
        let verdicts: [ManifestVerdict] = [.valid(m), .expired(m), .notYetValid(m), .otherKey(m, expectedKeyID: "x"), .badSignature(m),
                                           .malformed(ManifestFormatError(line: 1, Message("content.manifest.format.not_utf8"))), .missing("x")]
        let scan = ScanOutcome(entries: [.file(path: "videos/hoa-ban.mp4", size: 10, sha256: String(repeating: "f", count: 64)),
                                         .file(path: "videos/new.mp4", size: 1, sha256: String(repeating: "e", count: 64)),
                                         .file(path: "copy.mp4", size: 10, sha256: ArchiveFixture.clip.sha256),
                                         .symlinkEscape(path: "s", target: "/etc"), .unreadable(path: "u", reason: "EACCES"), .changing(path: "c")],
                               cache: [:], complete: true, bytesHashed: 0, filesHashed: 0, folderError: nil)
        var findings: [Finding] = []
        for v in verdicts {
            findings += ContentJudge.findings(manifest: .verdict(v), scan: scan, manifestPath: "m").findings
            findings += ContentJudge.findings(manifest: .verdict(v), scan: nil, manifestPath: "m", replayedBelow: 9).findings
        }
        findings += ContentJudge.findings(manifest: .keyProblem("x"), scan: nil, manifestPath: "m").findings
        var gone = scan
        gone.folderError = "ENOENT"
        findings += ContentJudge.findings(manifest: .verdict(.valid(m)), scan: gone, manifestPath: "m").findings
        for played in [PlayerStatus.Item(name: "x.mp4", path: "videos/x.mp4", sha256: String(repeating: "d", count: 64)),
                       PlayerStatus.Item(name: "hoa-ban.mp4", path: "videos/hoa-ban.mp4", sha256: String(repeating: "d", count: 64)),
                       PlayerStatus.Item(name: "hoa-ban.mp4", path: "videos/hoa-ban.mp4", size: 99),
                       PlayerStatus.Item(name: "y.mp4")] {
            findings += PlayerJudge.findings(status: PlayerStatus(state: "playing", playing: played), manifest: m)
        }
        let marked = Set(findings.filter(\.securityRelevant).map(\.code))
        let unmarked = Set(findings.filter { !$0.securityRelevant }.map(\.code))
        expectEqual(marked, ContentViolation.findingCodes)
        #expect(unmarked.isDisjoint(with: ContentViolation.findingCodes))
        // The technical ones the judges emit: an expired approval, an unreadable key, a missing
        // share, a copy of an approved file under another name.
        #expect(unmarked.isSuperset(of: [ContentFindingCode.manifestExpired, ContentFindingCode.publicKeyUnreadable,
                                         ContentFindingCode.folderUnavailable, ContentFindingCode.unlistedCopy]))
    }

    @Test func playsAreReprovedAgainstTheArchiveAndATamperedArchiveIsCaught() async throws {
        let f = try ArchiveFixture()
        defer { f.remove() }
        let path = temporaryDatabase()
        defer { removeDatabase(path) }
        let store = try Store(path: path, clock: ManualClock(now: Instant.parse("2026-12-01T00:00:00+07:00")!))
        try await record(f, store: store)
        let entries = try await store.broadcastEntries(site: "tay-trang", from: Instant.parse("2026-11-01T00:00:00+07:00")!, to: Instant.parse("2026-12-01T00:00:00+07:00")!)
        var v = PlayVerifier(archive: f.archive, publicKey: f.pair.publicKey)
        let proofs = entries.filter { $0.kind == .play }.map { v.verify($0) }
        expectEqual(proofs, [.proven, .proven, .proven])
        // Another key: nothing can be re-proved.
        var other = PlayVerifier(archive: f.archive, publicKey: try Ed25519.generate().publicKey)
        #expect(entries.filter { $0.kind == .play }.map { other.verify($0) }.allSatisfy { if case .signatureInvalid = $0 { return true }; return false })
        // The archived file of manifest 2 edited in place: it no longer hashes to its name.
        let e2 = try #require(f.archive.entry(id: f.id2))
        try FileSystem.setPermissions(e2.path, 0o644)
        try FileSystem.writeAtomically(e2.path, String(decoding: try f.archive.bytes(of: e2), as: UTF8.self).replacing("hoa-ban", with: "hoa-bam"))
        var after = PlayVerifier(archive: f.archive, publicKey: f.pair.publicKey)
        let again = entries.filter { $0.kind == .play }.map { after.verify($0) }
        expectEqual(again[0], .proven)
        #expect(again[1].isProblem && again[2].isProblem)
        // Removed from the archive: named as missing.
        FileSystem.remove(e2.path)
        var gone = PlayVerifier(archive: f.archive, publicKey: f.pair.publicKey)
        expectEqual(gone.verify(entries.filter { $0.kind == .play }[1]), .archiveMissing(manifestID: f.id2))
    }

    /// `plays --verify`'s last line read "1 problems" (s7 review of #16): each count stands after
    /// a label, so the line reads right for any count, in both languages (Vietnamese has no
    /// plural). The summary said "(media folder unreadable)" of a play not checked because the
    /// Department's key was unreadable: it names both causes. Seen failing before: "…; 1 problems".
    @Test func theSummariesReadRightForAnyCount() {
        for (checked, problems) in [(1, 1), (77, 1), (29, 0), (1, 0), (5, 2)] {
            var totals = PlayStreamTotals()
            totals.checked = checked
            totals.problems = problems
            let en = Catalogue.render(totals.verifySummary, .en), vi = Catalogue.render(totals.verifySummary, .vi)
            #expect(en.contains("problems: \(problems)") && en.contains("\(checked - problems) of \(checked)"), "\(en)")
            #expect(!en.contains("1 problems") && !en.contains("1 plays") && !en.contains("0 problem"), "\(en)")
            #expect(vi.contains("\(checked - problems)/\(checked)") && vi.contains("\(problems)"), "\(vi)")
        }
        let listing = Catalogue.render(PlayStreamTotals().summary, .en)
        #expect(listing.contains("could not be checked (media folder or the Department's key unreadable): 0"), "\(listing)")
    }
}

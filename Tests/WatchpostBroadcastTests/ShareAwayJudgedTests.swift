// Review of #16, session 6 (defect 1, serious): while the media share was away the broadcast log
// judged nothing — every play, an unapproved one included, was "could not be checked" — and a play
// caught later stayed so in the log, the monthly figures and `plays --verify`. Built from what the
// real parts give: the player simulator's status document (no hash while the share is away) and
// the manifest as ManifestLoader reads it, with the site's archive of approvals.
// Seen failing before the fix: the unapproved play "not-checked" (content.folder-unavailable), no
// manifest on the rows while the share was away, the figures 0 unapproved / 2 not checked; the
// play in progress when the share came back still "not-checked" with no hash; --verify "no
// approval was in force" for a play the archived manifest in force does not approve.
import Testing
import WatchpostTestSupport
import WatchpostCore
import WatchpostContent
import WatchpostPlayer
import WatchpostStore
import WatchpostSimulators
@testable import WatchpostBroadcast
import Crypto
import Posix

@Suite struct ShareAwayJudgedTests {
    /// A share with two approved items and a signed manifest of them; an unapproved file beside them.
    struct Share {
        let dir: String
        let media: String
        let away: String
        let keyPath: String
        let manifestPath: String
        let publicKey: [UInt8]
        let nowPlaying: String
        let player: PlayerSimulatorConfig

        init(t0: Instant) throws {
            dir = try makeTemporaryFolder("watchpost-share-judged")
            media = dir + "/media"
            away = dir + "/media.off"
            nowPlaying = dir + "/now-playing"
            try FileSystem.makeDirectories(media + "/videos", mode: 0o755)
            try FileSystem.writeAtomically(media + "/videos/chao-mung.mp4", String(repeating: "chào mừng ", count: 300))
            try FileSystem.writeAtomically(media + "/videos/gioi-thieu.mp4", String(repeating: "giới thiệu ", count: 300))
            let pair = try Ed25519.generate()
            publicKey = pair.publicKey
            keyPath = dir + "/department.pub"
            try FileSystem.writeAtomically(keyPath, try Ed25519.publicKeyPEM(pair.publicKey))
            manifestPath = media + "/" + ContentCheckSettings.defaultManifestName
            var items: [ApprovedItem] = []
            for path in ["videos/chao-mung.mp4", "videos/gioi-thieu.mp4"] {
                guard case .success(let h) = MediaScanner.hashOne(media + "/" + path) else { throw WatchpostError(.io, "cannot hash \(path)") }
                items.append(ApprovedItem(path: path, sha256: h.sha256, size: h.size))
            }
            let manifest = Manifest(approvedBy: "Sở Thông tin và Truyền thông tỉnh Điện Biên", approvedAt: t0 - .hours(24), validFrom: t0 - .hours(24),
                                    validTo: t0 + .hours(24 * 30), keyID: Ed25519.keyID(pair.publicKey), items: items, sequence: 7)
            try FileSystem.writeAtomically(manifestPath, try manifest.signed(privateKey: pair.privateKey))
            // Put on the share after the approval: nobody approved it.
            try FileSystem.writeAtomically(media + "/videos/quang-cao.mp4", "quảng cáo chưa được phê duyệt")
            player = PlayerSimulatorConfig(mediaFolder: media, nowPlayingFile: nowPlaying,
                                           playlist: [PlaylistEntry(path: "videos/chao-mung.mp4", seconds: 10), PlaylistEntry(path: "videos/gioi-thieu.mp4", seconds: 20)],
                                           origin: t0)
        }

        func goAway() throws { try FileSystem.rename(media, to: away) }
        func comeBack() throws { try FileSystem.rename(away, to: media) }
        func play(_ path: String?) throws {
            if let path { try FileSystem.writeAtomically(nowPlaying, path + "\n") } else { try FileSystem.unlinkFile(nowPlaying) }
        }

        /// A fresh log (the caller removes the database with `removeDatabase(path)`).
        static func log(at t0: Instant) throws -> (path: String, store: Store, recorder: BroadcastRecorder) {
            let path = temporaryDatabase()
            return (path, try Store(path: path, clock: ManualClock(now: t0)), BroadcastRecorder(site: "tay-trang", player: "playing-now", tolerance: .seconds(10)))
        }

        /// A share, the site's archive of approvals and a fresh log for `body`, all removed after it.
        static func withLog(_ body: (_ share: Share, _ archive: ManifestArchive, _ store: Store, _ recorder: inout BroadcastRecorder, _ t0: Instant) async throws -> Void) async throws {
            let t0 = try #require(Instant.parse("2026-11-24T09:00:00+07:00"))
            let share = try Share(t0: t0)
            defer { removeTree(share.dir) }
            let archive = ManifestArchive(folder: share.dir + "/archive")
            let (path, store, fresh) = try Share.log(at: t0)
            defer { removeDatabase(path) }
            var recorder = fresh
            try await body(share, archive, store, &recorder, t0)
        }

        /// One poll of the log as the logger makes it.
        func observe(_ recorder: inout BroadcastRecorder, store: Store, archive: ManifestArchive?, at now: Instant) async throws -> PlayerStatus.Item {
            let item = try #require(PlayerSimulator.status(player, now: now).playing)
            let reading = ManifestLoader.read(manifest: manifestPath, publicKey: keyPath, now: now, archive: archive, mediaFolder: media)
            try await recorder.observe(PlayerObservation(at: now, state: .playing(item)), store: store) { BroadcastApproval.item($0, reading: reading) }
            return item
        }
    }

    /// The share away (unmounted), or — with the share there — its manifest deleted (s7 follow-up
    /// of #16: every play was then `not-approved, content.manifest-missing`, the unapproved one
    /// not told apart and no blackout). Seen failing before that fix: the manifest deleted, the
    /// three rows not-approved with content.manifest-missing and no manifest named.
    @Test(arguments: [true, false]) func whileTheShareIsAwayPlaysAreJudgedAgainstTheLastAcceptedManifest(shareAway: Bool) async throws {
        try await Share.withLog { share, archive, store, recorder, t0 in
            for dt in stride(from: Int64(0), through: 25, by: 5) {
                if dt == 5 {
                    if shareAway { try share.goAway() } else { try FileSystem.unlinkFile(share.manifestPath) }
                    try share.play("videos/quang-cao.mp4")                                   // an unapproved item played
                }
                if dt == 15 { try share.play(nil) }                                         // back to the playlist, the manifest still gone
                let item = try await share.observe(&recorder, store: store, archive: archive, at: t0 + .seconds(dt))
                if shareAway { expectEqual((item.sha256 == nil), (dt >= 5), "t0+\(dt): \(item)") }
            }
            let kept = try #require(archive.entries().first, "the manifest was accepted while it was there")
            let plays = try await store.broadcastEntries(site: "tay-trang", from: t0 - .hours(1), to: t0 + .hours(1)).filter { $0.kind == .play }
            expectEqual(plays.map { $0.item?.path ?? "" }, ["videos/chao-mung.mp4", "videos/quang-cao.mp4", "videos/gioi-thieu.mp4"], "\(plays)")
            expectEqual(plays.map { $0.item?.approval }, [.approved, .notApproved, .approved], "\(plays.map { "\($0.item?.path ?? "") \($0.item?.reason ?? "")" })")
            #expect(plays.allSatisfy { $0.item?.manifestID == kept.id && $0.item?.sequence == 7 }, "each row names the manifest: \(plays.map { $0.item?.manifestID ?? "" })")
            expectEqual(plays[1].item?.reason, PlayerFindingCode.unapprovedItem)
            // The figures and the re-proof agree with the rows.
            let month = try await ContentFigures.month(site: "tay-trang", from: t0 - .hours(1), to: t0 + .hours(1), zone: .hoChiMinh, store: store,
                                                       archive: archive, publicKey: share.publicKey, rules: FreshnessRules())
            #expect(month.unapprovedPlays == 1 && month.notCheckedPlays == 0, "\(month)")
            var verifier = PlayVerifier(archive: archive, publicKey: share.publicKey)
            expectEqual(plays.map { verifier.verify($0) }, [.proven, .proven, .proven])
        }
    }

    @Test func aPlayThatCouldNotBeCheckedIsJudgedWhenTheShareComesBackAndVerifyRechecksTheRest() async throws {
        // A box that never read the manifest yet: nothing archived to judge by.
        try await Share.withLog { share, archive, store, recorder, t0 in
            try share.goAway()
            try share.play("videos/gioi-thieu.mp4")
            for dt in stride(from: Int64(0), through: 25, by: 5) {
                if dt == 5 { try share.play("videos/quang-cao.mp4") }   // ends while the share is away: stays not checked
                if dt == 10 { try share.play("videos/chao-mung.mp4") }  // the share comes back during this one…
                if dt == 15 { try share.comeBack() }
                if dt == 20 { try share.play("videos/quang-cao.mp4") }  // …and this unapproved play starts with it back
                _ = try await share.observe(&recorder, store: store, archive: archive, at: t0 + .seconds(dt))
            }
            let plays = try await store.broadcastEntries(site: "tay-trang", from: t0 - .hours(1), to: t0 + .hours(1)).filter { $0.kind == .play }
            expectEqual(plays.map { $0.item?.path ?? "" }, ["videos/gioi-thieu.mp4", "videos/quang-cao.mp4", "videos/chao-mung.mp4", "videos/quang-cao.mp4"], "\(plays)")
            expectEqual(plays.map { $0.item?.approval }, [.notChecked, .notChecked, .approved, .notApproved], "\(plays.map { "\($0.item?.path ?? "") \($0.item?.reason ?? "")" })")
            // The play judged once the share came back is one row, with its hash and its manifest.
            let kept = try #require(archive.entries().first)
            #expect(plays[2].started == t0 + .seconds(10) && plays[2].item?.manifestID == kept.id && plays[2].item?.sha256.isEmpty == false, "\(plays[2])")
            #expect(plays[0].item?.sha256.isEmpty == true && plays[1].item?.manifestID == "")
            // --verify re-checks the two it could not judge against the approval in force then.
            var verifier = PlayVerifier(archive: archive, publicKey: share.publicKey)
            let proofs = plays.map { verifier.verify($0) }
            #expect(proofs[0] == .notCheckedListed(sequence: "7") && !proofs[0].isProblem, "\(proofs)")
            #expect(proofs[1] == .notCheckedUnapproved(path: "videos/quang-cao.mp4", sequence: "7") && proofs[1].isProblem, "\(proofs)")
            #expect(proofs[2] == .proven && proofs[3] == .proven, "\(proofs)")
            let said = Catalogue.render(proofs[1].message, .en)
            #expect(said.contains("does not approve videos/quang-cao.mp4") && !said.contains("no approval"), "\(said)")
        }
    }
}

// Review of #16, session 5 (defect 4): the media share taken away and brought back while the
// player plays on. Built from what the real parts give: the player simulator's status document
// (it hashes the item from the share, so it reports no hash while the share is away) and the
// manifest as ManifestLoader reads it from the share. Before the fix the play in progress became
// two rows when the share came back (the hash was empty, then not), and the plays while it was
// away were "NOT approved (content.manifest-missing)" and counted as unapproved in the report.
import Testing
import WatchpostTestSupport
import WatchpostCore
import WatchpostContent
import WatchpostPlayer
import WatchpostStore
import WatchpostReports
import WatchpostSimulators
@testable import WatchpostBroadcast
import Crypto
import Posix
import Synchronization

@Suite struct ShareAwayTests {
    @Test func onePlayIsOneRowAndPlaysWhileTheShareIsAwayCouldNotBeChecked() async throws {
        let dir = try makeTemporaryFolder("watchpost-share-away")
        defer { removeTree(dir) }
        let media = dir + "/media", away = dir + "/media.off"
        try FileSystem.makeDirectories(media + "/videos", mode: 0o755)
        try FileSystem.writeAtomically(media + "/videos/chao-mung.mp4", String(repeating: "chào mừng ", count: 300))
        try FileSystem.writeAtomically(media + "/videos/gioi-thieu.mp4", String(repeating: "giới thiệu ", count: 300))
        let t0 = try #require(Instant.parse("2026-11-24T09:00:00+07:00"))
        let pair = try Ed25519.generate()
        let keyPath = dir + "/department.pub"
        try FileSystem.writeAtomically(keyPath, try Ed25519.publicKeyPEM(pair.publicKey))
        let manifestPath = media + "/" + ContentCheckSettings.defaultManifestName
        var items: [ApprovedItem] = []
        for path in ["videos/chao-mung.mp4", "videos/gioi-thieu.mp4"] {
            guard case .success(let h) = MediaScanner.hashOne(media + "/" + path) else { Issue.record("cannot hash \(path)"); return }
            items.append(ApprovedItem(path: path, sha256: h.sha256, size: h.size))
        }
        let manifest = Manifest(approvedBy: "Sở Thông tin và Truyền thông tỉnh Điện Biên", approvedAt: t0 - .hours(24), validFrom: t0 - .hours(24),
                                validTo: t0 + .hours(24 * 30), keyID: Ed25519.keyID(pair.publicKey), items: items)
        try FileSystem.writeAtomically(manifestPath, try manifest.signed(privateKey: pair.privateKey))

        // The demo's loop: chao-mung 10 s, gioi-thieu 20 s.
        let player = PlayerSimulatorConfig(mediaFolder: media, playlist: [PlaylistEntry(path: "videos/chao-mung.mp4", seconds: 10),
                                                                          PlaylistEntry(path: "videos/gioi-thieu.mp4", seconds: 20)], origin: t0)
        let path = temporaryDatabase()
        defer { removeDatabase(path) }
        let store = try Store(path: path, clock: ManualClock(now: t0))
        var recorder = BroadcastRecorder(site: "tay-trang", player: "playing-now", tolerance: .seconds(10))
        for dt in stride(from: Int64(0), through: 35, by: 5) {
            let now = t0 + .seconds(dt)
            if dt == 10 { try FileSystem.rename(media, to: away) }   // the share goes at t0+6..10
            if dt == 30 { try FileSystem.rename(away, to: media) }   // and comes back at t0+26..30
            let status = PlayerSimulator.status(player, now: now)
            let item = try #require(status.playing)
            expectEqual((item.sha256 == nil), (10...25).contains(dt), "t0+\(dt): the simulator hashes from the share: \(item)")
            let reading = ManifestLoader.read(manifest: manifestPath, publicKey: keyPath, now: now, archive: nil, mediaFolder: media)
            try await recorder.observe(PlayerObservation(at: now, state: .playing(item)), store: store) { BroadcastApproval.item($0, reading: reading) }
        }
        let rows = try await store.broadcastEntries(site: "tay-trang", from: t0 - .hours(1), to: t0 + .hours(1))
        let plays = rows.filter { $0.kind == .play }
        // (A play in progress when the share comes back is judged then: ShareAwayJudgedTests.)
        expectEqual(plays.map { $0.item?.path ?? "" }, ["videos/chao-mung.mp4", "videos/gioi-thieu.mp4", "videos/chao-mung.mp4"], "one play is one row: \(plays.map { "\($0.item?.path ?? "") \($0.started) \($0.item?.reason ?? "")" })")
        let during = try #require(plays.count == 3 ? plays[1] : nil)
        #expect(during.started == t0 + .seconds(10) && during.ended == t0 + .seconds(30))
        #expect(during.item?.approval == .notChecked && during.item?.reason == ContentFindingCode.folderUnavailable, "\(String(describing: during.item))")
        #expect(plays[0].item?.approval == .approved && plays[2].item?.approval == .approved)

        // What people and machines read: could not be checked, not NOT approved.
        let text = PlayListing.text(rows, zone: .hoChiMinh)
        #expect(text.contains("chưa kiểm tra được / could not be checked") && !text.contains("KHÔNG / NO"), "\(text)")
        #expect(text.contains("0 lượt chưa được phê duyệt, 1 lượt chưa kiểm tra được"), "\(text)")
        let csv = PlayListing.csv(rows, zone: .hoChiMinh)
        #expect(csv.hasPrefix("site,player,entry,start,end,duration_s,path,sha256,approved,approval,reason,"))
        #expect(csv.contains(",,not-checked,content.folder-unavailable,"), "\(csv)")
        let json = String(decoding: PlayListing.json(rows, zone: .utc), as: UTF8.self)
        #expect(json.contains(#""approval":"not-checked","dark_seconds":0,"duration_seconds":20"#) && json.contains(#""approval":"approved","approved":true"#), "\(json)")
        let lines = Mutex<[String]>([])
        let totals = try await store.writePlays(PlayQuery(site: "tay-trang", from: t0 - .hours(1), to: t0 + .hours(1), path: nil, zone: .hoChiMinh), format: .csv) { s in
            lines.withLock { $0.append(s) }
        }
        let streamed = lines.withLock { $0 }
        #expect(totals.unapproved == 0 && totals.notChecked == 1 && streamed.joined() == csv)
        // The report: no unapproved play, one that could not be checked.
        let figures = try #require(try await StoreIncidentSource(store: store).contentFigures(site: "tay-trang", from: t0 - .hours(1), to: t0 + .hours(1)))
        #expect(figures.unapprovedPlays == 0 && figures.notCheckedPlays == 1, "\(figures)")
        let archive = ManifestArchive(folder: dir + "/archive")
        let month = try await WatchpostBroadcast.ContentFigures.month(site: "tay-trang", from: t0 - .hours(1), to: t0 + .hours(1), zone: .hoChiMinh, store: store,
                                                   archive: archive, publicKey: pair.publicKey, rules: FreshnessRules())
        #expect(month.unapprovedPlays == 0 && month.notCheckedPlays == 1 && month.plays == 3)
    }
}

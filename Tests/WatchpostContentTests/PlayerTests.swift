import Testing
import WatchpostTestSupport
import WatchpostCore
import WatchpostContent
import WatchpostPlayer
import WatchpostSimulators
import Crypto
import Posix

@Suite struct PlayerTests {
    typealias P = PlayerFindingCode

    /// The exact bytes the simulated player answers (the format README documents): a client that
    /// parses these parses the simulator, and the probe is tested against both.
    @Test func simulatorSpeaksTheDocumentedBytes() throws {
        let f = try ContentFixture(files: ["videos/a.mp4": "hello\n"])
        let config = PlayerSimulatorConfig(mediaFolder: f.media, item: "videos/a.mp4")
        let response = PlayerSimulator.respond(to: Array("GET /api/info.json HTTP/1.1\r\nHost: x\r\n\r\n".utf8), config: config)
        let body = #"{"firmware":"1.0.0","model":"WP-SIM-PLAYER","playing":{"name":"a.mp4","path":"videos/a.mp4","sha256":"5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03","size":6},"state":"playing"}"#
        let expected = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n" + body
        expectEqual(String(decoding: response, as: UTF8.self), expected)
        let idle = PlayerSimulator.respond(to: Array("GET /api/info.json HTTP/1.1\r\n\r\n".utf8), config: PlayerSimulatorConfig(mediaFolder: f.media))
        #expect(String(decoding: idle, as: UTF8.self).hasSuffix(#"{"firmware":"1.0.0","model":"WP-SIM-PLAYER","state":"idle"}"#))
        let missing = PlayerSimulator.respond(to: Array("GET /other HTTP/1.1\r\n\r\n".utf8), config: config)
        #expect(String(decoding: missing, as: UTF8.self).hasPrefix("HTTP/1.1 404 Not Found\r\n"))
        // A player that reports only a name (no path, no hash) decodes too.
        let minimal = try PlayerStatus.decode(Array(#"{"state":"playing","playing":{"name":"a.mp4"}}"#.utf8))
        expectEqual(minimal.playing, PlayerStatus.Item(name: "a.mp4"))
        #expect(throws: WatchpostError.self) { try PlayerStatus.decode(Array("<html>".utf8)) }
    }

    func probe(_ f: ContentFixture, port: Int) -> PlayerProbe {
        PlayerProbe(settings: PlayerCheckSettings(url: "http://127.0.0.1:\(port)/api/info.json", manifestPath: f.manifestPath, publicKeyPath: f.publicKeyPath))
    }

    @Test func playingItemIsCheckedAgainstTheManifest() async throws {
        let f = try ContentFixture()
        let nowPlaying = f.root + "/now-playing"
        try FileSystem.writeAtomically(nowPlaying, "videos/tet-2026.mp4\n")
        let sim = try PlayerSimulator.Running(config: PlayerSimulatorConfig(mediaFolder: f.media, nowPlayingFile: nowPlaying))
        defer { sim.stop() }
        let clock = ManualClock(now: f.now)
        let p = probe(f, port: sim.port)

        let ok = await p.run(f.context(clock, timeout: .seconds(10)))
        expectEqual(ok.status, .ok, "\(ok.summary)")
        expectEqual(ok.facts["playing"], "videos/tet-2026.mp4")
        expectEqual(ok.facts["model"], "WP-SIM-PLAYER")

        // An unapproved file put in the folder and played.
        try f.write("videos/quang-cao.mp4", "advert")
        try FileSystem.writeAtomically(nowPlaying, "videos/quang-cao.mp4\n")
        let bad = await p.run(f.context(clock, timeout: .seconds(10)))
        expectEqual(bad.status, .critical)
        let finding = try #require(bad.findings(P.unapprovedItem).first)
        #expect(finding.message.contains("videos/quang-cao.mp4") && finding.message.contains(Hex.encode(SHA256Hasher.digest("advert"))))
        #expect(finding.securityRelevant)

        // An approved name whose bytes were changed.
        try FileSystem.overwrite(f.media + "/videos/tet-2026.mp4", at: 0, Array("X".utf8))
        try FileSystem.writeAtomically(nowPlaying, "videos/tet-2026.mp4\n")
        let modified = await p.run(f.context(clock, timeout: .seconds(10)))
        expectEqual(modified.problemCodes, [P.modifiedItem])
    }

    @Test func nameOnlyPlayersAreMatchedByFileName() async throws {
        let f = try ContentFixture()
        let sim = try PlayerSimulator.Running(config: PlayerSimulatorConfig(mediaFolder: f.media, item: "images/poster.png", reportHash: false, nameOnly: true))
        defer { sim.stop() }
        let clock = ManualClock(now: f.now)
        await expectEqual(probe(f, port: sim.port).run(f.context(clock, timeout: .seconds(10))).status, .ok)
        let sim2 = try PlayerSimulator.Running(config: PlayerSimulatorConfig(mediaFolder: f.media, item: "other.png", reportHash: false, nameOnly: true))
        defer { sim2.stop() }
        let r = await probe(f, port: sim2.port).run(f.context(clock, timeout: .seconds(10)))
        expectEqual(r.problemCodes, [P.unapprovedItem])
    }

    @Test func unreachablePlayerIsTechnicalAndManifestProblemsStillCount() async throws {
        let f = try ContentFixture()
        let listener = try LoopbackListener(port: 0)
        let port = listener.port
        listener.close()  // nothing listens there now
        let r = await probe(f, port: port).run(f.context(ManualClock(now: f.now), timeout: .seconds(5)))
        let finding = try #require(r.findings(P.unreachable).first)
        #expect(!finding.securityRelevant)
        try FileSystem.unlinkFile(f.manifestPath)
        let r2 = await probe(f, port: port).run(f.context(ManualClock(now: f.now), timeout: .seconds(5)))
        expectEqual(r2.problemCodes, [P.unreachable, ContentFindingCode.manifestMissing])
    }
}

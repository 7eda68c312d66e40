// A simulated media player's HTTP status interface (`watchpost-sim player`): answers
// `GET /api/info.json` with what it is "playing" — the first line of a control file when it has
// one (so the demo can switch to an unapproved item with one command), else the current item of
// a looping M3U playlist (`#EXTINF:seconds,title` gives each item's length; position and
// duration are reported, so the broadcast log sees each play start), else the item named on the
// command line — with the item's SHA-256 and size read from the media folder.
import WatchpostCore
import WatchpostContent
import WatchpostPlayer
import Posix
import Synchronization
import WatchpostHost

public struct PlayerSimulatorConfig: Sendable {
    public var mediaFolder: String
    /// The item playing (relative path), unless `nowPlayingFile` names one.
    public var item: String?
    /// A file whose first line is the item playing now; empty or missing: `item`.
    public var nowPlayingFile: String?
    /// Report the item's SHA-256 and size (players with checksums), or only its name and path.
    public var reportHash: Bool = true
    /// Report only the file name (no path), as simpler players do.
    public var nameOnly: Bool = false
    /// Items played in a loop from `origin` (empty: none).
    public var playlist: [PlaylistEntry] = []
    public var origin: Instant = Instant(milliseconds: 0)
    /// Remembers when the control file's item started (its position counts from then).
    public let override = NowPlayingOverride()

    public init(mediaFolder: String, item: String? = nil, nowPlayingFile: String? = nil, reportHash: Bool = true, nameOnly: Bool = false,
                playlist: [PlaylistEntry] = [], origin: Instant = Instant(milliseconds: 0)) {
        self.mediaFolder = mediaFolder
        self.item = item
        self.nowPlayingFile = nowPlayingFile
        self.reportHash = reportHash
        self.nameOnly = nameOnly
        self.playlist = playlist
        self.origin = origin
    }
}

/// One playlist item and how long it plays.
public struct PlaylistEntry: Sendable, Hashable {
    public var path: String
    public var seconds: Int64
    public init(path: String, seconds: Int64) {
        self.path = path
        self.seconds = seconds
    }

    /// An M3U playlist: `#EXTINF:20,Title` before an item gives its length (default 20 s).
    public static func parseM3U(_ text: String, defaultSeconds: Int64 = 20) -> [PlaylistEntry] {
        var out: [PlaylistEntry] = []
        var next: Int64?
        for raw in text.split(separator: "\n") {
            let line = String(raw).trimmingWhitespace()
            if line.hasPrefix("#EXTINF:") {
                let value = line.dropFirst(8).prefix { $0 != "," }
                next = Int64(value.trimmingWhitespace()).flatMap { $0 > 0 ? $0 : nil }
            } else if !line.isEmpty && !line.hasPrefix("#") {
                out.append(PlaylistEntry(path: line, seconds: next ?? defaultSeconds))
                next = nil
            }
        }
        return out
    }

    /// The item playing `elapsed` after the loop began, and its position.
    public static func current(_ list: [PlaylistEntry], elapsed: Seconds) -> (PlaylistEntry, Seconds)? {
        let total = list.reduce(Int64(0)) { $0 + $1.seconds * 1000 }
        guard total > 0 else { return nil }
        var t = ((elapsed.milliseconds % total) + total) % total
        for e in list {
            if t < e.seconds * 1000 { return (e, Seconds(milliseconds: t)) }
            t -= e.seconds * 1000
        }
        return nil
    }
}

/// When the control file's current line first appeared.
public final class NowPlayingOverride: Sendable {
    private let state = Mutex<(String, Instant)?>(nil)
    public init() {}
    func since(_ line: String, now: Instant) -> Instant {
        state.withLock { s in
            if let (l, t) = s, l == line { return t }
            s = (line, now)
            return now
        }
    }
    func clear() { state.withLock { $0 = nil } }
}

public enum PlayerSimulator {
    public static let model = "WP-SIM-PLAYER"
    public static let firmware = "1.0.0"

    /// The status document for the current item (blocking: hashes the item).
    public static func status(_ config: PlayerSimulatorConfig, now: Instant = SystemClock().now()) -> PlayerStatus {
        var current = config.item
        var position: Seconds?, duration: Seconds?
        var overridden = false
        if let f = config.nowPlayingFile, let text = try? FileSystem.readText(f) {
            let line = text.split(separator: "\n").first.map { $0.trimmingWhitespace() } ?? ""
            if !line.isEmpty {
                current = line
                position = now - config.override.since(line, now: now)
                overridden = true
            }
        }
        if !overridden {
            config.override.clear()
            if let (entry, at) = PlaylistEntry.current(config.playlist, elapsed: now - config.origin) {
                current = entry.path
                position = at
                duration = .seconds(entry.seconds)
            }
        }
        guard let path = current else { return PlayerStatus(model: model, firmware: firmware, state: "idle") }
        let name = path.split(separator: "/").last.map(String.init) ?? path
        var item = PlayerStatus.Item(name: name, path: config.nameOnly ? nil : path, position_ms: position?.milliseconds, duration_ms: duration?.milliseconds)
        if config.reportHash, case .success(let h) = MediaScanner.hashOne("\(config.mediaFolder)/\(path)") {
            item.sha256 = h.sha256
            item.size = h.size
        }
        return PlayerStatus(model: model, firmware: firmware, state: "playing", playing: item)
    }

    /// The HTTP response for one request head.
    public static func respond(to head: [UInt8], config: PlayerSimulatorConfig) -> [UInt8] {
        let requestLine = String(decoding: head.prefix { $0 != 13 && $0 != 10 }, as: UTF8.self)
        let parts = requestLine.split(separator: " ")
        let (code, reason, body): (Int, String, [UInt8])
        if parts.count >= 2, parts[0] == "GET", parts[1] == "/api/info.json" {
            (code, reason, body) = (200, "OK", status(config).encoded())
        } else if parts.count >= 2, parts[0] != "GET" {
            (code, reason, body) = (405, "Method Not Allowed", Array("{\"error\":\"method not allowed\"}".utf8))
        } else {
            (code, reason, body) = (404, "Not Found", Array("{\"error\":\"not found\"}".utf8))
        }
        let header = "HTTP/1.1 \(code) \(reason)\r\nContent-Type: application/json\r\nContent-Length: \(body.count)\r\nConnection: close\r\n\r\n"
        return Array(header.utf8) + body
    }

    /// Serves until `stop` is set (checked every 200 ms). Blocking: run it on a thread of its own.
    public static func serve(_ listener: LoopbackListener, config: PlayerSimulatorConfig, stop: StopBox) {
        while !stop.flag.load(ordering: .relaxed) {
            guard let conn = try? listener.accept(timeoutMilliseconds: 200) else { continue }
            if let head = LoopbackListener.readRequestHead(conn) {
                LoopbackListener.write(conn, respond(to: head, config: config))
            }
            LoopbackListener.closeConnection(conn)
        }
    }

    /// A simulator running on a thread of its own (tests).
    public final class Running: Sendable {
        public let listener: LoopbackListener
        let stopBox = StopBox()
        public var port: Int { listener.port }

        public init(config: PlayerSimulatorConfig, port: Int = 0) throws(SystemError) {
            listener = try LoopbackListener(port: port)
            let l = listener
            Task.detached { [self] in
                _ = try? await runOnOwnThread { PlayerSimulator.serve(l, config: config, stop: self.stopBox) }
            }
        }

        public func stop() { stopBox.flag.store(true, ordering: .relaxed) }
        deinit { listener.close() }
    }

    /// `watchpost-sim player --listen 127.0.0.1:8090 --media DIR [--item PATH] [--now-playing FILE]
    /// [--playlist FILE.m3u] [--no-hash] [--name-only]`
    public static func main(_ args: [String]) async -> Int32 {
        var listen = "127.0.0.1:8090", media: String?, item: String?, nowPlaying: String?, playlistFile: String?
        var reportHash = true, nameOnly = false
        var i = 0
        while i < args.count {
            let a = args[i]
            func next() -> String? { i += 1; return i < args.count ? args[i] : nil }
            switch a {
            case "--listen": listen = next() ?? listen
            case "--media": media = next()
            case "--item": item = next()
            case "--now-playing": nowPlaying = next()
            case "--playlist": playlistFile = next()
            case "--no-hash": reportHash = false
            case "--name-only": nameOnly = true
            default:
                StandardErrorSink().write(line: "watchpost-sim player: unknown option \(a)")
                return 64
            }
            i += 1
        }
        guard let media else {
            StandardErrorSink().write(line: "usage: watchpost-sim player --media DIR [--listen 127.0.0.1:8090] [--item PATH] [--now-playing FILE] [--playlist FILE.m3u] [--no-hash] [--name-only]")
            return 64
        }
        let hostPort = listen.split(separator: ":")
        guard hostPort.count == 2, let port = Int(hostPort[1]), hostPort[0].hasPrefix("127.") else {
            StandardErrorSink().write(line: "watchpost-sim player: --listen must be a loopback address such as 127.0.0.1:8090")
            return 64
        }
        do {
            let listener = try LoopbackListener(host: String(hostPort[0]), port: port)
            StandardErrorSink().write(line: "watchpost-sim player: serving http://\(hostPort[0]):\(listener.port)/api/info.json (media \(media))")
            var playlist: [PlaylistEntry] = []
            if let playlistFile {
                playlist = PlaylistEntry.parseM3U(try FileSystem.readText(playlistFile))
                StandardErrorSink().write(line: "watchpost-sim player: playlist \(playlistFile), \(playlist.count) item(s) in a loop")
            }
            let config = PlayerSimulatorConfig(mediaFolder: media, item: item, nowPlayingFile: nowPlaying, reportHash: reportHash, nameOnly: nameOnly,
                                               playlist: playlist, origin: SystemClock().now())
            let stop = StopBox()
            _ = try await runOnOwnThread { PlayerSimulator.serve(listener, config: config, stop: stop) }
            return 0
        } catch {
            StandardErrorSink().write(line: "watchpost-sim player: \(error)")
            return 1
        }
    }
}

public final class StopBox: Sendable {
    public init() {}
    let flag = Atomic<Bool>(false)
}

// The `player` check: asks the media player what it is playing now (an HTTP status document in
// the style of the Colorlight/NovaStar player web interfaces) and checks that item against the
// signed manifest — by path, by name, and by hash when the player reports one.
//
//   GET /api/info.json  →  {"model": "…", "firmware": "…", "state": "playing",
//                           "playing": {"name": "tet-2026.mp4", "path": "videos/tet-2026.mp4",
//                                       "sha256": "…", "size": 1234, "position_ms": 0, "duration_ms": 0}}
//
// `path`, `sha256` and `size` are optional (a player that reports only a name is matched by name).
import WatchpostCore
import WatchpostConfig
import WatchpostContent
import Curl
import Posix

/// The player's status document.
public struct PlayerStatus: Sendable, Hashable, Codable {
    public struct Item: Sendable, Hashable, Codable {
        public var name: String
        public var path: String?
        public var sha256: String?
        public var size: Int64?
        public var position_ms: Int64?
        public var duration_ms: Int64?

        public init(name: String, path: String? = nil, sha256: String? = nil, size: Int64? = nil, position_ms: Int64? = nil, duration_ms: Int64? = nil) {
            self.name = name
            self.path = path
            self.sha256 = sha256
            self.size = size
            self.position_ms = position_ms
            self.duration_ms = duration_ms
        }
    }

    public var model: String?
    public var firmware: String?
    /// `playing`, `paused`, `stopped` or `idle`.
    public var state: String
    public var playing: Item?

    public init(model: String? = nil, firmware: String? = nil, state: String, playing: Item? = nil) {
        self.model = model
        self.firmware = firmware
        self.state = state
        self.playing = playing
    }

    public static func decode(_ bytes: [UInt8]) throws(WatchpostError) -> PlayerStatus {
        do { return try JSONCoding.decode(PlayerStatus.self, from: bytes) } catch {
            throw WatchpostError(.protocolViolation, "player status is not the expected JSON: \(error)")
        }
    }

    /// The exact bytes the simulator serves (keys sorted, no spaces): tests pin them.
    public func encoded() -> [UInt8] {
        (try? JSONCoding.encode(self, options: [.unescapedSlashes])) ?? []
    }
}

public enum PlayerFindingCode {
    public static let unapprovedItem = "player.unapproved-item"
    public static let modifiedItem = "player.modified-item"
    public static let unreachable = "player.unreachable"
    public static let badResponse = "player.bad-response"
    /// Every code above (`watchpost check` refuses a responder naming any other `player.` code).
    public static let all: Set<String> = [unapprovedItem, modifiedItem, unreachable, badResponse]
}

/// Judges what the player reports against a trusted manifest. Pure.
public enum PlayerJudge {
    public static func findings(status: PlayerStatus, manifest: Manifest) -> [Finding] {
        guard let item = status.playing, status.state != "stopped", status.state != "idle" else { return [] }
        typealias C = PlayerFindingCode
        let described: MessageValue = .text(item.path ?? item.name)
        let hash = item.sha256.map { "sha256 \($0)" } ?? ""
        // Match by path first; a player that reports only a name matches approved items with that
        // file name in any folder.
        let candidates: [ApprovedItem]
        if let path = item.path {
            candidates = manifest.item(at: ContentPath.encode(Array(path.utf8))).map { [$0] } ?? []
        } else {
            candidates = manifest.items.filter { baseName($0.path) == ContentPath.encode(Array(item.name.utf8)) }
        }
        if let sha = item.sha256?.lowercased() {
            if candidates.contains(where: { $0.sha256 == sha }) { return [] }
            if let other = manifest.items.first(where: { $0.sha256 == sha }), candidates.isEmpty {
                _ = other  // approved content under another name: not unapproved
                return []
            }
            if let approved = candidates.first {
                return [Finding(.critical, code: C.modifiedItem, Message("finding.player.modified-item", ["item": described, "approved": .text(approved.path)]),
                                detail: "\(hash); approved sha256 \(approved.sha256)", securityRelevant: true)]
            }
            return [Finding(.critical, code: C.unapprovedItem, Message("finding.player.unapproved-item", ["item": described]), detail: hash,
                            securityRelevant: true)]
        }
        if candidates.isEmpty {
            return [Finding(.critical, code: C.unapprovedItem, Message("finding.player.unapproved-item", ["item": described]), detail: hash,
                            securityRelevant: true)]
        }
        if let size = item.size, !candidates.contains(where: { $0.size == size }) {
            return [Finding(.critical, code: C.modifiedItem, Message("finding.player.modified-item", ["item": described, "approved": .text(candidates[0].path)]),
                            detail: "\(size) bytes; approved \(candidates[0].size) bytes", securityRelevant: true)]
        }
        return []
    }

    static func baseName(_ path: String) -> String {
        path.split(separator: "/").last.map(String.init) ?? path
    }
}

public struct PlayerCheckSettings: Sendable {
    public var url: String
    public var manifestPath: String
    public var publicKeyPath: String
    /// The site's archive of accepted manifests (replay refusal); nil for ad-hoc use.
    public var archive: ManifestArchive?
    /// The folder the manifest belongs to: the content check's media folder, else the manifest's
    /// own folder. A manifest missing with its folder (an unmounted share) is a technical fault.
    public var mediaFolder: String?

    public init(url: String, manifestPath: String, publicKeyPath: String, archive: ManifestArchive? = nil, mediaFolder: String? = nil) {
        self.url = url
        self.manifestPath = manifestPath
        self.publicKeyPath = publicKeyPath
        self.archive = archive
        self.mediaFolder = mediaFolder ?? Self.folder(of: manifestPath)
    }

    static func folder(of path: String) -> String? {
        guard let slash = path.lastIndex(of: "/") else { return nil }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    /// From the check's keys; the manifest and key come from the named content check if any.
    public init(check: CheckDefinition, site: SiteProfile, root: String, databasePath: String? = nil) throws(WatchpostError) {
        archive = databasePath.map { ManifestArchive(databasePath: $0, site: site.id) }
        func absolute(_ p: String) -> String { p.hasPrefix("/") ? p : "\(root)/\(p)" }
        let p = check.parameters
        var path = p.string("status_path", default: "/api/info.json")
        if !path.hasPrefix("/") { path = "/" + path }
        let (host, port) = splitHostPort(p.string("address"))
        let hostPart = host.contains(":") ? "[\(host)]" : host
        url = "http://\(hostPart)\(port.map { ":\($0)" } ?? "")\(path)"
        if let ref = p.value("content_check") {
            guard let content = site.check(ref), content.kind == "content" else {
                throw WatchpostError(.configuration, "\(p.file):\(p.lineOf("content_check")): content_check: no content check '\(ref)' at site \(site.id)")
            }
            let settings = ContentCheckSettings(mediaFolder: absolute(content.parameters.string("media_folder")),
                                                manifestPath: content.parameters.value("manifest").map(absolute),
                                                publicKeyPath: absolute(content.parameters.string("public_key")))
            manifestPath = settings.manifestPath
            publicKeyPath = settings.publicKeyPath
            mediaFolder = settings.mediaFolder
        } else {
            manifestPath = absolute(p.string("manifest"))
            publicKeyPath = absolute(p.string("public_key"))
            mediaFolder = Self.folder(of: manifestPath)
        }
    }
}

public struct PlayerProbe: Probe {
    public let settings: PlayerCheckSettings

    public init(settings: PlayerCheckSettings) { self.settings = settings }

    public func run(_ context: ProbeContext) async -> CheckResult {
        let start = context.clock.now()
        let settings = self.settings
        let limit = max(Seconds(milliseconds: 100), context.deadline - start - Seconds(milliseconds: 200))
        let reading = (try? await runBlocking {
            ManifestLoader.read(manifest: settings.manifestPath, publicKey: settings.publicKeyPath, now: start, archive: settings.archive,
                                mediaFolder: settings.mediaFolder)
        }) ?? ManifestLoader.Reading(outcome: .keyProblem("cannot start a thread to read the manifest"))
        var (findings, _) = ContentJudge.findings(manifest: reading.outcome, scan: nil, manifestPath: settings.manifestPath,
                                                  replayedBelow: reading.replayedBelow, folderUnavailable: reading.folderUnavailable)
        var facts: [String: String] = ["url": settings.url]
        let fetched: Result<[UInt8], WatchpostError> = (try? await runBlocking { Self.fetch(settings.url, timeout: limit) })
            ?? .failure(WatchpostError(.io, "cannot start a thread for the request"))
        switch fetched {
        case .failure(let e):
            findings.append(Finding(.critical, code: PlayerFindingCode.unreachable, Message("finding.player.unreachable", ["url": .text(settings.url)]), detail: e.message))
        case .success(let body):
            do {
                let status = try PlayerStatus.decode(body)
                facts["state"] = status.state
                if let m = status.model { facts["model"] = m }
                if let f = status.firmware { facts["firmware"] = f }
                if let item = status.playing {
                    facts["playing"] = item.path ?? item.name
                    if let sha = item.sha256 { facts["playing_sha256"] = sha }
                }
                // With the share away, against the newest manifest the box accepted (the archive
                // of approvals): the screen must not be left unjudged because a share was
                // unmounted (review of #16, session 6).
                if let m = reading.judgedAgainst {
                    findings += PlayerJudge.findings(status: status, manifest: m)
                }
            } catch {
                findings.append(Finding(.unknown, code: PlayerFindingCode.badResponse, Message("finding.player.bad-response", ["url": .text(settings.url)]), detail: error.message))
            }
        }
        let ok = facts["playing"].map { Message("player.ok.playing", ["item": .text($0)]) } ?? Message("player.ok.idle", ["state": .text(facts["state"] ?? "idle")])
        return CheckResult.from(findings: findings, ok: ok, facts: facts, startedAt: start, duration: context.clock.now() - start)
    }

    /// One GET with a deadline (blocking).
    public static func fetch(_ url: String, timeout: Seconds) -> Result<[UInt8], WatchpostError> {
        do {
            let easy = try CurlEasy()
            try easy.set(.url, url)
            try easy.setTimeout(milliseconds: Int(timeout.milliseconds))
            try easy.setConnectTimeout(milliseconds: Int(min(timeout.milliseconds, 5000)))
            easy.setMaxResponseBytes(1 << 20)
            try easy.perform()
            guard easy.responseCode == 200 else {
                return .failure(WatchpostError(.protocolViolation, "HTTP \(easy.responseCode) from \(url)"))
            }
            return .success(easy.responseBody)
        } catch {
            return .failure(WatchpostError(.network, error.description))
        }
    }
}

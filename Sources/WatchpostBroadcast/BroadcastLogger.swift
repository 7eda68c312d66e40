// The broadcast logger of one player: asks the player what it plays every `log_interval`, reads
// the signed manifest (and refuses a replayed one), looks at the screen check's last result, and
// hands the observation to the recorder. Runs as a daemon service (wired in Sources/watchpost);
// prunes the log past the retention period once an hour.
import WatchpostCore
import WatchpostConfig
import WatchpostContent
import WatchpostPlayer
import WatchpostStore
import Posix

public struct BroadcastLogSettings: Sendable {
    public var site: String
    public var player: String
    public var url: String
    public var manifestPath: String
    public var publicKeyPath: String
    public var archive: ManifestArchive
    public var interval: Seconds
    /// The LED controller check whose `screen-dark` finding means the screen is dark.
    public var screenCheck: String?
    /// The screen check judges the picture only in operating hours (`follows_schedule`): its OK
    /// outside them says nothing of a lit screen.
    public var screenFollowsSchedule = false
    public var schedule: OperatingSchedule
    public var retention: Seconds
    /// The site's responders that black out (led-blackout) or restore (led-restore) the screen
    /// check's screen: their runs are the blackouts the log records.
    public var blackoutResponders: [String] = []
    public var restoreResponders: [String] = []
    /// The manifest's media folder: a play while it is missing or empty (an unmounted share)
    /// could not be checked, it is not unapproved.
    public var mediaFolder: String?

    public init(site: String, player: String, url: String, manifestPath: String, publicKeyPath: String, archive: ManifestArchive,
                interval: Seconds, screenCheck: String?, schedule: OperatingSchedule, retention: Seconds) {
        self.site = site
        self.player = player
        self.url = url
        self.manifestPath = manifestPath
        self.publicKeyPath = publicKeyPath
        self.archive = archive
        self.interval = interval
        self.screenCheck = screenCheck
        self.schedule = schedule
        self.retention = retention
    }

    /// How long the recorder goes without a sighting before it counts the time as not observed.
    public var sightingTolerance: Seconds { max(.seconds(3), interval * 2) }

    /// How long one poll waits for the player's answer: the sighting tolerance, at most 5 s. A
    /// player that answers later than one `log_interval` but within the tolerance is playing, not
    /// unreachable, and the log stays continuous (the next poll starts when this one ends). It was
    /// `log_interval` itself (at least 0.5 s, at most 5 s): with `log_interval = 1s` a poll missed
    /// its 1 s on a loaded box and wrote a player-unreachable gap while the player played
    /// (#13 session 11, load 20-24). Intervals of 5 s and more keep their 5 s.
    public var playerTimeout: Seconds { min(sightingTolerance, .seconds(5)) }

    /// One per enabled `player` check with `broadcast_log` not false.
    public static func all(_ config: WatchpostConfiguration) throws(WatchpostError) -> [BroadcastLogSettings] {
        var out: [BroadcastLogSettings] = []
        for site in config.sites {
            for check in site.checks where check.kind == "player" && check.enabled && check.parameters.bool("broadcast_log", default: true) {
                let player = try PlayerCheckSettings(check: check, site: site, root: config.root)
                out.append(BroadcastLogSettings(
                    site: site.id, player: check.id, url: player.url, manifestPath: player.manifestPath, publicKeyPath: player.publicKeyPath,
                    archive: ManifestArchive(databasePath: config.daemon.database, site: site.id),
                    interval: check.parameters.duration("log_interval", default: .seconds(5)),
                    screenCheck: check.parameters.value("screen_check"), schedule: site.schedule, retention: config.daemon.historyRetention))
                let screen = check.parameters.value("screen_check")
                let responders = site.sections.filter { $0.type == "responder" && screen != nil && $0.value("check") == screen }
                out[out.count - 1].blackoutResponders = responders.filter { $0.value("action") == "led-blackout" }.compactMap(\.name)
                out[out.count - 1].restoreResponders = responders.filter { $0.value("action") == "led-restore" }.compactMap(\.name)
                out[out.count - 1].mediaFolder = player.mediaFolder
                out[out.count - 1].screenFollowsSchedule = screen.flatMap { site.check($0)?.followsSchedule } ?? false
            }
        }
        return out
    }
}

public struct BroadcastLogger: Sendable {
    public let settings: BroadcastLogSettings
    let store: Store
    let clock: any WatchpostClock
    let logger: Logger

    public init(settings: BroadcastLogSettings, store: Store, clock: any WatchpostClock, logger: Logger) {
        self.settings = settings
        self.store = store
        self.clock = clock
        self.logger = logger
    }

    /// Polls until cancelled. A failed write is logged and retried at the next poll (the open
    /// entry keeps its last-seen time, so nothing is guessed).
    public func run() async throws {
        var recorder = BroadcastRecorder(site: settings.site, player: settings.player, tolerance: settings.sightingTolerance)
        var lastPrune = Instant(milliseconds: 0)
        var litAgain: LitAgain?
        logger.info("broadcast log started", [("player", "\(settings.site)/\(settings.player)"), ("interval", settings.interval.description)])
        while !Task.isCancelled {
            let started = clock.now()
            let (obs, reading) = await observe(litAgain: &litAgain)
            do {
                try await recorder.observe(obs, store: store) { BroadcastApproval.item($0, reading: reading) }
            } catch {
                logger.error("broadcast log write failed", [("error", error.description)])
            }
            if started - lastPrune >= .hours(1) {
                lastPrune = started
                if let n = try? await store.pruneBroadcastLog(before: started - settings.retention), n > 0 {
                    logger.info("pruned broadcast log", [("rows", String(n))])
                }
            }
            do { try await clock.sleep(until: started + settings.interval) } catch { break }
        }
        // An orderly stop (SIGTERM, a reload) leaves the open rows open, as after kill -9: the
        // next start continues the play in progress or closes it where it was last seen and logs
        // the time the monitor was away as not observed. Closing them here made a restart write
        // the same play twice and leave the time down unrecorded (review of #16, session 5, D4).

    }

    /// What the logger knows of the blackout commanded at `since` that no restore command ended:
    /// when it was first seen ended (`at`: the first screen check started after the command that
    /// found the screen lit; nil: not yet), whether the log's own row for it was looked up, and
    /// how far the screen check's history has been read.
    struct LitAgain: Sendable, Hashable {
        var since: Instant
        var at: Instant?
        var rowLookedUp = false
        var historyRow: Int64?
    }

    /// One observation: the player's status, the manifest, the screen. `litAgain` keeps the end
    /// of a blackout that ended without a restore command from one poll to the next.
    func observe(litAgain: inout LitAgain?) async -> (PlayerObservation, ManifestLoader.Reading) {
        let s = settings
        // The screen commands first, then the player: a command read here was given before the
        // player is asked, so the player's answer is the item on at the command or after it —
        // the item the content responder acted on, not the one before it (review of #16,
        // session 6: under load the player was asked first, the command read later, and the
        // blacked-out row named the previous play).
        var last: (Instant, CheckResult?)?
        var commands: (blackout: ScreenCommand?, restore: ScreenCommand?)?
        if let screen = s.screenCheck {
            last = try? await store.lastResult(site: s.site, checkID: screen)
            commands = try? await store.latestScreenCommands(site: s.site, check: screen, blackoutResponders: s.blackoutResponders,
                                                             restoreResponders: s.restoreResponders)
        }
        let now = clock.now()
        let timeout = settings.playerTimeout
        let fetched = (try? await runBlocking { PlayerProbe.fetch(s.url, timeout: timeout) }) ?? .failure(WatchpostError(.io, "no thread"))
        let reading = (try? await runBlocking {
            ManifestLoader.read(manifest: s.manifestPath, publicKey: s.publicKeyPath, now: now, archive: s.archive, mediaFolder: s.mediaFolder)
        }) ?? ManifestLoader.Reading(outcome: .keyProblem("cannot start a thread to read the manifest"))
        let state: PlayerObservation.State
        switch fetched {
        case .failure: state = .unreachable
        case .success(let body):
            if let status = try? PlayerStatus.decode(body), let item = status.playing, status.state == "playing" {
                state = .playing(item)
            } else if (try? PlayerStatus.decode(body)) != nil {
                state = .nothing
            } else {
                state = .unreachable
            }
        }
        // Whether a screen check run at `t` judged the picture: outside operating hours a check
        // that follows them does not, and its OK then is no sign of a lit screen (review of #16,
        // session 6: a commanded blackout was logged as ended at closing time).
        let followsSchedule = s.screenFollowsSchedule
        let schedule = s.schedule
        let judged: @Sendable (Instant) -> Bool = { t in !followsSchedule || schedule.isOn(at: t) }
        func showsLit(_ result: CheckResult) -> Bool {
            if result.findings.contains(where: { $0.code == "screen-lit-outside-hours" }) { return true }
            return judged(result.startedAt) && !result.findings.contains { $0.code == "screen-dark" }
        }
        var dark = false
        var blackout: CommandedBlackout?
        if let screen = s.screenCheck {
            if let (at, result) = last, let result {
                // A result older than a few of the logger's polls and a minute says nothing about
                // now; nor does one that started before the latest restore command: it saw the
                // screen before it was lit again (review of #16, session 5: a "dark" result from
                // before a restore made a screen-dark gap on a lit screen).
                let fresh = now - at <= max(.minutes(2), s.interval * 4)
                let beforeRestore = commands?.restore.map { result.startedAt < $0.at } ?? false
                if fresh && !beforeRestore {
                    dark = result.findings.contains { $0.code == "screen-dark" }
                }
            }
            if let b = commands?.blackout {
                var c = CommandedBlackout(since: b.at, by: b.by, incidentID: b.incidentID)
                if let calledBy = b.calledBy, let (_, result) = try? await store.lastResult(site: s.site, checkID: s.player), let result,
                   result.startedAt == calledBy, let playing = result.facts["playing"] {
                    // The player check's run that called the responder: the item it acted on.
                    c.actedOn = ContentPath.encode(Array(playing.utf8))
                }
                if let r = commands?.restore, r.at >= b.at {
                    c.ended = r.at
                } else {
                    // Its end is the first lit sighting, not the latest one: every later screen
                    // check would move it on and darken the plays after it (review of #16, session 5).
                    var watch = litAgain.flatMap { $0.since == b.at ? $0 : nil } ?? LitAgain(since: b.at)
                    if watch.at == nil && !watch.rowLookedUp {
                        // After a start or a reload: the end the log already wrote for it (once).
                        watch.rowLookedUp = true
                        if let recorded = try? await store.blackedOutEnd(site: s.site, player: s.player, since: b.at), let end = recorded { watch.at = end }
                    }
                    if watch.at == nil, let found = try? await store.firstRunWithoutProblem(site: s.site, check: screen, since: b.at, afterRow: watch.historyRow,
                                                                                            judged: judged) {
                        // Lit again without a restore command (the controller's own software),
                        // seen by a screen check the logger did not see — it was stopped or
                        // reloading — and then dark again: the old command is over (review of
                        // #16, session 5). From the command once, then only the rows written since.
                        // Only runs that judged the picture count.
                        watch.historyRow = found.lastRow
                        watch.at = found.at
                    }
                    if watch.at == nil, let (_, result) = last, let result, result.startedAt > b.at, showsLit(result) {
                        // The screen check, started after the command, found the screen on.
                        watch.at = result.startedAt
                    }
                    c.ended = watch.at
                    litAgain = watch
                }
                blackout = c
            }
        }
        return (PlayerObservation(at: now, state: state, screenDark: dark, inOperatingHours: s.schedule.isOn(at: now), blackout: blackout), reading)
    }
}

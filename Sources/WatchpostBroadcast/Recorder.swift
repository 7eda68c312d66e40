// WatchpostBroadcast owns the broadcast log (proof of play): what the player played, when, and
// which signed approval covered it — Vũng Áng Art. 4.3.c ("lưu thông tin đã phát để phục vụ công
// tác phát lại hoặc tra cứu": keep what was broadcast for replay and lookup) and Tây Trang 7.1.1
// (content vetted month by month). This file turns observations of the player into log rows.
// The log is local (the store on the box): it keeps filling with the WAN down, and a restart after
// kill -9 continues the open play instead of doubling it.
import WatchpostCore
import WatchpostContent
import WatchpostPlayer
import WatchpostStore

/// One look at the player and the screen.
public struct PlayerObservation: Sendable, Hashable {
    public enum State: Sendable, Hashable {
        case playing(PlayerStatus.Item)
        /// Answered, but stopped, idle or paused.
        case nothing
        case unreachable
    }
    public var at: Instant
    public var state: State
    /// The LED screen was reported dark (screen-dark finding of the screen check).
    public var screenDark: Bool
    /// The site's schedule says the screen should be on.
    public var inOperatingHours: Bool
    /// The newest blackout by command of the screen (nil: none known).
    public var blackout: CommandedBlackout?

    public init(at: Instant, state: State, screenDark: Bool = false, inOperatingHours: Bool = true, blackout: CommandedBlackout? = nil) {
        self.at = at
        self.state = state
        self.screenDark = screenDark
        self.inOperatingHours = inOperatingHours
        self.blackout = blackout
    }
}

/// The screen blacked out by command — the content responder (led-blackout) or a person — as
/// the logger reads it from the incident tables.
public struct CommandedBlackout: Sendable, Hashable {
    public var since: Instant
    /// The responder's name, or the person.
    public var by: String
    public var incidentID: Int64?
    /// When it ended: the restore command, or the screen check (started after the command) seeing
    /// the screen lit. nil: still dark.
    public var ended: Instant?
    /// The item (path) the player check reported in the run that called the responder: the item
    /// it acted on. nil for a person's command, or when that run is no longer the check's last.
    public var actedOn: String?

    public init(since: Instant, by: String, incidentID: Int64? = nil, ended: Instant? = nil, actedOn: String? = nil) {
        self.since = since
        self.by = by
        self.incidentID = incidentID
        self.ended = ended
        self.actedOn = actedOn
    }
}

/// Judges whether an item was approved when it started, and by which manifest. Pure.
public enum BroadcastApproval {
    public static func item(_ played: PlayerStatus.Item, reading: ManifestLoader.Reading) -> BroadcastItem {
        let path = played.path.map { ContentPath.encode(Array($0.utf8)) } ?? played.name
        var out = BroadcastItem(path: path, name: played.name, sha256: played.sha256?.lowercased() ?? "", size: played.size, approved: false)
        var verdict: ManifestVerdict?
        var manifestID = reading.archivedID ?? ""
        var judged = reading.accepted
        if case .verdict(let v) = reading.outcome, v.trustedManifest != nil { verdict = v }
        if judged == nil, let standIn = reading.standIn, let m = standIn.verdict.trustedManifest {
            // The manifest absent (the share away, or the file deleted): the newest manifest the
            // box accepted says (review of #16, session 6; s7 follow-up).
            judged = m
            verdict = standIn.verdict
            manifestID = standIn.id
        }
        if let m = verdict?.trustedManifest {
            out.keyID = m.keyID
            out.approvedAt = m.approvedAt
            out.sequence = m.sequence
            out.manifestID = manifestID
        }
        guard let m = judged else {
            // The share gone (or the manifest there but unreadable): the play could not be checked
            // (review of #16, session 5: logged "not approved").
            out.reason = reading.replayedBelow != nil ? ContentFindingCode.manifestReplayed
                : reading.folderUnavailable != nil ? ContentFindingCode.folderUnavailable : manifestProblem(reading.outcome)
            return out
        }
        if let v = verdict {
            switch v {
            case .expired: out.reason = ContentFindingCode.manifestExpired; return out
            case .notYetValid: out.reason = ContentFindingCode.manifestNotYetValid; return out
            default: break
            }
        }
        let status = PlayerStatus(state: "playing", playing: played)
        if let finding = PlayerJudge.findings(status: status, manifest: m).first {
            out.reason = finding.code
            return out
        }
        out.approved = true
        // The approved item's metadata: by path, else by hash, else by file name.
        let approved = m.item(at: path) ?? played.sha256.flatMap { sha in m.items.first { $0.sha256 == sha.lowercased() } }
            ?? m.items.first { ($0.path.split(separator: "/").last.map(String.init) ?? $0.path) == played.name }
        if let a = approved {
            out.title = a.metadata.title
            out.source = a.metadata.source
            out.languages = a.metadata.languages
            out.month = a.metadata.month
            out.kind = a.metadata.kind?.rawValue
            if out.sha256.isEmpty { out.sha256 = a.sha256 }
        }
        return out
    }

    static func manifestProblem(_ outcome: ManifestLoader.Outcome) -> String {
        switch outcome {
        case .keyProblem: return ContentFindingCode.publicKeyUnreadable
        case .verdict(let v):
            switch v {
            case .missing(let why): return why.hasPrefix(ManifestLoader.unreadablePrefix) ? ContentFindingCode.folderUnavailable : ContentFindingCode.manifestMissing
            case .malformed: return ContentFindingCode.manifestMalformed
            case .otherKey, .badSignature: return ContentFindingCode.signatureInvalid
            case .expired: return ContentFindingCode.manifestExpired
            case .notYetValid: return ContentFindingCode.manifestNotYetValid
            case .valid: return ""
            }
        }
    }
}

/// Turns observations into log rows for one player. Not thread-safe by itself: one logger task
/// owns it.
public struct BroadcastRecorder: Sendable {
    public let site: String
    public let player: String
    /// How far a play's start may move between polls and still be the same play (position
    /// reports are rounded; a loop back to 0 moves it by a whole item).
    public let tolerance: Seconds

    struct Open: Sendable, Hashable {
        var id: Int64
        var kind: BroadcastEntry.Kind
        var started: Instant
        var lastSeen: Instant
        var path: String?
        var sha256: String?
        var gap: BroadcastGap?
        /// A play whose approval could not be checked when it started (the share away): judged
        /// again at each poll until it can be (review of #16, session 6).
        var notChecked = false
    }
    var main: Open?
    var dark: Open?
    var blackout: Open?
    var loaded = false

    public init(site: String, player: String, tolerance: Seconds) {
        self.site = site
        self.player = player
        self.tolerance = tolerance
    }

    static func open(_ e: BroadcastEntry) -> Open {
        Open(id: e.id, kind: e.kind, started: e.started, lastSeen: e.lastSeen, path: e.item?.path, sha256: e.item?.sha256, gap: e.gap,
             notChecked: e.item?.approval == .notChecked)
    }

    /// Picks up what a previous run left open (after kill -9 or power loss): the newest main
    /// entry and dark gap stay candidates; anything else is closed where it was last seen.
    mutating func load(_ store: Store) async throws(WatchpostError) {
        loaded = true
        let open = try await store.openBroadcastEntries(site: site, player: player)
        for e in open {
            if e.gap == .blackedOut {
                if let b = blackout { try await store.closeBroadcast(id: b.id, at: b.lastSeen) }
                blackout = Self.open(e)
            } else if e.gap == .screenDark {
                if let d = dark { try await store.closeBroadcast(id: d.id, at: d.lastSeen) }
                dark = Self.open(e)
            } else {
                if let m = main { try await store.closeBroadcast(id: m.id, at: m.lastSeen) }
                main = Self.open(e)
            }
        }
    }

    /// Records one observation. `approval` is asked when a new play starts, and again at each
    /// poll while the open play's approval could not be checked.
    public mutating func observe(_ obs: PlayerObservation, store: Store, approval: (PlayerStatus.Item) -> BroadcastItem) async throws(WatchpostError) {
        if !loaded { try await load(store) }
        let now = obs.at
        // The monitor was not looking between the open entry's last sighting and now.
        let blindSince: Instant? = main.flatMap { now - $0.lastSeen > tolerance ? $0.lastSeen : nil }

        // What should be open now.
        enum Want { case play(PlayerStatus.Item, Instant), gap(BroadcastGap), none }
        let want: Want
        switch obs.state {
        case .playing(let item):
            let position = Seconds(milliseconds: max(0, min(item.position_ms ?? 0, 7 * 86_400_000)))
            want = .play(item, now - position)
        case .nothing: want = obs.inOperatingHours ? .gap(.nothingPlaying) : .none
        case .unreachable: want = .gap(.playerUnreachable)
        }

        func same(_ o: Open) -> Bool {
            switch want {
            case .play(let item, let start):
                let path = item.path.map { ContentPath.encode(Array($0.utf8)) } ?? item.name
                let sha = item.sha256?.lowercased() ?? ""
                let startClose = item.position_ms == nil || abs((start - o.started).milliseconds) <= tolerance.milliseconds
                // A hash on one side only is no difference: the player reports none while it
                // cannot read the file (the share away), and the row takes the manifest's when
                // approved (review of #16, session 5: one play became two rows when the share came back).
                let recorded = o.sha256 ?? ""
                let sameContent = sha.isEmpty || recorded.isEmpty || recorded == sha
                return o.kind == .play && o.path == path && sameContent && startClose
            case .gap(let g): return o.kind == .gap && o.gap == g && blindSince == nil
            case .none: return false
            }
        }

        // A blackout by command in force now (its row is written below).
        let commanded: CommandedBlackout? = obs.blackout.flatMap { $0.ended == nil && $0.since <= now ? $0 : nil }
        // The screen dark without a command up to now: the dark gap row open at the previous
        // poll. One rule for both kinds of dark: a play is dark for its overlap with the dark
        // time — from the command to the restore, or the dark row (from the first poll that saw
        // the screen dark to the first that saw it lit: the time between two polls takes what the
        // earlier one saw) — its first poll interval and its tail included (review of #16,
        // session 5: a screen dark without a command lost up to a poll per play).
        let darkSince: Instant? = dark.flatMap { now - $0.lastSeen <= tolerance ? $0.started : nil }
        func darkPart(_ from: Instant, _ to: Instant) -> Seconds {
            var spans: [(Instant, Instant)] = []
            if let b = obs.blackout, b.since <= now { spans.append((max(from, b.since), min(to, b.ended ?? now))) }
            if let d = darkSince { spans.append((max(from, d), min(to, now))) }
            spans = spans.filter { $0.1 > $0.0 }
            guard let first = spans.first else { return .zero }
            guard spans.count == 2 else { return first.1 - first.0 }
            let second = spans[1]
            let overlap = max(.zero, min(first.1, second.1) - max(first.0, second.0))
            return (first.1 - first.0) + (second.1 - second.0) - overlap
        }
        if let m = main, same(m) {
            if m.kind == .play, m.notChecked, case .play(let item, _) = want {
                // A play logged "could not be checked" is judged as soon as it can be (the share
                // back, or an archived approval to judge it by), and takes the item's hash once
                // the player reports it: one row says what the play was (review of #16, session 6:
                // an unapproved play caught later stayed "could not be checked").
                let record = approval(item)
                if record.approval != .notChecked || (!record.sha256.isEmpty && (m.sha256 ?? "").isEmpty) {
                    try await store.replaceBroadcastItem(id: m.id, item: record)
                    main?.notChecked = record.approval == .notChecked
                    main?.sha256 = record.sha256
                }
            }
            var darkTime: Seconds = .zero
            if m.kind == .play { darkTime = darkPart(m.lastSeen, now) }
            try await store.touchBroadcast(id: m.id, seen: now, addDark: darkTime < tolerance * 2 ? darkTime : .zero)
            main?.lastSeen = now
        } else {
            var boundary = now
            var nextIsPlay = false
            if case .play(_, let start) = want { nextIsPlay = true; if start < now { boundary = start } }
            if let m = main {
                // A play followed by a play ends when the next one started (from its position),
                // never before it was last seen nor after now; anything else ends where it was
                // last seen, and the unknown time after it belongs to what follows (a gap).
                let end = m.kind == .play && nextIsPlay && blindSince == nil ? min(now, max(m.lastSeen, boundary)) : m.lastSeen
                if !nextIsPlay && blindSince == nil { boundary = end }
                // The play's last seconds, from its last poll to its end, are dark too when the
                // screen was (review of #16, session 5: 0.4–2.9 s a play counted as shown).
                if m.kind == .play, end > m.lastSeen {
                    let tail = darkPart(m.lastSeen, end)
                    if tail > .zero { try await store.touchBroadcast(id: m.id, seen: m.lastSeen, addDark: tail) }
                }
                try await store.closeBroadcast(id: m.id, at: end)
                main = nil
                if let blind = blindSince, boundary - blind > tolerance {
                    let g = try await store.beginGap(site: site, player: player, started: blind, seen: boundary, gap: .notObserved)
                    try await store.closeBroadcast(id: g, at: boundary)
                }
                boundary = max(boundary, end)
            }
            switch want {
            case .play(let item, _):
                let record = approval(item)
                let id = try await store.beginPlay(site: site, player: player, started: boundary, seen: now, item: record)
                main = Open(id: id, kind: .play, started: boundary, lastSeen: now, path: record.path, sha256: record.sha256,
                            notChecked: record.approval == .notChecked)
                // A play that starts behind a dark screen is dark from its start (the command, or
                // the dark row, is a fact for the whole time, not only from the next poll).
                let head = darkPart(boundary, now)
                if head > .zero { try await store.touchBroadcast(id: id, seen: now, addDark: head) }
            case .gap(let g):
                let id = try await store.beginGap(site: site, player: player, started: boundary, seen: now, gap: g)
                main = Open(id: id, kind: .gap, started: boundary, lastSeen: now, gap: g)
            case .none:
                break
            }
        }

        // A blackout by command: a gap of its own from the command to the restore, tied to the
        // play that was on when it came (the play row keeps what the player went on playing).
        if let b = obs.blackout, b.since <= now {
            if let open = blackout, open.started != b.since {
                try await store.closeBroadcast(id: open.id, at: min(open.lastSeen, b.since))
                blackout = nil
            }
            if let end = b.ended {
                if let open = blackout { try await store.closeBroadcast(id: open.id, at: max(open.started, min(end, now))) }
                blackout = nil
            } else if let open = blackout {
                try await store.touchBroadcast(id: open.id, seen: now)
                blackout?.lastSeen = now
            } else {
                // The play of the item the responder acted on — the one the player check reported
                // in the run that called it — not merely the log's play at the command: the log
                // may have seen that item only after the responder acted (review of #16, session
                // 6: the blacked-out row then named the previous play). Else the log's play at
                // the command (a person's command).
                var stopped: (id: Int64?, path: String?, started: Instant?)?
                if let acted = b.actedOn {
                    if let m = main, m.kind == .play, m.path == acted {
                        stopped = (m.id, m.path, m.started)
                    } else if let e = try await store.broadcastPlay(site: site, player: player, at: b.since), e.item?.path == acted {
                        stopped = (e.id, e.item?.path, e.started)
                    } else {
                        stopped = (nil, acted, nil)
                    }
                } else if let e = try await store.broadcastPlay(site: site, player: player, at: b.since) {
                    stopped = (e.id, e.item?.path, e.started)
                }
                let id = try await store.beginBlackout(site: site, player: player, started: b.since, seen: now, blackout: BroadcastBlackout(
                    stoppedPlayID: stopped?.id, stoppedPath: stopped?.path, stoppedStarted: stopped?.started, by: b.by, incidentID: b.incidentID))
                blackout = Open(id: id, kind: .gap, started: b.since, lastSeen: now, gap: .blackedOut)
            }
        } else if let open = blackout {
            try await store.closeBroadcast(id: open.id, at: open.lastSeen)
            blackout = nil
        }

        // The screen dark while something plays, in operating hours: a gap of its own beside the
        // play (what the player played behind the dark screen stays in the play row). Not while a
        // blackout by command explains it.
        let isDark: Bool = {
            if case .playing = obs.state { return obs.screenDark && obs.inOperatingHours && commanded == nil }
            return false
        }()
        if isDark {
            if let d = dark, now - d.lastSeen <= tolerance {
                try await store.touchBroadcast(id: d.id, seen: now)
                dark?.lastSeen = now
            } else {
                if let d = dark { try await store.closeBroadcast(id: d.id, at: d.lastSeen) }
                let id = try await store.beginGap(site: site, player: player, started: now, seen: now, gap: .screenDark)
                dark = Open(id: id, kind: .gap, started: now, lastSeen: now, gap: .screenDark)
            }
        } else if let d = dark {
            try await store.closeBroadcast(id: d.id, at: now - d.lastSeen <= tolerance ? now : d.lastSeen)
            dark = nil
        }
    }

    /// An orderly stop (SIGTERM) or a reload (SIGHUP) leaves the open entries open, exactly as
    /// kill -9 does: the next start continues the play still on (none doubled) or, after a longer
    /// stop, ends it where it was last seen and records the time nobody watched as a
    /// `not-observed` gap (review of #16, session 5: closing here made the next start open a second
    /// row for the same play and left the down time a silent hole). Only the in-memory state goes.
    public mutating func close(store: Store) async throws(WatchpostError) {
        main = nil
        dark = nil
        blackout = nil
        loaded = false
    }
}

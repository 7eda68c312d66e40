// The `content` check: verifies the signed manifest, scans the media folder and reports every
// difference as a security finding with file names and hashes. Hashing runs on a thread of its
// own (runBlocking) and may outlive one check run: a scan that does not finish by the run's
// deadline keeps going, and the next run picks up its result, so a 10 GB file is fine whatever
// the check's timeout.
import WatchpostCore
import WatchpostConfig
import Crypto
import Posix
import Synchronization

/// Stable finding codes (README "Content integrity"). The engine and responders match on them.
public enum ContentFindingCode {
    public static let unexpectedFile = "content.unexpected-file"
    public static let modifiedFile = "content.modified-file"
    public static let missingFile = "content.missing-file"
    public static let unlistedCopy = "content.unlisted-copy"
    public static let symlinkEscape = "content.symlink-escape"
    public static let unreadableFile = "content.unreadable-file"
    public static let changedWhileHashing = "content.changed-while-hashing"
    public static let manifestMissing = "content.manifest-missing"
    public static let manifestMalformed = "content.manifest-malformed"
    public static let signatureInvalid = "content.signature-invalid"
    public static let manifestExpired = "content.manifest-expired"
    public static let manifestNotYetValid = "content.manifest-not-yet-valid"
    /// A correctly signed manifest older (lower sequence) than one the box already accepted: an
    /// old approval replayed onto the box. Refused; nothing is judged against it.
    public static let manifestReplayed = "content.manifest-replayed"
    /// The accepted manifest could not be kept in the archive of approvals (disk, permissions).
    public static let archiveFailed = "content.archive-failed"
    public static let publicKeyUnreadable = "content.public-key-unreadable"
    public static let folderUnavailable = "content.folder-unavailable"
    public static let scanInProgress = "content.scan-in-progress"
    /// Every code above (`watchpost check` refuses a responder naming any other `content.` code;
    /// the catalogue test checks each has `finding.<code>`).
    public static let all: Set<String> = [
        unexpectedFile, modifiedFile, missingFile, unlistedCopy, symlinkEscape, unreadableFile, changedWhileHashing,
        manifestMissing, manifestMalformed, signatureInvalid, manifestExpired, manifestNotYetValid, manifestReplayed, archiveFailed,
        publicKeyUnreadable, folderUnavailable, scanInProgress,
    ]

    /// Content and player codes whose findings are security-relevant: the only ones the monthly
    /// figures count as content violations (an offline player or an expired approval is not one).
    public static var securityRelevant: Set<String> { ContentViolation.findingCodes }

    /// Codes that mean the screen may be showing content the Department did not approve: the
    /// ones a blackout responder should act on.
    public static let unapprovedContent: Set<String> = [
        unexpectedFile, modifiedFile, symlinkEscape, manifestMissing, manifestMalformed, signatureInvalid,
        manifestExpired, manifestNotYetValid, manifestReplayed,
    ]
}

/// A `content` check's settings.
public struct ContentCheckSettings: Sendable {
    public var mediaFolder: String
    public var manifestPath: String
    public var publicKeyPath: String
    public var fullRehashInterval: Seconds
    /// Where the hash cache is kept between runs and restarts (nil: memory only).
    public var stateFile: String?
    /// The archive of accepted manifests (nil: none kept, no replay refusal — ad-hoc commands).
    public var archive: ManifestArchive?
    public var options: ScanOptions

    public static let defaultManifestName = "approved.manifest"
    public static let maxManifestBytes = 64 << 20

    public init(mediaFolder: String, manifestPath: String? = nil, publicKeyPath: String, fullRehashInterval: Seconds = .hours(24),
                stateFile: String? = nil, options: ScanOptions = ScanOptions()) {
        self.mediaFolder = mediaFolder
        self.manifestPath = manifestPath ?? "\(mediaFolder)/\(Self.defaultManifestName)"
        self.publicKeyPath = publicKeyPath
        self.fullRehashInterval = fullRehashInterval
        self.stateFile = stateFile
        self.options = options
        // The manifest may live in the media folder; it is not content.
        let folder = mediaFolder.hasSuffix("/") ? mediaFolder : mediaFolder + "/"
        if self.manifestPath.hasPrefix(folder) {
            self.options.excluded.insert(ContentPath.encode(Array(self.manifestPath.dropFirst(folder.count).utf8)))
        }
    }

    /// From a configured check: paths relative to the configuration folder; the state file next
    /// to the database.
    public init(check: CheckDefinition, root: String, databasePath: String) {
        func absolute(_ p: String) -> String { p.hasPrefix("/") ? p : "\(root)/\(p)" }
        let folder = absolute(check.parameters.string("media_folder"))
        let dbDir = databasePath.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
        self.init(mediaFolder: folder,
                  manifestPath: check.parameters.value("manifest").map(absolute),
                  publicKeyPath: absolute(check.parameters.string("public_key")),
                  fullRehashInterval: check.parameters.duration("full_rehash_interval", default: .hours(24)),
                  stateFile: "\(dbDir.isEmpty ? "." : dbDir)/content-\(check.site)-\(check.id).state")
        archive = ManifestArchive(databasePath: databasePath, site: check.site)
    }
}

/// Reads the public key and the manifest and judges them (blocking: small files, but a share
/// can hang — call inside runBlocking).
public enum ManifestLoader {
    public enum Outcome: Sendable {
        case verdict(ManifestVerdict)
        case keyProblem(String)
    }

    public static func load(manifest: String, publicKey: String, now: Instant) -> Outcome {
        loadKeepingBytes(manifest: manifest, publicKey: publicKey, now: now).0
    }

    /// The outcome and the file's exact bytes (nil when it could not be read).
    /// How a `.missing` verdict begins when the manifest is there but cannot be read (an I/O
    /// error on the share, not a regular file): a technical fault, not a missing approval.
    public static let unreadablePrefix = "cannot read manifest "

    /// Why the file at `path` is not a usable Ed25519 public key in PEM (garbage, empty, the
    /// private key copied in its place), or nil when it is one. `watchpost check` asks this, so a
    /// bad key is refused at file:line instead of being found by the probe at run time (#19).
    public static func publicKeyProblem(at path: String) -> String? {
        do {
            _ = try Ed25519.publicKey(fromPEM: try FileSystem.readText(path))
            return nil
        } catch let e as SystemError {
            return e.reason
        } catch {
            return "\(error)"
        }
    }

    static func loadKeepingBytes(manifest: String, publicKey: String, now: Instant) -> (Outcome, [UInt8]?) {
        let key: [UInt8]
        do {
            let text = try FileSystem.readText(publicKey)
            key = try Ed25519.publicKey(fromPEM: text)
        } catch let e as SystemError {
            return (.keyProblem("cannot read the Department's public key \(publicKey): \(e.reason)"), nil)
        } catch {
            return (.keyProblem("\(publicKey) is not an Ed25519 public key: \(error)"), nil)
        }
        let bytes: [UInt8]
        do { bytes = try FileSystem.readBytes(manifest, limit: ContentCheckSettings.maxManifestBytes) } catch {
            return (.verdict(.missing(error.errno == SystemError.noEntry ? "no manifest at \(manifest)" : "\(unreadablePrefix)\(manifest): \(error.reason)")), nil)
        }
        return (.verdict(ManifestVerdict.judge(bytes: bytes, publicKey: key, at: now)), bytes)
    }

    /// What reading the manifest against the archive of approvals found.
    public struct Reading: Sendable {
        public var outcome: Outcome
        /// The highest sequence already accepted, when this manifest's is lower (a replay).
        public var replayedBelow: Int64?
        /// The archive id of this manifest when it was accepted (kept or already there).
        public var archivedID: String?
        /// Why it could not be archived (disk full, permissions), if it could not.
        public var archiveProblem: String?
        /// The manifest is not there because its media folder is not (missing, not a folder, or
        /// empty: an unmounted share), with why: a technical fault, not a missing approval (issue
        /// 14 point 3). Only looked at when the manifest is missing and the folder is known.
        public var folderUnavailable: String?

        /// While there is no manifest to read (`manifestAbsent`: the share away, the file
        /// unreadable, or the file deleted from a share that is there): the newest manifest the
        /// box accepted for that file, from the archive of approvals, judged again now
        /// (signature, dates), with its archive id. The playing item is judged against it
        /// (review of #16, session 6: with the share away nothing judged the item on the screen;
        /// s7 follow-up: with the manifest deleted every play was "not approved, manifest
        /// missing", the unapproved one not told apart and the screen not blacked out).
        public var standIn: (verdict: ManifestVerdict, id: String)?

        public init(outcome: Outcome, replayedBelow: Int64? = nil, archivedID: String? = nil, archiveProblem: String? = nil) {
            self.outcome = outcome
            self.replayedBelow = replayedBelow
            self.archivedID = archivedID
            self.archiveProblem = archiveProblem
        }

        /// The manifest to judge content against: trusted and not a replay.
        public var accepted: Manifest? {
            guard replayedBelow == nil, case .verdict(let v) = outcome else { return nil }
            return v.trustedManifest
        }

        /// The manifest the playing item is judged against: the accepted one, else the archived
        /// stand-in while the share is away.
        public var judgedAgainst: Manifest? { accepted ?? standIn?.verdict.trustedManifest }

        /// Whether there is no manifest to judge by: missing (deleted, or gone with its share) or
        /// unreadable (an I/O error). A manifest that is there but refused (bad signature,
        /// malformed, a replay) is not absent: that refusal is the finding.
        public var manifestAbsent: Bool {
            if folderUnavailable != nil { return true }
            if case .verdict(.missing) = outcome { return true }
            return false
        }
    }

    /// Loads and judges the manifest, refuses it when it replays an older approval, and keeps it
    /// in the archive when accepted (blocking).
    /// `mediaFolder`: the folder the manifest belongs to (the content check's media folder); when
    /// the manifest is missing, a missing or empty folder makes it `folderUnavailable`.
    public static func read(manifest: String, publicKey: String, now: Instant, archive: ManifestArchive?, mediaFolder: String? = nil) -> Reading {
        let (outcome, bytes) = loadKeepingBytes(manifest: manifest, publicKey: publicKey, now: now)
        var reading = Reading(outcome: outcome)
        if let mediaFolder, case .verdict(.missing(let why)) = outcome, !why.hasPrefix(unreadablePrefix),
           let unavailable = MediaFolderCheck.unavailable(mediaFolder) {
            reading.folderUnavailable = "\(why); \(unavailable)"
        }
        if reading.manifestAbsent, let archive, let kept = archive.lastAccepted(scope: manifest),
           let key = try? Ed25519.publicKey(fromPEM: FileSystem.readText(publicKey)),
           let bytes = try? archive.bytes(of: kept), ManifestArchive.id(of: bytes) == kept.id {
            let verdict = ManifestVerdict.judge(bytes: bytes, publicKey: key, at: now)
            if verdict.trustedManifest != nil { reading.standIn = (verdict, kept.id) }
        }
        guard let archive, let bytes, case .verdict(let v) = outcome, let m = v.trustedManifest else { return reading }
        if let top = archive.replayedBelow(m, scope: manifest) {
            reading.replayedBelow = top
            return reading
        }
        do { reading.archivedID = try archive.keep(bytes: bytes, manifest: m, scope: manifest) } catch {
            reading.archiveProblem = "cannot keep the manifest in the archive \(archive.folder): \(error.reason)"
        }
        return reading
    }
}

/// Turns a manifest verdict and a scan into findings. Pure: tests feed it values.
public enum ContentJudge {
    /// `folderUnavailable`: what `ManifestLoader.Reading.folderUnavailable` found, for a caller
    /// that does not scan the folder (the player check): the manifest missing with its folder is
    /// the technical `folder-unavailable`, not the security-relevant `manifest-missing`.
    public static func findings(manifest: ManifestLoader.Outcome, scan: ScanOutcome?, manifestPath: String,
                                replayedBelow: Int64? = nil, folderUnavailable: String? = nil) -> (findings: [Finding], pending: Int) {
        typealias C = ContentFindingCode
        var out: [Finding] = []
        var trusted: Manifest?
        if let top = replayedBelow, case .verdict(let v) = manifest, let m = v.trustedManifest {
            // Refused whatever its dates: an old approval must not come back onto the box.
            out.append(Finding(.critical, code: C.manifestReplayed,
                               Message("finding.content.manifest-replayed", ["manifest": .text(manifestPath), "sequence": .text("\(m.effectiveSequence)"), "accepted": .text("\(top)")]),
                               securityRelevant: true))
            return (out, 0)
        }
        switch manifest {
        case .keyProblem(let why):
            out.append(Finding(.unknown, code: C.publicKeyUnreadable, Message("finding.content.public-key-unreadable"), detail: why))
        case .verdict(let v):
            switch v {
            case .valid(let m): trusted = m
            case .expired(let m):
                trusted = m
                // The Department's own task (renewing its approval), not a security matter: a
                // technical incident for the Department and the operating unit (issue 16).
                out.append(Finding(.critical, code: C.manifestExpired,
                                   Message("finding.content.manifest-expired", ["at": .instant(m.validTo), "by": .text(m.approvedBy)])))
            case .notYetValid(let m):
                trusted = m
                out.append(Finding(.critical, code: C.manifestNotYetValid,
                                   Message("finding.content.manifest-not-yet-valid", ["at": .instant(m.validFrom), "by": .text(m.approvedBy)]),
                                   securityRelevant: true))
            case .otherKey(let m, let expected):
                out.append(Finding(.critical, code: C.signatureInvalid,
                                   Message("finding.content.signature-invalid.other-key", ["manifest": .text(manifestPath)]),
                                   detail: "key-id \(m.keyID), expected \(expected)", securityRelevant: true))
            case .badSignature:
                out.append(Finding(.critical, code: C.signatureInvalid,
                                   Message("finding.content.signature-invalid", ["manifest": .text(manifestPath)]), securityRelevant: true))
            case .malformed(let e):
                out.append(Finding(.critical, code: C.manifestMalformed, Message("finding.content.manifest-malformed", ["manifest": .text(manifestPath)]),
                                   detail: "\(e)", securityRelevant: true))
            case .missing(let why):
                // A missing or unmounted media folder takes the manifest kept in it away too: that is
                // a technical fault (issue 14 point 3: "a missing media folder or an unreadable share
                // is technical"), reported below as `folder-unavailable`, not a security incident.
                // Only a manifest missing beside content that plays is a security matter.
                if let scan, scan.folderError != nil || scan.entries.isEmpty { break }
                if scan == nil, let folderUnavailable {
                    // The player check (no scan): the media folder is gone or empty too (review of
                    // #16, session 5: an unmounted share paged the police through playing-now).
                    out.append(Finding(.critical, code: C.folderUnavailable, Message("finding.content.folder-unavailable"), detail: folderUnavailable))
                    return (out, 0)
                }
                if why.hasPrefix(ManifestLoader.unreadablePrefix) {
                    // There but unreadable (I/O error on the share): technical, nothing is judged.
                    out.append(Finding(.critical, code: C.folderUnavailable, Message("finding.content.folder-unavailable"), detail: why))
                    return (out, 0)
                }
                out.append(Finding(.critical, code: C.manifestMissing, Message("finding.content.manifest-missing", ["manifest": .text(manifestPath)]), detail: why, securityRelevant: true))
            }
        }
        guard let scan else { return (out, 0) }
        if let why = scan.folderError {
            out.append(Finding(.critical, code: C.folderUnavailable, Message("finding.content.folder-unavailable"), detail: why))
            return (out, 0)
        }
        if scan.entries.isEmpty, case .verdict(.missing(let why)) = manifest {
            // An empty folder without its manifest: the share is not mounted (nothing can play).
            out.append(Finding(.critical, code: C.folderUnavailable, Message("finding.content.folder-unavailable"),
                               detail: "\(why); the media folder is empty (not mounted?)"))
            return (out, 0)
        }
        guard let manifest = trusted else { return (out, 0) }
        let approved = manifest.itemsByPath
        var approvedByHash: [String: String] = [:]
        for i in manifest.items where approvedByHash[i.sha256] == nil { approvedByHash[i.sha256] = i.path }
        var seen = Set<String>()
        var pending = 0
        for e in scan.entries {
            seen.insert(e.path)
            switch e {
            case .file(let path, let size, let sha):
                if let item = approved[path] {
                    if let sha, sha == item.sha256, size == item.size { continue }
                    guard sha != nil || size != item.size else { pending += 1; continue }
                    out.append(Finding(.critical, code: C.modifiedFile, Message("finding.content.modified-file", ["path": .text(path)]),
                                       detail: "sha256 \(sha ?? "-"), \(size) bytes; approved sha256 \(item.sha256), \(item.size) bytes",
                                       securityRelevant: true))
                } else {
                    guard let sha else { pending += 1; continue }
                    if let original = approvedByHash[sha] {
                        out.append(Finding(.warning, code: C.unlistedCopy, Message("finding.content.unlisted-copy", ["path": .text(path), "original": .text(original)]),
                                           detail: "sha256 \(sha), \(size) bytes"))
                    } else {
                        out.append(Finding(.critical, code: C.unexpectedFile, Message("finding.content.unexpected-file", ["path": .text(path)]),
                                           detail: "sha256 \(sha), \(size) bytes", securityRelevant: true))
                    }
                }
            case .symlinkEscape(let path, let target):
                out.append(Finding(.critical, code: C.symlinkEscape, Message("finding.content.symlink-escape", ["path": .text(path)]),
                                   detail: "→ \(target)", securityRelevant: true))
            case .unreadable(let path, let reason):
                // Technical: the share or file cannot be read (issue 14 point 3), nothing is known to be unapproved.
                out.append(Finding(.warning, code: C.unreadableFile, Message("finding.content.unreadable-file", ["path": .text(path)]),
                                   detail: reason))
            case .changing(let path):
                out.append(Finding(.warning, code: C.changedWhileHashing, Message("finding.content.changed-while-hashing", ["path": .text(path)]),
                                   securityRelevant: true))
            }
        }
        for item in manifest.items where !seen.contains(item.path) {
            out.append(Finding(.warning, code: C.missingFile, Message("finding.content.missing-file", ["path": .text(item.path)]),
                               detail: "sha256 \(item.sha256), \(item.size) bytes", securityRelevant: true))
        }
        return (out, pending)
    }
}

/// The `content` probe. An actor: it owns the hash cache and at most one running scan.
public actor ContentProbe: Probe {
    public let settings: ContentCheckSettings
    private var state: ContentState?
    private var scan: Task<ScanOutcome, Never>?
    private var scanStartedAt: Instant?
    private var scanIsFull = false
    private let control = ScanControl()

    public init(settings: ContentCheckSettings) { self.settings = settings }

    public func run(_ context: ProbeContext) async -> CheckResult {
        let start = context.clock.now()
        let settings = self.settings
        if state == nil {
            let file = settings.stateFile
            state = (try? await runBlocking { file.map(ContentState.load) ?? ContentState() }) ?? ContentState()
        }
        // A scan that finished after an earlier run gave up waiting: keep its hashes, then scan
        // again (quick: the cache is warm) so that this run reports the folder as it is now.
        if let done = scan, finished { adopt(await done.value) }
        // The manifest first, the scan after: the manifest is read from the media folder by
        // default, and on a share that hangs both would stick, two pool threads for one probe
        // (/metrics said busy 2, stuck 1; #21 review s5). Read first, a hung share holds the one
        // thread reading it and no scan starts; the scheduler does not run the probe again.
        let reading = (try? await runBlocking {
            ManifestLoader.read(manifest: settings.manifestPath, publicKey: settings.publicKeyPath, now: start, archive: settings.archive)
        }) ?? ManifestLoader.Reading(outcome: .keyProblem("cannot start a thread to read the manifest"))
        if scan == nil { startScan(now: start) }
        let manifest = reading.outcome
        // Wait for the scan, but answer before the deadline (a margin for the scheduler).
        let budget = context.deadline - context.clock.now()
        let waitUntil = context.deadline - Seconds(milliseconds: min(2000, max(0, budget.milliseconds / 10)))
        let outcome = await waitForScan(until: waitUntil, clock: context.clock)
        if let outcome { adopt(outcome) }
        let (findings, pending) = ContentJudge.findings(manifest: manifest, scan: outcome, manifestPath: settings.manifestPath,
                                                        replayedBelow: reading.replayedBelow)
        var all = findings
        if let why = reading.archiveProblem { all.append(Finding(.warning, code: ContentFindingCode.archiveFailed, Message("finding.content.archive-failed"), detail: why)) }
        if outcome == nil {
            all.append(Finding(.unknown, code: ContentFindingCode.scanInProgress,
                               Message("finding.content.scan-in-progress", ["bytes": .bilingual(vi: HumanFormat.bytes(Double(control.hashedBytes), .vi), en: HumanFormat.bytes(Double(control.hashedBytes), .en))])))
        } else if pending > 0 {
            all.append(Finding(.unknown, code: ContentFindingCode.scanInProgress, Message("finding.content.scan-in-progress.pending", ["count": .count(pending)])))
        }
        var measurements: [Measurement] = []
        var facts: [String: String] = ["media_folder": settings.mediaFolder, "manifest": settings.manifestPath]
        if let outcome, outcome.folderError == nil {
            let files = outcome.entries.filter { if case .file = $0 { return true }; return false }.count
            measurements.append(Measurement("files", Double(files)))
            measurements.append(Measurement("hashed_bytes", Double(outcome.bytesHashed), unit: "B"))
            measurements.append(Measurement("hashed_files", Double(outcome.filesHashed)))
        }
        if case .verdict(let v) = manifest, let m = v.trustedManifest {
            measurements.append(Measurement("approved_items", Double(m.items.count)))
            facts["approved_by"] = m.approvedBy
            facts["approved_at"] = m.approvedAt.iso8601(offsetSeconds: Manifest.writtenOffset)
            facts["valid_to"] = m.validTo.iso8601(offsetSeconds: Manifest.writtenOffset)
            facts["key_id"] = m.keyID
            if let seq = m.sequence { facts["sequence"] = String(seq) }
        }
        if let id = reading.archivedID { facts["manifest_id"] = id }
        if let last = state?.lastFullRehash { facts["last_full_rehash"] = last.iso8601(offsetSeconds: Manifest.writtenOffset) }
        let okSummary: Message
        if case .verdict(let v) = manifest, let m = v.trustedManifest, let outcome {
            okSummary = Message("content.ok", ["count": .count(outcome.entries.count), "by": .text(m.approvedBy), "until": .instant(m.validTo)])
        } else {
            okSummary = Message("content.ok.verified")
        }
        return CheckResult.from(findings: all, ok: okSummary, measurements: measurements, facts: facts,
                                startedAt: start, duration: context.clock.now() - start)
    }

    public func shutdown() async {
        control.requestStop()
        if let scan { adopt(await scan.value) }
    }

    /// Set by the scan task when it ends (a task's value cannot be polled).
    private var finished = false

    private func startScan(now: Instant) {
        let settings = self.settings, control = self.control
        let current = state ?? ContentState()
        let due = current.lastFullRehash.map { now - $0 >= settings.fullRehashInterval } ?? true
        scanStartedAt = now
        scanIsFull = due
        finished = false
        let rehashBefore: Instant? = due ? now : nil
        let lastFull = current.lastFullRehash
        scan = Task {
            let outcome = (try? await runBlocking {
                let o = MediaScanner.scan(root: settings.mediaFolder, cache: current.cache, rehashBefore: rehashBefore, now: now,
                                          options: settings.options, control: control)
                // Saved by the scan itself, so that hashing done after a run stopped waiting is kept
                // even if the daemon stops before the next run.
                if let file = settings.stateFile, o.folderError == nil {
                    let full = due && o.complete ? now : lastFull
                    try? ContentState(cache: o.cache, lastFullRehash: full).save(file)
                }
                return o
            }) ?? ScanOutcome(entries: [], cache: current.cache, complete: false, bytesHashed: 0, filesHashed: 0,
                              folderError: "cannot start a scanning thread")
            self.markFinished()
            return outcome
        }
    }

    private func markFinished() { finished = true }

    /// Waits for the running scan until `limit`; nil if it is still running then. The one
    /// deadline primitive never awaits its operation, so the scan is free to outlive the wait.
    private func waitForScan(until limit: Instant, clock: any WatchpostClock) async -> ScanOutcome? {
        guard let scan else { return nil }
        if case .finished(let outcome) = await withDeadline(limit, clock: clock, { await scan.value }) { return outcome }
        return nil
    }

    private func adopt(_ outcome: ScanOutcome) {
        guard scan != nil else { return }
        if outcome.folderError == nil {
            var s = state ?? ContentState()
            s.cache = outcome.cache
            if scanIsFull && outcome.complete { s.lastFullRehash = scanStartedAt }
            state = s
        }
        scan = nil
        finished = false
    }
}

// The outbox worker: the daemon service that turns queued notifications into delivered email.
// Each pass (1) groups queued rows per recipient once the oldest has waited the group window
// and the recipient's hourly limit allows, storing the composed message before any send; then
// (2) sends due messages over one reused SMTP connection and records each outcome as soon as the
// server answered: accepted → sent; unreachable or 4xx → retried with exponential backoff and
// jitter; 5xx → failed, recorded, and reported to the site's technicians.
// It runs in its own task and its SMTP connection on its own thread, so a storm of
// notifications never holds up the check loops. See MailStore.swift for the acceptance window.
import WatchpostCore
import WatchpostConfig
import WatchpostStore
import Curl
import Posix
import Synchronization

/// Sends one message. The real one is `SMTPTransport`; a test may count calls through it.
public protocol MailTransport: Sendable {
    func send(from: String, to: String, data: [UInt8]) async -> SMTPOutcome
    /// Closes the connection (QUIT); the next send opens a new one.
    func close() async
}

/// SMTP through libcurl on a thread of its own. The connection stays open between messages of a
/// batch and is closed by `close()`.
public actor SMTPTransport: MailTransport {
    private let executor: DedicatedThreadExecutor
    public nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }
    /// The SMTP thread ends with the transport (one is made at each reload).
    deinit { executor.shutdown() }
    public let endpoint: MailEndpoint
    let helo: String
    private var connection: SMTPConnection?

    public init(endpoint: MailEndpoint, helo: String) {
        self.endpoint = endpoint
        self.helo = helo
        executor = DedicatedThreadExecutor(name: "smtp")
    }

    public func send(from: String, to: String, data: [UInt8]) async -> SMTPOutcome {
        do {
            if connection == nil { connection = try SMTPConnection(endpoint: endpoint, heloName: helo) }
            let outcome = connection!.send(from: from, to: [to], data: data)
            if !outcome.accepted && (outcome.connectionFailed || outcome.replyCode == 0) { connection = nil }
            return outcome
        } catch {
            connection = nil
            return SMTPOutcome(accepted: false, replyCode: 0, serverReplies: [], error: error, connectionFailed: true)
        }
    }

    public func close() async { connection = nil }
}

/// What to do after one SMTP attempt.
public enum DeliveryVerdict: Sendable, Hashable {
    case accepted
    /// Try again later (server unreachable, 4xx, TLS or login problem the operator must fix).
    case retry(String)
    /// The server refused this message for good (5xx to MAIL, RCPT or DATA).
    case permanent(String)

    public static func classify(_ o: SMTPOutcome) -> DeliveryVerdict {
        if o.accepted { return .accepted }
        let what = describe(o)
        // Login, STARTTLS and TLS problems are 5xx too, but they concern every message: they are
        // configuration faults to fix, not reasons to drop this message.
        let configurationCodes: Set<Int> = [530, 534, 535, 538]
        if (500...599).contains(o.replyCode) && !configurationCodes.contains(o.replyCode)
            && o.error?.code != CurlError.loginDenied && o.error?.code != CurlError.useSSLFailed {
            return .permanent(what)
        }
        return .retry(what)
    }

    /// The server's reply (when there was one) and libcurl's reason.
    public static func describe(_ o: SMTPOutcome) -> String {
        var parts: [String] = []
        // The last error reply (4xx/5xx), not the 221 of the QUIT that follows it.
        let reply = o.serverReplies.last { line in line.count >= 3 && line.prefix(3).allSatisfy(\.isNumber) && (line.hasPrefix("4") || line.hasPrefix("5")) }
            ?? (o.replyCode > 0 ? String(o.replyCode) : nil)
        if let reply { parts.append("server said: \(reply)") }
        if let e = o.error { parts.append(e.description) }
        return parts.isEmpty ? "no answer" : parts.joined(separator: "; ")
    }

    /// What an operator should check, for `watchpost mail test` and the logs.
    public static func advice(_ o: SMTPOutcome, endpoint: MailEndpoint) -> String {
        let code = o.error?.code ?? 0
        switch o.replyCode {
        case 530: return "the server requires STARTTLS or a login: keep tls = starttls and set [smtp] username / smtp.password"
        case 535, 534, 538: return "login refused: check [smtp] username and smtp.password in the secrets file"
        case 550...559: return "the server refused the recipient or the sender: check the address and that [smtp] from may send through this server"
        case 500...549: return "the server refused the message: see its reply above"
        case 400...499: return "temporary refusal: the server asked to try later (greylisting, rate limit); Watchpost retries"
        default: break
        }
        switch (code, o.replyCode) {
        case (CurlError.couldNotResolve, _): return "the host name \(endpoint.host) does not resolve: check [smtp] host and DNS"
        case (CurlError.couldNotConnect, _): return "nothing accepts connections on \(endpoint.host):\(endpoint.port): check [smtp] host/port and the firewall"
        case (CurlError.operationTimedOut, _): return "the server did not answer in time: check that \(endpoint.host):\(endpoint.port) is an SMTP server, or raise [smtp] timeout"
        case (CurlError.peerFailedVerification, _), (35, _), (77, _): return "the server's certificate is not trusted: set [smtp] ca_file to the CA bundle that signed it"
        case (CurlError.useSSLFailed, _), (_, 530): return "the server does not offer STARTTLS: use tls = implicit on port 465, or (loopback only) insecure = true"
        case (CurlError.loginDenied, _), (_, 535): return "login refused: check [smtp] username and smtp.password in the secrets file"
        case (CurlError.weirdServerReply, _): return "the peer does not speak SMTP: check [smtp] port (587 STARTTLS, 465 implicit TLS)"
        case (_, 550...559): return "the server refused the recipient or the sender: check the address and that [smtp] from may send through this server"
        case (_, 400...499): return "temporary refusal: the server asked to try later (greylisting, rate limit); Watchpost retries"
        default: return "see the server's reply above"
        }
    }
}

/// Messages the server accepted whose "sent" could not be committed yet (disk full): they are
/// never offered to the server again by this process, only their commit is retried.
final class AcceptedAwaitingCommit: Sendable {
    private let ids = Mutex<Set<Int64>>([])
    func add(_ id: Int64) { ids.withLock { _ = $0.insert(id) } }
    func remove(_ id: Int64) { ids.withLock { _ = $0.remove(id) } }
    func contains(_ id: Int64) -> Bool { ids.withLock { $0.contains(id) } }
    var all: [Int64] { ids.withLock { Array($0).sorted() } }
}

/// What every outbox worker of one database shares in this process. A reload makes a new worker
/// while the old one may still be inside a send (a libcurl call cannot be interrupted): with a
/// slow server the new worker offered the same messages again, and each arrived twice (#21
/// review, session 5). So one pass at a time per database, and one set of messages accepted but
/// not yet committed.
final class OutboxProcessState: Sendable {
    let accepted = AcceptedAwaitingCommit()
    let passes = OnePassAtATime()
    /// Recipients whose next message found too little room to be stored: the warning is logged
    /// once when a recipient enters this set and a notice once when it leaves, not on every pass
    /// (about once a second on a nearly full disk: #19 review s6).
    let shortOfRoom = Mutex<Set<String>>([])
    /// Whether this process has looked for messages a previous one saw accepted but could not
    /// record sent (`Store.reconcileAcceptedMail`): once, before its first send.
    let reconciled = Mutex(false)
    /// A pass composed a part of a split digest and more of it waits: the next pass runs at once
    /// rather than a second later (a storm's backlog on a small volume drains part by part).
    let partsWaiting = Mutex(false)

    private static let byDatabase = Mutex<[String: OutboxProcessState]>([:])
    /// Forgets the state of a database, as a new process would start without it (tests).
    static func forget(database: String) { _ = byDatabase.withLock { $0.removeValue(forKey: database) } }
    static func shared(database: String) -> OutboxProcessState {
        byDatabase.withLock { all in
            if let s = all[database] { return s }
            let s = OutboxProcessState()
            all[database] = s
            return s
        }
    }
}

/// A first-come, first-served lock for async code: `acquire` suspends until the holder releases.
actor OnePassAtATime {
    private var busy = false
    private var waiting: [CheckedContinuation<Void, Never>] = []
    /// Passes waiting for the one in progress (tests watch a reload's new worker queue here).
    var waitingCount: Int { waiting.count }

    func acquire() async {
        guard busy else { busy = true; return }
        await withCheckedContinuation { waiting.append($0) }
    }

    func release() {
        if waiting.isEmpty { busy = false } else { waiting.removeFirst().resume() }
    }
}

public struct OutboxWorker: Sendable {
    public let name = "outbox"
    let shared: OutboxProcessState
    var accepted: AcceptedAwaitingCommit { shared.accepted }
    /// The retry delay while the server cannot be reached at all: one connection attempt per
    /// pass of the batch, so the backlog leaves within this long of the server's return.
    static let unreachableRetry = Seconds.seconds(20)
    let store: Store
    let clock: any WatchpostClock
    let settings: MailSettings
    let composer: MailComposer
    let transport: any MailTransport
    let logger: Logger

    public init(store: Store, clock: any WatchpostClock, settings: MailSettings, configuration: WatchpostConfiguration,
                transport: (any MailTransport)? = nil, logger: Logger) {
        self.store = store
        self.clock = clock
        self.settings = settings
        self.composer = MailComposer(settings: settings, configuration: configuration)
        self.transport = transport ?? SMTPTransport(endpoint: settings.smtp, helo: settings.helo)
        self.logger = logger
        self.shared = OutboxProcessState.shared(database: store.path)
    }

    public func run() async throws {
        logger.info("outbox worker started", [("smtp", settings.smtp.description), ("group_window", settings.groupWindow.description)])
        var storage = Backoff(initial: .seconds(1), maximum: .seconds(60))
        while !Task.isCancelled {
            let report = await tick()
            if report.storageFailed {
                // Commit failures (disk full) back off: 1, 2, 4 … 60 s, not a retry every second.
                try await clock.sleep(for: storage.recordFailure(at: clock.now()))
                continue
            }
            storage.recordSuccess()
            if report.more { await Task.yield(); continue }
            try await clock.sleep(for: .seconds(1))
        }
    }

    public struct TickReport: Sendable, Hashable {
        public var composed = 0, sent = 0, retried = 0, failed = 0
        /// More due work remains (batch limit reached): run again without sleeping.
        public var more = false
        /// A database write failed (disk full?): the caller backs off.
        public var storageFailed = false
    }

    /// One pass: group, then send what is due.
    @discardableResult
    public func tick() async -> TickReport {
        await shared.passes.acquire()
        let report = await pass()
        await shared.passes.release()
        return report
    }

    private func pass() async -> TickReport {
        var report = TickReport()
        do {
            // Room back after a full disk: the reserve first, before this pass stores anything
            // (#19 review s7: the backlog took the room back and the reserve never came back).
            if await store.restoreReserveIfRoom() {
                logger.notice("disk space is back: the database's reserve is made again", [])
            }
            try await reconcileOnce()
            try await commitAccepted()
            report.composed = try await composeDue()
            try await deliverDue(&report)
            if shared.partsWaiting.withLock({ $0 }) { report.more = true }
        } catch {
            report.storageFailed = true
            logger.error("outbox pass failed", [("error", error.description)])
        }
        return report
    }

    /// Groups queued rows into messages (one per recipient whose oldest row waited the window).
    func composeDue() async throws(WatchpostError) -> Int {
        let now = clock.now()
        let rows = try await store.queuedNotifications()
        var byRecipient: [String: [OutboxRow]] = [:]
        var order: [String] = []
        for r in rows {
            let k = r.request.recipient.address.lowercased()
            if byRecipient[k] == nil { order.append(k) }
            byRecipient[k, default: []].append(r)
        }
        var composed = 0
        let due = order.filter { k in byRecipient[k]?.map(\.request.createdAt).min().map { now >= $0 + settings.groupWindow } ?? false }
        // What each due recipient may be sent now, before any message is composed, so that the room
        // is shared among those that will really use it.
        var ready: [(k: String, rows: [OutboxRow])] = []
        for k in due {
            guard let group = byRecipient[k] else { continue }
            // Notices a full disk held back (marked in the database, so after a restart too) are
            // not new traffic: they go in the next digest whatever the hourly limits. New notices
            // keep both limits (#19 review s7: an in-memory exemption was lost at a restart, and
            // while it lasted it let every new message to that recipient past both limits).
            let heldBack = group.filter(\.heldByDisk)
            let fresh = group.filter { !$0.heldByDisk }
            var sendable = heldBack
            if !fresh.isEmpty {
                if try await store.mailCount(to: group[0].request.recipient.address, since: now - .hours(1)) >= settings.maxPerHour {
                    logger.debug("recipient at its hourly limit; notifications wait and will be grouped", [("recipient", k), ("queued", String(fresh.count))])
                } else {
                    let capped = try await incidentsAtTheirCap(fresh, now: now)
                    if !capped.isEmpty {
                        logger.debug("incident at its hourly limit for this recipient; its notifications wait and will be grouped",
                                     [("recipient", k), ("incidents", capped.sorted().map(String.init).joined(separator: ","))])
                    }
                    sendable += capped.isEmpty ? fresh : fresh.filter { r in r.request.incidentID.map { !capped.contains($0) } ?? true }
                }
            }
            if !sendable.isEmpty { ready.append((k, sendable)) }
        }
        let walLimit = await store.walLimit
        shared.partsWaiting.withLock { $0 = false }
        for (index, entry) in ready.enumerated() {
            let k = entry.k
            var sendable = entry.rows
            sendable.sort { ($0.request.createdAt, $0.id) < ($1.request.createdAt, $1.id) }
            let incidents = Array(Set(sendable.compactMap(\.request.incidentID))).sorted()
            let thread = try await store.threadMessageIDs(incidents: incidents, recipient: sendable[0].request.recipient.address)
            let anchor = try await store.timelineAnchor()
            // A message is stored whole before it is sent: on a nearly full disk it must fit the
            // room twice (WAL and database) above the floor kept for incident steps, or the
            // message, once accepted, could never be marked sent (#19 review s5). A storm's digest
            // (200 KB and more) goes in parts, the oldest notices first (#19 review s6). The room
            // is shared among the recipients still to compose in this pass, so a small message is
            // not left behind a large one's parts (#19 review s7); and on a small volume no part of
            // several notices is larger than half the WAL's limit, since one transaction's WAL is
            // its own size whatever the limit (#19 review s7: 188-336 KiB of WAL). Only when not
            // even one notice fits does it wait; the recipients after it are still tried.
            let room = await store.roomForWriting()
            let above = room.map { max(0, $0 - StorageReserve.floor) / 2 }
            // Nothing can be stored (a full disk): no message is composed at all, which costs a
            // second of CPU per storm digest in a debug build (0.25 of a core while full).
            if let above, above < 4 << 10 {
                if shared.shortOfRoom.withLock({ $0.insert(k).inserted }) {
                    logger.warning("too little disk space to store a message; its notices stay queued until there is room",
                                   [("recipient", k), ("room", String(room ?? 0))])
                }
                try? await store.markHeldByDisk(sendable.map(\.id))
                continue
            }
            let share = above.map { $0 / Int64(ready.count - index) }
            let small = walLimit <= 65_536
            // On a small volume a part holds at most 16 notices (about 40 KB): composing a storm's
            // 300 to find a part that fits took seconds per recipient.
            let considered = small && sendable.count > 16 ? Array(sendable.prefix(16)) : sendable
            var (mail, _) = composer.compose(rows: considered, now: now, thread: thread, anchor: anchor)
            // Two limits on a part: this recipient's share of the disk's room, and on a small
            // volume the part's own size (16 notices, half the WAL's limit).
            let diskShare = share ?? .max
            let budget = min(diskShare, small ? walLimit / 2 : Int64.max)
            if Int64(mail.data.count) > budget || considered.count < sendable.count {
                let part = Int64(mail.data.count) <= budget ? mail
                    : partThatFits(considered, budget: budget, wholeSize: mail.data.count,
                                   compose: { composer.compose(rows: $0, now: now, thread: thread, anchor: anchor).0 })
                    ?? composer.compose(rows: [sendable[0]], now: now, thread: thread, anchor: anchor).0
                // One notice alone may use all the room above the floor, not only this recipient's share.
                guard Int64(part.data.count) <= (above ?? .max) else {
                    if shared.shortOfRoom.withLock({ $0.insert(k).inserted }) {
                        logger.warning("too little disk space to store a message; its notices stay queued until there is room",
                                       [("recipient", k), ("bytes", String(mail.data.count)), ("room", String(room ?? 0))])
                    }
                    // Marked when the disk lets it (a few bytes per row); a disk too full even for
                    // that leaves them as they are, to be marked on a later pass.
                    try? await store.markHeldByDisk(sendable.map(\.id))
                    continue
                }
                if part.rowIDs.count < sendable.count {
                    let inPart = Set(part.rowIDs)
                    // Held back by the disk only when its room could not take the whole message:
                    // those go in the next digest whatever the hourly limits. The rest of a digest
                    // cut for its size alone (16 notices, half the WAL's limit) with room to spare
                    // is new traffic and keeps both limits (#19 review s8: it was marked "held
                    // back: disk full" with no disk problem and went past them).
                    if diskShare < Int64(mail.data.count) {
                        logger.info("too little disk space for one message: the notices go in parts",
                                    [("recipient", k), ("notices", String(sendable.count)), ("in_this_part", String(part.rowIDs.count)), ("bytes", String(part.data.count))])
                        try? await store.markHeldByDisk(sendable.map(\.id).filter { !inPart.contains($0) })
                    } else {
                        logger.info("a large digest goes in parts; the hourly limits apply to each part",
                                    [("recipient", k), ("notices", String(sendable.count)), ("in_this_part", String(part.rowIDs.count)), ("bytes", String(part.data.count))])
                    }
                    shared.partsWaiting.withLock { $0 = true }
                }
                mail = part
            }
            if shared.shortOfRoom.withLock({ $0.remove(k) != nil }) {
                logger.notice("disk space for messages again: queued notices are stored and sent", [("recipient", k), ("room", String(room ?? 0))])
            }
            try await store.storeComposed(mail, now: now)
            composed += 1
        }
        return composed
    }

    /// The message of a run of `rows` from the oldest that is at most `budget` bytes, or nil when
    /// not even the oldest notice alone is. A message grows about in proportion to its notices:
    /// the first guess scales the whole message's size to the budget, and each miss scales again
    /// (one to three compositions, not a search: a storm's digest takes a second to compose).
    func partThatFits(_ rows: [OutboxRow], budget: Int64, wholeSize: Int, compose: ([OutboxRow]) -> ComposedMail) -> ComposedMail? {
        func scaled(_ count: Int, _ size: Int) -> Int { Int(Int64(count) * max(0, budget) / Int64(max(1, size))) }
        var count = max(1, min(rows.count - 1, scaled(rows.count, wholeSize)))
        while true {
            let m = compose(Array(rows.prefix(count)))
            if Int64(m.data.count) <= budget { return m }
            if count == 1 { return nil }
            count = max(1, min(count - 1, scaled(count, m.data.count)))
        }
    }

    /// Incidents of these rows that already had `maxPerIncidentPerHour` messages to the row's
    /// recipient within the last hour.
    func incidentsAtTheirCap(_ rows: [OutboxRow], now: Instant) async throws(WatchpostError) -> Set<Int64> {
        guard let recipient = rows.first?.request.recipient.address else { return [] }
        var capped: Set<Int64> = []
        for id in Set(rows.compactMap(\.request.incidentID)) {
            if try await store.mailCount(incident: id, to: recipient, since: now - .hours(1)) >= settings.maxPerIncidentPerHour { capped.insert(id) }
        }
        return capped
    }

    /// Once per process, before anything is sent: messages a previous process saw accepted but
    /// could not record sent (the disk was full, then it stopped) are recorded sent, not resent.
    func reconcileOnce() async throws(WatchpostError) {
        guard !shared.reconciled.withLock({ $0 }) else { return }
        let done = try await store.reconcileAcceptedMail(now: clock.now())
        shared.reconciled.withLock { $0 = true }
        for id in done {
            logger.notice("a message the server accepted before the last stop is recorded as sent, not sent again", [("message_id", id)])
        }
    }

    /// Commits "sent" for messages accepted earlier in this process whose commit failed.
    func commitAccepted() async throws(WatchpostError) {
        for id in accepted.all {
            try await store.markMailSent(id, now: clock.now())
            accepted.remove(id)
        }
    }

    func deliverDue(_ report: inout TickReport) async throws(WatchpostError) {
        let due = try await store.dueMail(now: clock.now(), limit: settings.batchSize)
        guard !due.isEmpty else { return }
        report.more = due.count >= settings.batchSize
        var connectionDown: (why: String, next: Instant)?
        var released = false
        let unreachableNext = clock.now() + Self.unreachableRetry
        for mail in due where !accepted.contains(mail.id) {
            // Stopped (a reload or shutdown): what is not sent yet is left to the next worker,
            // which may have other SMTP settings.
            if Task.isCancelled { report.more = false; break }
            if let down = connectionDown {
                // The server is unreachable: the rest of the batch waits exactly as long as this
                // one, all due again together so that they leave together, in order.
                try await store.markMailRetry(mail.id, next: down.next, error: down.why)
                report.retried += 1
                continue
            }
            let outcome = await transport.send(from: settings.fromAddress, to: mail.recipient, data: mail.data)
            switch DeliveryVerdict.classify(outcome) {
            case .accepted:
                // The acceptance window: the server has the message, our commit follows. Until
                // that commit lands, this process never offers the message again.
                accepted.add(mail.id)
                // Recorded outside the database first, in blocks owned in advance, so that a
                // restart after a failed commit does not send it again (Store+AcceptedMail).
                await store.noteAccepted(mailID: mail.id, messageID: mail.messageID)
                try await store.markMailSent(mail.id, now: clock.now())
                accepted.remove(mail.id)
                report.sent += 1
                logger.notice("message sent", [("to", mail.recipient), ("message_id", mail.messageID), ("server", outcome.lastReply)])
                if !released {
                    // The server answers: whatever waits for a retry slot goes now (said in the
                    // log: a retry before its retry_at is this, not a lost timer).
                    released = true
                    let waiting = try await store.releaseWaitingMail(now: clock.now())
                    if waiting > 0 {
                        report.more = true
                        logger.notice("server answers: messages waiting for a retry go now", [("messages", String(waiting))])
                    }
                }
            case .retry(let why):
                let unreachable = outcome.connectionFailed || outcome.replyCode == 0 || outcome.error?.code == CurlError.operationTimedOut
                let next = unreachable ? min(unreachableNext, nextAttempt(attempts: mail.attempts)) : nextAttempt(attempts: mail.attempts)
                try await store.markMailRetry(mail.id, next: next, error: why)
                report.retried += 1
                logger.warning("message failed; will retry", [("to", mail.recipient), ("message_id", mail.messageID),
                                                                   ("attempt", String(mail.attempts + 1)), ("retry_at", logger.zone.format(next)),
                                                                   ("reason", why), ("check", DeliveryVerdict.advice(outcome, endpoint: settings.smtp))])
                if unreachable { connectionDown = (why, next) }
            case .permanent(let why):
                let rows = try await store.outboxRows(message: mail.id)
                let reports = failureReports(mail: mail, rows: rows, reason: why)
                try await store.markMailFailed(mail.id, now: clock.now(), error: why, reports: reports)
                report.failed += 1
                logger.error("message failed permanently", [("to", mail.recipient), ("message_id", mail.messageID), ("reason", why),
                                                          ("reported_to", reports.map(\.recipient.address).joined(separator: ","))])
            }
        }
        await transport.close()
    }

    /// Exponential backoff with ±20 % jitter, capped at `retry_max`.
    func nextAttempt(attempts: Int) -> Instant {
        let base = Double(settings.retryInitial.milliseconds) * Double(1 << min(attempts, 20))
        let capped = min(base, Double(settings.retryMax.milliseconds))
        return clock.now() + Seconds(milliseconds: Int64(capped * Double.random(in: 0.8...1.2)))
    }

    /// `deliveryFailed` notices for the site's technicians (never about a notice of that kind,
    /// so a dead technicians' address cannot loop).
    func failureReports(mail: OutgoingMail, rows: [OutboxRow], reason: String) -> [NotificationRequest] {
        guard rows.contains(where: { $0.request.event != .deliveryFailed }) else { return [] }
        let config = composer.configuration
        guard let site = config.site(mail.site) else { return [] }
        var out: [NotificationRequest] = []
        for orgID in site.technicians {
            guard let org = config.contacts.organisations[orgID] else { continue }
            for address in org.addresses where address.lowercased() != mail.recipient.lowercased() {
                let first = rows.first?.request
                out.append(NotificationRequest(
                    key: "delivery-failed/\(mail.messageID)/\(address)", event: .deliveryFailed, site: mail.site,
                    incidentID: first?.incidentID, checkID: first?.checkID, level: first?.level,
                    recipient: NotificationRecipient(address: address, displayName: org.name, contactID: org.id),
                    template: "delivery-failed",
                    fields: ["failed_recipient": mail.recipient, "error": reason, "original_subject": mail.subject,
                             "summary": Catalogue.render(Message("mail.delivery_failed.summary", ["recipient": .text(mail.recipient)]), .vi),
                             "summary_en": Catalogue.render(Message("mail.delivery_failed.summary", ["recipient": .text(mail.recipient)]), .en)],
                    createdAt: clock.now()))
            }
        }
        return out
    }
}

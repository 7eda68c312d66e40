// Acknowledgement by replying. The box often sits behind NAT where no phone reaches its web
// page; email always works. This file reads a reply (`ReplyParser`, pure) and acts on it
// (`ReplyProcessor`): a first line `ACK` / `TIẾP NHẬN` (or the older `XÁC NHẬN`) acknowledges, `RESOLVED` / `ĐÃ XỬ LÝ`
// resolves (where the incident engine's role rules allow), each only with a valid token of the
// original notification, quoted in the reply, issued to the address the reply comes from, and
// not used before for the same action; anything else is attached to the incident as a note.
// A reply that changes nothing is logged and answered with the reason. `ReplyPoller` reads the
// IMAP mailbox and flags each handled message on the server; the Message-ID is recorded in the
// same step as the action, so a crash between handling and flagging never acts twice.
import WatchpostCore
import WatchpostConfig
import WatchpostStore
import WatchpostAuth
import Curl
import Crypto
import Posix

/// What the incident engine does for a reply. The engine implements it (its acknowledgement,
/// resolution and timeline); the mail module only decides what a reply asks for and whether the
/// token allows it.
public protocol IncidentActions: Sendable {
    func acknowledge(incident: Int64, by address: String, note: String, at: Instant) async throws(WatchpostError) -> IncidentActionResult
    /// Refuses (with the reason) when the sender's role may not resolve.
    func resolve(incident: Int64, by address: String, note: String, at: Instant) async throws(WatchpostError) -> IncidentActionResult
    func addNote(incident: Int64, by address: String, note: String, at: Instant) async throws(WatchpostError) -> IncidentActionResult
    /// Puts the incident to the Provincial People's Committee (a Department decision; `note`: why).
    func escalate(incident: Int64, by address: String, note: String, at: Instant) async throws(WatchpostError) -> IncidentActionResult
}

extension IncidentActions {
    public func escalate(incident: Int64, by address: String, note: String, at: Instant) async throws(WatchpostError) -> IncidentActionResult {
        .refused("không thể đề xuất UBND tỉnh qua thư / escalation by reply is not available")
    }
}

public enum IncidentActionResult: Sendable, Hashable {
    case done
    /// Nothing changed; the reason is told to the sender (e.g. "already resolved").
    case refused(String)
}

public enum ReplyCommand: String, Sendable, Hashable {
    case acknowledge, resolve, note
    /// `ĐỀ XUẤT UBND …`: a Department user puts the incident to the Provincial People's Committee.
    case escalate
}

public struct ParsedReply: Sendable, Hashable {
    public var command: ReplyCommand
    /// The rest of the first paragraph after the command word (for a note: the whole paragraph).
    public var note: String
    /// Acknowledgement tokens found in the subject and body (quoted ones included), in order.
    public var tokens: [String]
}

public enum ReplyParser {
    /// Vietnamese letters with diacritics → their base letter, for accent-tolerant matching.
    static let folding: [Character: Character] = {
        var m: [Character: Character] = [:]
        let groups: [(String, Character)] = [
            ("àáảãạăằắẳẵặâầấẩẫậ", "a"), ("ÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬ", "A"), ("èéẻẽẹêềếểễệ", "e"), ("ÈÉẺẼẸÊỀẾỂỄỆ", "E"),
            ("ìíỉĩị", "i"), ("ÌÍỈĨỊ", "I"), ("òóỏõọôồốổỗộơờớởỡợ", "o"), ("ÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢ", "O"),
            ("ùúủũụưừứửữự", "u"), ("ÙÚỦŨỤƯỪỨỬỮỰ", "U"), ("ỳýỷỹỵ", "y"), ("ỲÝỶỸỴ", "Y"), ("đ", "d"), ("Đ", "D"),
        ]
        for (letters, base) in groups { for c in letters { m[c] = base } }
        return m
    }()

    /// Upper-case ASCII letters and digits, diacritics removed, runs of anything else → one space.
    public static func fold(_ s: String) -> String {
        var out = ""
        var space = false
        for c in s {
            let f = folding[c] ?? c
            if f.isASCII && (f.isLetter || f.isNumber) {
                if space && !out.isEmpty { out += " " }
                out += f.uppercased()
                space = false
            } else {
                space = true
            }
        }
        return out
    }

    static let keywords: [(String, ReplyCommand)] = [
        ("ACKNOWLEDGED", .acknowledge), ("ACKNOWLEDGE", .acknowledge), ("ACK", .acknowledge), ("TIEP NHAN", .acknowledge), ("XAC NHAN", .acknowledge),
        ("RESOLVED", .resolve), ("DA XU LY", .resolve),
        ("DE XUAT UBND", .escalate), ("ESCALATE COMMITTEE", .escalate), ("ESCALATE TO COMMITTEE", .escalate),
    ]

    /// The command word of a first line, and the remaining text of that line.
    static func command(in line: String) -> (ReplyCommand, String)? {
        let folded = fold(line)
        for (word, cmd) in keywords where folded == word || folded.hasPrefix(word + " ") {
            // Cut the same number of letters/digit runs from the original line to keep the note's diacritics.
            let wordsToDrop = word.split(separator: " ").count
            var rest = Substring(line)
            for _ in 0..<wordsToDrop {
                rest = rest.drop { !isWordChar($0) }
                rest = rest.drop { isWordChar($0) }
            }
            return (cmd, String(rest.drop { !isWordChar($0) && $0 != "\"" && $0 != "(" }).trimmingWhitespace())
        }
        return nil
    }

    static func isWordChar(_ c: Character) -> Bool { let f = folding[c] ?? c; return f.isLetter || f.isNumber }

    static let tokenChars = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")

    /// Every `v1.<payload>.<mac>` in the text.
    public static func tokens(in text: String) -> [String] {
        var found: [String] = []
        let chars = Array(text)
        var i = 0
        while i + 3 < chars.count {
            if chars[i] == "v", chars[i + 1] == "1", chars[i + 2] == ".", i == 0 || !tokenChars.contains(chars[i - 1]) {
                var j = i + 3
                var parts = 0, current = 0
                while j < chars.count {
                    if tokenChars.contains(chars[j]) { current += 1 }
                    else if chars[j] == ".", current > 0, parts == 0 { parts = 1; current = 0 }
                    else { break }
                    j += 1
                }
                if parts == 1 && current >= 16 {
                    let t = String(chars[i..<j])
                    if !found.contains(t) { found.append(t) }
                    i = j
                    continue
                }
            }
            i += 1
        }
        return found
    }

    public static func parse(_ mail: ParsedMail) -> ParsedReply {
        let lines = mail.text.replacingOccurrences("\r\n", "\n").split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        // The first paragraph the sender wrote: from the first non-blank line to a blank line or
        // the start of the quoted original.
        var paragraph: [String] = []
        for line in lines {
            let t = line.trimmingWhitespace()
            if t.isEmpty { if paragraph.isEmpty { continue } else { break } }
            if t.hasPrefix(">") { break }
            paragraph.append(t)
        }
        let tokens = tokens(in: mail.subject + "\n" + mail.text)
        guard let first = paragraph.first else { return ParsedReply(command: .note, note: "", tokens: tokens) }
        if let (cmd, rest) = command(in: first) {
            let note = ([rest] + paragraph.dropFirst()).filter { !$0.isEmpty }.joined(separator: " ")
            return ParsedReply(command: cmd, note: FreeText.clean(note), tokens: tokens)
        }
        // Control characters are stripped from what the sender wrote (FreeText says why).
        return ParsedReply(command: .note, note: FreeText.clean(paragraph.joined(separator: " ")), tokens: tokens)
    }
}

/// What became of one reply.
public enum ReplyOutcome: Sendable, Hashable {
    case acknowledged([Int64])
    case resolved([Int64])
    case noted([Int64])
    case escalated([Int64])
    /// Nothing changed; the sender is told why (when the sender is a known contact).
    case rejected(String)
    /// Not a reply to Watchpost (no token, no thread), an automatic message, or unreadable.
    case ignored(String)
    /// Handled before (recorded by Message-ID).
    case duplicate

    var label: String {
        switch self {
        case .acknowledged: return "acknowledged"
        case .resolved: return "resolved"
        case .noted: return "noted"
        case .escalated: return "escalated"
        case .rejected: return "rejected"
        case .ignored: return "ignored"
        case .duplicate: return "duplicate"
        }
    }
}

public struct ReplyProcessor: Sendable {
    let store: Store
    let clock: any WatchpostClock
    let linkKey: [UInt8]?
    /// Keys `linkKey` replaced at a reload, still honoured for codes already sent.
    let previousLinkKeys: [[UInt8]]
    let actions: any IncidentActions
    let configuration: WatchpostConfiguration
    let logger: Logger

    public init(store: Store, clock: any WatchpostClock, linkKey: [UInt8]?, actions: any IncidentActions,
                configuration: WatchpostConfiguration, logger: Logger, previousLinkKeys: [[UInt8]] = []) {
        self.store = store
        self.clock = clock
        self.linkKey = linkKey
        self.previousLinkKeys = previousLinkKeys
        self.actions = actions
        self.configuration = configuration
        self.logger = logger
    }

    /// A known contact address (answers go only to them, never to arbitrary senders).
    func isKnownContact(_ address: String) -> Bool {
        let a = address.lowercased()
        return configuration.contacts.organisations.values.contains { $0.addresses.contains { $0.lowercased() == a } }
    }

    public func handle(_ bytes: [UInt8], uid: Int64? = nil) async throws(WatchpostError) -> ReplyOutcome {
        let mail = ParsedMail(bytes)
        let now = clock.now()
        let messageID = mail.messageID ?? "no-id.\(Hex.encodeForMail(bytes))"
        if try await store.inboundOutcome(messageID: messageID) != nil { return .duplicate }
        guard let from = mail.fromAddress, !from.isEmpty else {
            try await store.recordInbound(messageID: messageID, uid: uid, from: "", now: now, outcome: "ignored", detail: "no From")
            return .ignored("no From address")
        }
        let log = logger.with("from", from).with("message_id", messageID)
        if let auto = mail.header("auto-submitted"), auto.lowercased() != "no" {
            try await store.recordInbound(messageID: messageID, uid: uid, from: from, now: now, outcome: "ignored", detail: "auto-submitted")
            return .ignored("automatic message (Auto-Submitted: \(auto))")
        }
        let reply = ReplyParser.parse(mail)

        // Check every quoted token: signature, expiry, recipient, earlier use for this action.
        var valid: [(token: String, ack: AckToken)] = []
        var problems: [(vi: String, en: String)] = []
        for t in reply.tokens {
            guard let key = linkKey else { problems.append(("Watchpost chưa có khoá ký mã tiếp nhận", "Watchpost has no link-signing key")); break }
            switch ReplyProcessor.verify(t, keys: [key] + previousLinkKeys, now: now) {
            case .success(let ack):
                if ack.recipient.lowercased() != from {
                    problems.append(("mã tiếp nhận được gửi cho địa chỉ khác, không phải \(from)", "the code was issued to another address, not \(from)"))
                } else if reply.command != .note, try await store.replyTokenUsed(fingerprint(t, reply.command)) {
                    problems.append(("mã tiếp nhận này đã được dùng", "this code has already been used"))
                } else {
                    valid.append((t, ack))
                }
            case .failure(let error):
                switch error {
                // In words in the site's zone, never ISO 8601 with milliseconds (issue 15).
                case .expired(let at): problems.append(("mã tiếp nhận đã hết hạn lúc \(HumanFormat.dateTime(at, .vi))", "the code expired at \(HumanFormat.dateTime(at, .en))"))
                case .forged: problems.append(("mã tiếp nhận không hợp lệ (bị sửa hoặc giả mạo)", "the code is not valid (altered or forged)"))
                case .malformed: problems.append(("mã tiếp nhận bị hỏng", "the code is damaged"))
                }
            }
        }

        switch reply.command {
        case .acknowledge, .resolve, .escalate:
            guard !valid.isEmpty else {
                let why = problems.first ?? ("không tìm thấy mã tiếp nhận của thư gốc (đề nghị trả lời kèm nội dung thư)",
                                             "no acknowledgement code of the original message was found (reply quoting it)")
                return try await reject(mail: mail, messageID: messageID, uid: uid, from: from, why: why, log: log)
            }
            var changed: [Int64] = []
            var refusals: [String] = []
            var uses: [(fingerprint: String, incident: Int64, recipient: String, action: String)] = []
            for (t, ack) in valid where !changed.contains(ack.incidentID) {
                let result: IncidentActionResult
                switch reply.command {
                case .acknowledge: result = try await actions.acknowledge(incident: ack.incidentID, by: from, note: reply.note, at: now)
                case .escalate: result = try await actions.escalate(incident: ack.incidentID, by: from, note: reply.note, at: now)
                default: result = try await actions.resolve(incident: ack.incidentID, by: from, note: reply.note, at: now)
                }
                switch result {
                case .done:
                    changed.append(ack.incidentID)
                    uses.append((fingerprint(t, reply.command), ack.incidentID, from, reply.command.rawValue))
                case .refused(let why): refusals.append("#\(ack.incidentID): \(why)")
                }
            }
            if changed.isEmpty {
                let why = refusals.joined(separator: "; ")
                return try await reject(mail: mail, messageID: messageID, uid: uid, from: from, why: (why, why), log: log)
            }
            try await store.recordInbound(messageID: messageID, uid: uid, from: from, now: now, outcome: reply.command.rawValue,
                                          detail: changed.map { "#\($0)" }.joined(separator: ","), tokenUses: uses)
            log.notice("incident \(reply.command.rawValue) by email reply",
                       [("incidents", changed.map(String.init).joined(separator: ",")), ("note", reply.note)])
            switch reply.command {
            case .acknowledge: return .acknowledged(changed)
            case .escalate: return .escalated(changed)
            default: return .resolved(changed)
            }
        case .note:
            var incidents = valid.map(\.ack.incidentID)
            let refs = ([mail.header("in-reply-to")] + (mail.header("references")?.split(separator: " ").map(String.init) ?? []))
                .compactMap { $0?.trimmingWhitespace().trimmingCharacters(in: "<>") }.filter { !$0.isEmpty }
            incidents += try await store.incidents(ofMessageIDs: refs, recipient: from)
            incidents = Array(Set(incidents)).sorted()
            guard !incidents.isEmpty else {
                try await store.recordInbound(messageID: messageID, uid: uid, from: from, now: now, outcome: "ignored", detail: "not a reply to a notification")
                log.info("mail ignored: not a reply to a Watchpost notification")
                return .ignored("not a reply to a Watchpost notification")
            }
            let text = reply.note.isEmpty ? FreeText.clean(mail.subject) : reply.note
            var noted: [Int64] = []
            for id in incidents {
                if case .done = try await actions.addNote(incident: id, by: from, note: String(text.prefix(2000)), at: now) { noted.append(id) }
            }
            try await store.recordInbound(messageID: messageID, uid: uid, from: from, now: now, outcome: "noted", detail: noted.map { "#\($0)" }.joined(separator: ","))
            log.info("email reply attached as a note", [("incidents", noted.map(String.init).joined(separator: ","))])
            return .noted(noted)
        }
    }

    static func verify(_ t: String, keys: [[UInt8]], now: Instant) -> Result<AckToken, AckToken.Failure> {
        do { return .success(try AckToken.verify(t, keys: keys, now: now)) } catch { return .failure(error) }
    }

    func fingerprint(_ token: String, _ command: ReplyCommand) -> String { AckToken.fingerprint(token) + ":" + command.rawValue }

    /// Records and logs a reply that changed nothing, and answers a known sender with the reason.
    func reject(mail: ParsedMail, messageID: String, uid: Int64?, from: String, why: (vi: String, en: String), log: Logger) async throws(WatchpostError) -> ReplyOutcome {
        log.warning("email reply changed nothing", [("reason", why.en)])
        var answers: [NotificationRequest] = []
        let site = configuration.sites.first { s in mail.header("x-watchpost-site") == s.id } ?? configuration.sites.first
        if isKnownContact(from), let site {
            answers.append(NotificationRequest(
                key: "reply-rejected/\(messageID)", event: .replyRejected, site: site.id,
                recipient: NotificationRecipient(address: from, displayName: from, contactID: "reply"), template: "reply-rejected",
                fields: ["reason": why.vi, "reason_en": why.en, "original_subject": mail.subject], createdAt: clock.now()))
        }
        try await store.recordInbound(messageID: messageID, uid: uid, from: from, now: clock.now(), outcome: "rejected", detail: why.en)
        if !answers.isEmpty { try await store.enqueue(answers) }
        return .rejected(why.en)
    }
}

extension Hex {
    /// A short stable name for a message that has no Message-ID.
    static func encodeForMail(_ bytes: [UInt8]) -> String { Hex.encode(Array(SHA256Hasher.digest(bytes).prefix(12))) }
}

/// Polls the IMAP mailbox for replies, hands each new one to the processor, then flags it
/// (`$WatchpostDone`, `\Seen`) on the server.
public struct ReplyPoller: Sendable {
    public static let doneKeyword = "$WatchpostDone"
    let endpoint: MailEndpoint
    let mailbox: String
    let interval: Seconds
    let processor: ReplyProcessor
    let clock: any WatchpostClock
    let logger: Logger
    let imap: IMAPSession

    public init(endpoint: MailEndpoint, mailbox: String, interval: Seconds, processor: ReplyProcessor, clock: any WatchpostClock, logger: Logger) {
        self.endpoint = endpoint
        self.mailbox = mailbox
        self.interval = interval
        self.processor = processor
        self.clock = clock
        self.logger = logger
        imap = IMAPSession(endpoint: endpoint, mailbox: mailbox)
    }

    public func run() async throws {
        logger.info("reading replies", [("imap", endpoint.description), ("mailbox", mailbox)])
        while !Task.isCancelled {
            do { _ = try await pollOnce() } catch {
                logger.warning("cannot read replies; will try again", [("error", error.description)])
                await imap.close()
            }
            try await clock.sleep(for: interval)
        }
    }

    /// One pass over the unhandled messages. Returns what became of each.
    public func pollOnce() async throws(WatchpostError) -> [ReplyOutcome] {
        // A fresh connection per pass: libcurl keeps a mailbox selected on a reused connection and
        // skips SELECT, and the server then need not show mail delivered since.
        await imap.close()
        var outcomes: [ReplyOutcome] = []
        for uid in try await imap.searchUIDs("UNKEYWORD \(ReplyPoller.doneKeyword)") {
            let bytes = try await imap.fetch(uid: uid)
            let outcome = try await processor.handle(bytes, uid: uid)
            // Recorded in the store first: a crash before this flag only means flagging it next time.
            try await imap.addFlags(uid: uid, "\(ReplyPoller.doneKeyword) \\Seen")
            outcomes.append(outcome)
        }
        return outcomes
    }
}

/// The IMAP connection on a thread of its own (libcurl blocks).
public actor IMAPSession {
    private let executor: DedicatedThreadExecutor
    public nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }
    /// The IMAP thread ends with the session (one is made at each reload).
    deinit { executor.shutdown() }
    let endpoint: MailEndpoint
    let mailbox: String
    private var connection: IMAPConnection?

    public init(endpoint: MailEndpoint, mailbox: String) {
        self.endpoint = endpoint
        self.mailbox = mailbox
        executor = DedicatedThreadExecutor(name: "imap")
    }

    private func open() throws(WatchpostError) -> IMAPConnection {
        if let c = connection { return c }
        do { let c = try IMAPConnection(endpoint: endpoint, mailbox: mailbox); connection = c; return c }
        catch { throw IMAPSession.failure("connect", error, endpoint) }
    }

    static func failure(_ what: String, _ e: CurlError, _ endpoint: MailEndpoint) -> WatchpostError {
        WatchpostError(.mail, "IMAP \(what) on \(endpoint) failed: \(e)", hint: "check [imap] host, port, tls, username and imap.password")
    }

    public func searchUIDs(_ criteria: String) throws(WatchpostError) -> [Int64] {
        do { return try open().searchUIDs(criteria) } catch let e as WatchpostError { throw e } catch let e as CurlError { connection = nil; throw IMAPSession.failure("search", e, endpoint) } catch { throw WatchpostError(.mail, "\(error)") }
    }

    public func fetch(uid: Int64) throws(WatchpostError) -> [UInt8] {
        do { return try open().fetch(uid: uid) } catch let e as WatchpostError { throw e } catch let e as CurlError { connection = nil; throw IMAPSession.failure("fetch", e, endpoint) } catch { throw WatchpostError(.mail, "\(error)") }
    }

    public func addFlags(uid: Int64, _ flags: String) throws(WatchpostError) {
        do { try open().addFlags(uid: uid, flags) } catch let e as WatchpostError { throw e } catch let e as CurlError { connection = nil; throw IMAPSession.failure("store", e, endpoint) } catch { throw WatchpostError(.mail, "\(error)") }
    }

    public func close() { connection = nil }
}

// The broadcast log as people and machines read it: one row per play or gap, as text (a table
// for the terminal and email), CSV (spreadsheets) and JSON (the API and `--format json`). Shared
// by `watchpost plays`, the web page's download and `/api/v1/plays`.
import WatchpostCore
import WatchpostStore

/// One entry in machine form (JSON): ISO 8601 times with the site's offset, seconds as numbers.
public struct PlayRow: Codable, Sendable, Hashable {
    public var site: String
    public var player: String
    public var entry: String
    public var start: String
    public var end: String?
    public var lastSeen: String
    public var durationSeconds: Double
    public var path: String?
    public var name: String?
    public var sha256: String?
    public var approved: Bool?
    /// approved, not-approved, or not-checked (the share or key unreadable: `approved` is absent).
    public var approval: String?
    public var reason: String?
    public var manifestId: String?
    public var keyId: String?
    public var approvedAt: String?
    public var sequence: Int64?
    public var title: String?
    public var source: String?
    public var languages: [String]?
    public var month: String?
    public var kind: String?
    public var gap: String?
    public var darkSeconds: Double?
    /// `blacked-out` gaps: who commanded the blackout, its incident, and the play it stopped.
    public var commandedBy: String?
    public var incidentId: Int64?
    public var stoppedPath: String?
    public var stoppedStart: String?
    /// With --verify: proven, no-approval, archive-missing, signature-invalid, mismatch…
    public var proof: String?
    public var proofDetail: String?

    public init(_ e: BroadcastEntry, zone: ZoneOffset, proof: PlayProof? = nil) {
        let iso = { (t: Instant) in t.iso8601(offsetSeconds: zone.offsetSeconds) }
        site = e.site
        player = e.player
        entry = e.kind.rawValue
        start = iso(e.started)
        end = e.ended.map(iso)
        lastSeen = iso(e.lastSeen)
        durationSeconds = (e.end - e.started).double
        gap = e.gap?.rawValue
        if let b = e.blackout {
            commandedBy = b.by; incidentId = b.incidentID; stoppedPath = b.stoppedPath; stoppedStart = b.stoppedStarted.map(iso)
        }
        if let i = e.item {
            path = i.path; name = i.name; sha256 = i.sha256.isEmpty ? nil : i.sha256
            approval = i.approval.rawValue
            approved = i.approval == .notChecked ? nil : i.approved
            reason = i.reason.isEmpty ? nil : i.reason; manifestId = i.manifestID.isEmpty ? nil : i.manifestID
            keyId = i.keyID.isEmpty ? nil : i.keyID; approvedAt = i.approvedAt.map(iso); sequence = i.sequence
            title = i.title; source = i.source; languages = i.languages.isEmpty ? nil : i.languages; month = i.month; kind = i.kind
            darkSeconds = Seconds(milliseconds: e.darkMilliseconds).double
        }
        if let proof {
            self.proof = proof.code
            proofDetail = Catalogue.render(proof.message, .en, zone: zone)
        }
    }
}

/// Texts that repeat from row to row of the text table (the approving manifest, durations, gap
/// notes), made once: a year of plays is a million rows, and txt reads them twice. Used by one
/// listing on one thread (not shared).
public final class PlayTextMemo {
    var manifests: [String: String] = [:]
    var durations: [Int64: String] = [:]
    var gapNotes: [BroadcastGap: String] = [:]
    public init() {}
}

public enum PlayListing {
    /// `24/11/2026 09:00:05` — a table time with seconds (plays are seconds long).
    public static func time(_ t: Instant, zone: ZoneOffset) -> String {
        let s = zone.localTime(of: t).secondsOfDay % 60
        return HumanFormat.tableTime(t, zone: zone) + ":" + (s < 10 ? "0" : "") + String(s)
    }

    static func head(_ key: MessageKey) -> String { Catalogue.bilingual(Message(key)) }
    static let approvedYes = Catalogue.bilingual(Message("content.plays.approved.yes"))
    static let approvedNo = Catalogue.bilingual(Message("content.plays.approved.no"))
    static let notChecked = Catalogue.bilingual(Message("content.plays.approved.not_checked"))

    /// The approval cell: có / KHÔNG / chưa kiểm tra được, with English after a slash.
    public static func approvalCell(_ i: BroadcastItem) -> String {
        switch i.approval {
        case .approved: return approvedYes
        case .notApproved: return approvedNo
        case .notChecked: return notChecked
        }
    }

    /// What the note column says: why not approved, dark time, or the gap.
    public static func note(_ e: BroadcastEntry, _ language: Language, zone: ZoneOffset) -> String {
        if let g = e.gap {
            var parts = [Catalogue.render(Message(MessageKey("content.plays.gap.\(g.rawValue.replacing("-", with: "_"))")), language, zone: zone)]
            if let b = e.blackout {
                parts.append(Catalogue.render(Message("content.plays.blackout.by", ["by": .text(b.by)]), language, zone: zone))
                if let i = b.incidentID { parts.append(Catalogue.render(Message("content.plays.blackout.incident", ["id": .int(i)]), language, zone: zone)) }
                if let p = b.stoppedPath, let t = b.stoppedStarted {
                    parts.append(Catalogue.render(Message("content.plays.blackout.stopped", ["path": .text(p), "start": .text(time(t, zone: zone))]), language, zone: zone))
                }
            }
            return parts.joined(separator: ", ")
        }
        var parts: [String] = []
        if let i = e.item, !i.approved, !i.reason.isEmpty { parts.append(Catalogue.render(Names.playReason(i.reason), language, zone: zone)) }
        if e.darkMilliseconds > 0 {
            parts.append(Catalogue.render(Message("content.plays.dark", ["duration": .duration(Seconds(milliseconds: e.darkMilliseconds))]), language, zone: zone))
        }
        if e.isOpen { parts.append(Catalogue.render(Message("content.plays.open"), language, zone: zone)) }
        return parts.joined(separator: "; ")
    }

    public static func manifest(_ i: BroadcastItem, _ language: Language, zone: ZoneOffset) -> String {
        guard !i.keyID.isEmpty else { return "-" }
        return Catalogue.render(Message("content.plays.manifest", ["sequence": .text(i.sequence.map(String.init) ?? "-"),
                                                                   "key": .text(i.keyID), "approved_at": .tableTime(i.approvedAt ?? Instant(milliseconds: 0))]),
                                language, zone: zone)
    }

    /// A text table, Vietnamese with English after a slash in the headers and notes.
    public static func text(_ entries: [BroadcastEntry], zone: ZoneOffset, proofs: [Int64: PlayProof] = [:]) -> String {
        let withProof = !proofs.isEmpty
        let rows = [textHeader(withProof: withProof)] + entries.map { textRow($0, zone: zone, proof: withProof ? .some(proofs[$0.id]) : nil) }
        return table(rows) + "\n" + Catalogue.bilingual(summary(entries), zone: zone, separator: "\n") + "\n"
    }

    /// The header row of the text table.
    public static func textHeader(withProof: Bool) -> [String] {
        [head("content.plays.col.start"), head("content.plays.col.end"), head("content.plays.col.duration"),
         head("content.plays.col.approved"), head("content.plays.col.item"), head("content.plays.col.title"),
         head("content.plays.col.manifest"), head("content.plays.col.note")] + (withProof ? [head("content.plays.col.proof")] : [])
    }

    /// One row of the text table; `proof` is nil without --verify, `.some(nil)` for an entry not
    /// re-checked.
    public static func textRow(_ e: BroadcastEntry, zone: ZoneOffset, proof: PlayProof?? = nil, memo: PlayTextMemo? = nil) -> [String] {
        let approved = e.item.map(approvalCell) ?? "-"
        func noteText() -> String {
            let note = [note(e, .vi, zone: zone), note(e, .en, zone: zone)].filter { !$0.isEmpty }
            return note.count == 2 && note[0] != note[1] ? note.joined(separator: " / ") : (note.first ?? "")
        }
        let noteCell: String
        if let memo, let g = e.gap, e.blackout == nil {
            noteCell = memo.gapNotes[g] ?? { let n = noteText(); memo.gapNotes[g] = n; return n }()
        } else {
            noteCell = noteText()
        }
        let span = e.end - e.started
        let duration: String
        if let memo {
            if let d = memo.durations[span.milliseconds] { duration = d } else {
                duration = HumanFormat.duration(span, .vi)
                if memo.durations.count < 10_000 { memo.durations[span.milliseconds] = duration }
            }
        } else {
            duration = HumanFormat.duration(span, .vi)
        }
        let manifestCell: String
        if let i = e.item {
            if let memo {
                let key = "\(i.keyID)|\(i.sequence ?? -1)|\(i.approvedAt?.milliseconds ?? -1)"
                if let m = memo.manifests[key] { manifestCell = m } else {
                    manifestCell = manifest(i, .vi, zone: zone)
                    if memo.manifests.count < 10_000 { memo.manifests[key] = manifestCell }
                }
            } else {
                manifestCell = manifest(i, .vi, zone: zone)
            }
        } else {
            manifestCell = ""
        }
        var row = [time(e.started, zone: zone), time(e.end, zone: zone), duration, approved,
                   e.item?.path ?? "-", e.item?.title ?? "", manifestCell, noteCell]
        if let proof { row.append(proof.map { Catalogue.bilingual($0.message, zone: zone) } ?? "") }
        return row
    }

    public static func summary(_ entries: [BroadcastEntry]) -> Message {
        let plays = entries.filter { $0.kind == .play }
        return Message("content.plays.summary", ["plays": .count(plays.count), "items": .count(distinctItems(plays).count),
                                                 "unapproved": .count(plays.filter { $0.item?.approval == .notApproved }.count),
                                                 "not_checked": .count(plays.filter { $0.item?.approval == .notChecked }.count),
                                                 "gaps": .count(entries.count - plays.count)])
    }

    /// An item is one path with one content hash, whatever approval covered its plays (the
    /// same rule in the report, the page and `plays`).
    public static func itemKey(_ i: BroadcastItem) -> String { i.path + "\u{0}" + i.sha256 }

    static func distinctItems(_ plays: [BroadcastEntry]) -> DistinctItems {
        var items = DistinctItems()
        for p in plays { if let i = p.item { items.insert(path: i.path, sha256: i.sha256) } }
        return items
    }

    static func table(_ rows: [[String]]) -> String {
        guard let first = rows.first else { return "" }
        var widths = [Int](repeating: 0, count: first.count)
        for r in rows { for (i, c) in r.enumerated() where i < widths.count { widths[i] = max(widths[i], c.count) } }
        return rows.map { tableLine($0, widths: widths) }.joined(separator: "\n")
    }

    /// One line of a table: every column padded to its width but the last.
    static func tableLine(_ r: [String], widths: [Int]) -> String {
        r.enumerated().map { i, c in i == r.count - 1 ? c : c + String(repeating: " ", count: max(0, (i < widths.count ? widths[i] : 0) - c.count)) }
            .joined(separator: "  ")
    }

    /// CSV (RFC 4180, UTF-8): machine times (ISO 8601 with offset), seconds with a decimal point.
    public static func csv(_ entries: [BroadcastEntry], zone: ZoneOffset, proofs: [Int64: PlayProof] = [:]) -> String {
        var out = csvHeader(withProof: !proofs.isEmpty)
        for e in entries { out += csvLine(e, zone: zone, proof: proofs.isEmpty ? nil : .some(proofs[e.id])) }
        return out
    }

    public static func csvHeader(withProof: Bool) -> String {
        "site,player,entry,start,end,duration_s,path,sha256,approved,approval,reason,manifest_id,key_id,approved_at,sequence,title,source,languages,month,kind,gap,dark_s,"
            + "commanded_by,incident,stopped_path,stopped_start"
            + (withProof ? ",proof" : "") + "\r\n"
    }

    /// One CSV line; `proof` is nil without --verify, `.some(nil)` for an entry not re-checked.
    public static func csvLine(_ e: BroadcastEntry, zone: ZoneOffset, proof: PlayProof?? = nil) -> String {
        var bytes: [UInt8] = []
        PlayRow(e, zone: zone).writeCSV(into: &bytes, proof: proof)
        return String(decoding: bytes, as: UTF8.self)
    }

    public static func json(_ entries: [BroadcastEntry], zone: ZoneOffset, proofs: [Int64: PlayProof] = [:]) -> [UInt8] {
        (try? JSONCoding.encode(entries.map { PlayRow($0, zone: zone, proof: proofs[$0.id]) }, options: [.snakeCaseKeys, .unescapedSlashes])) ?? Array("[]".utf8)
    }
}

extension PlayRow {
    /// Writes the row's CSV line (the columns of `PlayListing.csvHeader`, CR LF at the end)
    /// straight into bytes. Each field is scanned as UTF-8 bytes: the String version walked every
    /// field as Characters (grapheme breaking) and joined an array of 25 strings per row, which
    /// made a year in csv take 1.8 times as long as the larger json (closing note, session 4).
    /// `proof` is nil without --verify, `.some(nil)` for an entry not re-checked.
    public func writeCSV(into out: inout [UInt8], proof: PlayProof?? = nil) {
        var first = true
        func field(_ s: String?) {
            if !first { out.append(UInt8(ascii: ",")) }
            first = false
            if let s { PlayRow.writeCSVField(s, into: &out) }
        }
        field(site); field(player); field(entry); field(start); field(end); field(String(durationSeconds)); field(path); field(sha256)
        field(approved.map { $0 ? "1" : "0" }); field(approval); field(reason); field(manifestId); field(keyId); field(approvedAt)
        field(sequence.map(String.init)); field(title); field(source); field(languages?.joined(separator: " ")); field(month); field(kind); field(gap)
        field(darkSeconds.map { String($0) }); field(commandedBy); field(incidentId.map(String.init)); field(stoppedPath); field(stoppedStart)
        if let proof { field(proof?.code) }
        out.append(contentsOf: [13, 10])
    }

    /// One RFC 4180 field. A leading = + - @ would be a formula in a spreadsheet: it is quoted
    /// and prefixed with '. A field holding a comma, a quote, CR or LF is quoted, quotes doubled.
    static func writeCSVField(_ s: String, into out: inout [UInt8]) {
        let u = s.utf8
        let risky = u.first.map { $0 == UInt8(ascii: "=") || $0 == UInt8(ascii: "+") || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "@") } ?? false
        guard risky || u.contains(where: { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 == 10 || $0 == 13 }) else {
            out.append(contentsOf: u)
            return
        }
        out.append(UInt8(ascii: "\""))
        if risky { out.append(UInt8(ascii: "'")) }
        for b in u {
            out.append(b)
            if b == UInt8(ascii: "\"") { out.append(b) }
        }
        out.append(UInt8(ascii: "\""))
    }
}

extension PlayRow {
    /// Writes the row as `JSONCoding.encode(row, options: [.snakeCaseKeys, .unescapedSlashes])`
    /// would — the same bytes (a test compares them) — without the encoder's value tree and key
    /// conversion per field: a year is a million rows, and that was most of `--format json`'s time.
    public func writeJSON(into out: inout [UInt8]) {
        var first = true
        func key(_ k: String) {
            out.append(first ? UInt8(ascii: "{") : UInt8(ascii: ","))
            first = false
            out.append(UInt8(ascii: "\""))
            out.append(contentsOf: k.utf8)
            out.append(contentsOf: "\":".utf8)
        }
        func text(_ k: String, _ v: String?) {
            guard let v else { return }
            key(k)
            JSONCoding.write(.string(v), into: &out, options: [.unescapedSlashes], indent: 0)
        }
        func number(_ k: String, _ v: Double?) {
            guard let v, v.isFinite else { return }
            key(k)
            var s = v.description
            if s.hasSuffix(".0") { s.removeLast(2) }
            out.append(contentsOf: s.utf8)
        }
        func integer(_ k: String, _ v: Int64?) {
            guard let v else { return }
            key(k)
            out.append(contentsOf: String(v).utf8)
        }
        // Keys in the encoder's order: sorted by their snake_case form.
        text("approval", approval)
        if let approved { key("approved"); out.append(contentsOf: (approved ? "true" : "false").utf8) }
        text("approved_at", approvedAt)
        text("commanded_by", commandedBy)
        number("dark_seconds", darkSeconds)
        number("duration_seconds", durationSeconds)
        text("end", end)
        text("entry", entry)
        text("gap", gap)
        integer("incident_id", incidentId)
        text("key_id", keyId)
        text("kind", kind)
        if let languages {
            key("languages")
            JSONCoding.write(.array(languages.map { .string($0) }), into: &out, options: [.unescapedSlashes], indent: 0)
        }
        text("last_seen", lastSeen)
        text("manifest_id", manifestId)
        text("month", month)
        text("name", name)
        text("path", path)
        text("player", player)
        text("proof", proof)
        text("proof_detail", proofDetail)
        text("reason", reason)
        integer("sequence", sequence)
        text("sha256", sha256)
        text("site", site)
        text("source", source)
        text("start", start)
        text("stopped_path", stoppedPath)
        text("stopped_start", stoppedStart)
        text("title", title)
        out.append(first ? UInt8(ascii: "{") : UInt8(ascii: "}"))
        if first { out.append(UInt8(ascii: "}")) }
    }
}

/// Distinct items of the broadcast log: one path with one content hash. A play the player reported
/// without a hash (and the manifest could not fill in) is the item of its path, not one more: the
/// same path with an empty hash counted as another item (review of #16, session 5: 9 distinct
/// items for 5 files after the media folder was missing).
public struct DistinctItems: Sendable, Hashable {
    var hashed = Set<String>()
    var hashedPaths = Set<String>()
    var unhashedPaths = Set<String>()

    public init() {}

    public mutating func insert(path: String, sha256: String) {
        if sha256.isEmpty {
            unhashedPaths.insert(path)
        } else {
            hashed.insert(path + "\u{0}" + sha256)
            hashedPaths.insert(path)
        }
    }

    public var count: Int { hashed.count + unhashedPaths.subtracting(hashedPaths).count }
}

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
        if let i = e.item {
            path = i.path; name = i.name; sha256 = i.sha256.isEmpty ? nil : i.sha256; approved = i.approved
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

public enum PlayListing {
    /// `24/11/2026 09:00:05` — a table time with seconds (plays are seconds long).
    public static func time(_ t: Instant, zone: ZoneOffset) -> String {
        let s = zone.localTime(of: t).secondsOfDay % 60
        return HumanFormat.tableTime(t, zone: zone) + ":" + (s < 10 ? "0" : "") + String(s)
    }

    static func head(_ key: MessageKey) -> String { Catalogue.bilingual(Message(key)) }

    /// What the note column says: why not approved, dark time, or the gap.
    public static func note(_ e: BroadcastEntry, _ language: Language, zone: ZoneOffset) -> String {
        if let g = e.gap { return Catalogue.render(Message(MessageKey("content.plays.gap.\(g.rawValue.replacing("-", with: "_"))")), language, zone: zone) }
        var parts: [String] = []
        if let i = e.item, !i.approved, !i.reason.isEmpty { parts.append(i.reason) }
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
    public static func textRow(_ e: BroadcastEntry, zone: ZoneOffset, proof: PlayProof?? = nil) -> [String] {
        let approved = e.item.map { Catalogue.bilingual(Message($0.approved ? "content.plays.approved.yes" : "content.plays.approved.no")) } ?? "-"
        let note = [note(e, .vi, zone: zone), note(e, .en, zone: zone)].filter { !$0.isEmpty }
        var row = [time(e.started, zone: zone), time(e.end, zone: zone), HumanFormat.duration(e.end - e.started, .vi), approved,
                   e.item?.path ?? "-", e.item?.title ?? "", e.item.map { manifest($0, .vi, zone: zone) } ?? "",
                   note.count == 2 && note[0] != note[1] ? note.joined(separator: " / ") : (note.first ?? "")]
        if let proof { row.append(proof.map { Catalogue.bilingual($0.message, zone: zone) } ?? "") }
        return row
    }

    public static func summary(_ entries: [BroadcastEntry]) -> Message {
        let plays = entries.filter { $0.kind == .play }
        return Message("content.plays.summary", ["plays": .count(plays.count), "unapproved": .count(plays.filter { $0.item?.approved == false }.count),
                                                 "gaps": .count(entries.count - plays.count)])
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
        "site,player,entry,start,end,duration_s,path,sha256,approved,reason,manifest_id,key_id,approved_at,sequence,title,source,languages,month,kind,gap,dark_s"
            + (withProof ? ",proof" : "") + "\r\n"
    }

    /// One CSV line; `proof` is nil without --verify, `.some(nil)` for an entry not re-checked.
    public static func csvLine(_ e: BroadcastEntry, zone: ZoneOffset, proof: PlayProof?? = nil) -> String {
        let r = PlayRow(e, zone: zone)
        var f: [String] = [r.site, r.player, r.entry, r.start, r.end ?? "", String(r.durationSeconds), r.path ?? "", r.sha256 ?? "",
                           r.approved.map { $0 ? "1" : "0" } ?? "", r.reason ?? "", r.manifestId ?? "", r.keyId ?? "", r.approvedAt ?? "",
                           r.sequence.map(String.init) ?? "", r.title ?? "", r.source ?? "", (r.languages ?? []).joined(separator: " "),
                           r.month ?? "", r.kind ?? "", r.gap ?? "", r.darkSeconds.map { String($0) } ?? ""]
        if let proof { f.append(proof?.code ?? "") }
        return f.map(csvField).joined(separator: ",") + "\r\n"
    }

    static func csvField(_ s: String) -> String {
        // A leading = + - @ would be a formula in a spreadsheet: quote and prefix it.
        let risky = s.first.map { "=+-@".contains($0) } ?? false
        guard risky || s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return s }
        return "\"" + (risky ? "'" : "") + s.replacingQuotes() + "\""
    }

    public static func json(_ entries: [BroadcastEntry], zone: ZoneOffset, proofs: [Int64: PlayProof] = [:]) -> [UInt8] {
        (try? JSONCoding.encode(entries.map { PlayRow($0, zone: zone, proof: proofs[$0.id]) }, options: [.snakeCaseKeys, .unescapedSlashes])) ?? Array("[]".utf8)
    }
}

extension String {
    func replacingQuotes() -> String {
        var out = ""
        for c in self { out.append(c); if c == "\"" { out.append("\"") } }
        return out
    }
}

// `watchpost plays` over a long period without holding it in memory: a year of plays is a million
// rows (about 700 MB as values), so every format is written row by row as the store reads it.
// The text table needs its column widths first: it reads the period twice (widths, then rows),
// which costs a second query and keeps memory flat. Runs inside the store's actor (an extension
// of Store), so the reader and the writer share one thread and no row crosses an isolation border.
import WatchpostCore
import WatchpostContent
import WatchpostStore

public enum PlayFormat: String, Sendable, CaseIterable {
    case txt, csv, json
}

/// What to list.
public struct PlayQuery: Sendable {
    /// nil: every site.
    public var site: String?
    public var from: Instant
    public var to: Instant
    public var path: String?
    public var zone: ZoneOffset

    public init(site: String?, from: Instant, to: Instant, path: String?, zone: ZoneOffset) {
        self.site = site
        self.from = from
        self.to = to
        self.path = path
        self.zone = zone
    }
}

/// The Department's key and archive of one site, for re-proving its plays (--verify).
public struct PlayProofSource: Sendable {
    public var archive: ManifestArchive
    public var publicKey: [UInt8]

    public init(archive: ManifestArchive, publicKey: [UInt8]) {
        self.archive = archive
        self.publicKey = publicKey
    }
}

/// What was written: the counts of the summary lines.
public struct PlayStreamTotals: Sendable, Hashable {
    public var entries = 0
    public var plays = 0
    public var unapproved = 0
    /// Plays whose approval could not be checked (the share unreadable).
    public var notChecked = 0
    /// Distinct items (path and hash) of the plays.
    public var itemKeys = DistinctItems()
    /// Plays re-checked (--verify) and those that could not be re-proved.
    public var checked = 0
    public var problems = 0

    public var summary: Message {
        Message("content.plays.summary", ["plays": .count(plays), "items": .count(itemKeys.count), "unapproved": .count(unapproved), "not_checked": .count(notChecked),
                                           "gaps": .count(entries - plays)])
    }

    public var verifySummary: Message {
        Message("content.plays.verify.summary", ["proven": .count(checked - problems), "plays": .count(checked), "problems": .count(problems)])
    }
}

/// Collects output and hands it on in blocks of about 64 KiB (one write per row is slow).
struct BlockWriter {
    let write: @Sendable (String) -> Void
    var buffer = ""

    mutating func add(_ s: String) {
        buffer += s
        if buffer.utf8.count >= 1 << 16 { flush() }
    }

    mutating func flush() {
        if !buffer.isEmpty { write(buffer) }
        buffer = ""
    }
}

extension Store {
    /// Writes the log of `query` in `format` through `write`, row by row. With `proofs` (one per
    /// site; --verify) each play is re-checked and the proof is a column. An empty period writes
    /// nothing in txt (the caller says so), a header in csv and `[]` in json.
    public func writePlays(_ query: PlayQuery, format: PlayFormat, proofs: [String: PlayProofSource]? = nil,
                           write: @escaping @Sendable (String) -> Void) throws(WatchpostError) -> PlayStreamTotals {
        var verifiers: [String: PlayVerifier] = [:]
        var totals = PlayStreamTotals()
        let zone = query.zone
        func prove(_ e: BroadcastEntry) -> PlayProof? {
            guard let proofs, e.kind == .play, let source = proofs[e.site] else { return nil }
            var v = verifiers[e.site] ?? PlayVerifier(archive: source.archive, publicKey: source.publicKey)
            let proof = v.verify(e)
            verifiers[e.site] = v
            totals.checked += 1
            if proof.isProblem { totals.problems += 1 }
            return proof
        }
        func count(_ e: BroadcastEntry) {
            totals.entries += 1
            if e.kind == .play {
                totals.plays += 1
                if let i = e.item { totals.itemKeys.insert(path: i.path, sha256: i.sha256) }
                if e.item?.approval == .notApproved { totals.unapproved += 1 }
                if e.item?.approval == .notChecked { totals.notChecked += 1 }
            }
        }
        func each(_ body: (BroadcastEntry) -> Void) throws(WatchpostError) {
            try forEachBroadcastEntry(site: query.site, from: query.from, to: query.to, path: query.path) { body($0) }
        }
        var out = BlockWriter(write: write)
        let withProof = proofs != nil
        switch format {
        case .csv:
            out.add(PlayListing.csvHeader(withProof: withProof))
            var bytes: [UInt8] = []
            try each { e in
                count(e)
                let p = prove(e)
                bytes.removeAll(keepingCapacity: true)
                PlayRow(e, zone: zone).writeCSV(into: &bytes, proof: withProof ? .some(p) : nil)
                out.add(String(decoding: bytes, as: UTF8.self))
            }
        case .json:
            out.add("[")
            var first = true
            var bytes: [UInt8] = []
            try each { e in
                count(e)
                bytes.removeAll(keepingCapacity: true)
                if !first { bytes.append(UInt8(ascii: ",")) }
                PlayRow(e, zone: zone, proof: prove(e)).writeJSON(into: &bytes)
                out.add(String(decoding: bytes, as: UTF8.self))
                first = false
            }
            out.add("]\n")
        case .txt:
            // First pass: the width of every column but the last (the table leaves the last
            // unpadded, and the proof column is always last).
            let header = PlayListing.textHeader(withProof: withProof)
            let memo = PlayTextMemo()
            var widths = header.map(\.count)
            var any = false
            try each { e in
                any = true
                for (i, c) in PlayListing.textRow(e, zone: zone, proof: nil, memo: memo).enumerated() where i < widths.count { widths[i] = max(widths[i], c.count) }
            }
            guard any else { return totals }
            out.add(PlayListing.tableLine(header, widths: widths) + "\n")
            try each { e in
                count(e)
                let p = prove(e)
                out.add(PlayListing.tableLine(PlayListing.textRow(e, zone: zone, proof: withProof ? .some(p) : nil, memo: memo), widths: widths) + "\n")
            }
            out.add("\n" + Catalogue.bilingual(totals.summary, zone: zone, separator: "\n") + "\n")
        }
        out.flush()
        return totals
    }
}

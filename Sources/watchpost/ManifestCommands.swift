// `watchpost manifest keygen | create | verify`: the Department's side (make a key pair, sign a
// manifest of a media folder) and the box's side (verify a manifest and a folder against it).
import WatchpostCommandLine
import WatchpostCore
import WatchpostContent
import WatchpostConfig
import Crypto
import Posix
import WatchpostHost

let manifestCommands: [Command] = [manifestKeygenCommand, manifestCreateCommand, manifestVerifyCommand]

let manifestKeygenCommand = Command(
    name: "manifest keygen", summary: "make the Department's Ed25519 key pair for signing manifests",
    help: """
    Usage: watchpost manifest keygen [--out PREFIX]

    Writes PREFIX.key (private key, PKCS#8 PEM, mode 0600) and PREFIX.pub (public key, PEM).
    PREFIX defaults to department-ed25519. Existing files are never overwritten.
    Keep the private key with the Department (offline); only PREFIX.pub goes on the box.
    """,
    valuedOptions: ["out"],
    run: { args in
        try args.allowOnly(["out"])
        let prefix = args.value("out") ?? "department-ed25519"
        do {
            let pair = try Ed25519.generate()
            for path in [prefix + ".key", prefix + ".pub"] where FileSystem.exists(path) {
                throw WatchpostError(.usage, Catalogue.bilingual(Message("content.manifest.keygen.exists", ["path": .text(path)])))
            }
            try FileSystem.createExclusive(prefix + ".key", try Ed25519.privateKeyPEM(pair.privateKey), mode: 0o600)
            try FileSystem.createExclusive(prefix + ".pub", try Ed25519.publicKeyPEM(pair.publicKey), mode: 0o644)
            out(Catalogue.bilingual(Message("content.manifest.keygen.private", ["path": .text(prefix + ".key")]), separator: "\n"))
            out(Catalogue.bilingual(Message("content.manifest.keygen.public", ["path": .text(prefix + ".pub")]), separator: "\n"))
            out(Catalogue.bilingual(Message("content.manifest.keygen.key_id", ["key": .text(Ed25519.keyID(pair.publicKey))])))
            return 0
        } catch let e as CryptoError {
            throw WatchpostError(.crypto, e.description)
        } catch let e as SystemError {
            throw WatchpostError(.io, e.description)
        }
    })

/// A time on the command line: `2026-12-31` or `2026-12-31T18:00` (+07:00 unless an offset is
/// given). A bare date means the start of the day, or its end when `endOfDay`.
func parseManifestTime(_ text: String, option: String, endOfDay: Bool = false) throws(WatchpostError) -> Instant {
    guard let t = Instant.parse(text, defaultOffset: Manifest.writtenOffset) else {
        throw WatchpostError(.usage, Catalogue.bilingual(Message("content.manifest.error.time", ["option": .text(option), "text": .text(text)])))
    }
    let bareDate = text.trimmingWhitespace().count == 10
    return bareDate && endOfDay ? t + Seconds(86_399) : t
}

let manifestCreateCommand = Command(
    name: "manifest create", summary: "hash a media folder and sign its approved-content manifest",
    help: """
    Usage: watchpost manifest create DIR --key KEY --valid-from TIME --valid-to TIME --approved-by NAME
                                     [--approved-at TIME] [--output FILE] [--sequence N]
                                     [--sidecar FILE] [--title T] [--source ORG] [--languages vi,en]
                                     [--month YYYY-MM] [--kind programme|clip|still]
                                     [--contacts FILE | --config DIR]

    Hashes every file under DIR (SHA-256, streamed in 1 MiB blocks) and writes a manifest listing
    SHA-256, size and relative path of each, the validity period, the approver and the approval
    time, signed with the Ed25519 private key KEY (PEM). TIME is 2026-12-31 or
    2026-12-31T18:00[+07:00]; a bare --valid-to date lasts to the end of that day.
    The output defaults to DIR/approved.manifest (it is not listed in itself). Refuses folders with
    symlinks that leave DIR, unreadable or special files, or files that change while hashed.

    Approval number and metadata (manifest format 2, signed with the rest):
      --sequence N   the approval's number; the box refuses a manifest numbered below one it has
                     accepted (an old approval replayed). Default: the approval time in seconds
                     since 1970, which grows with each approval.
      --sidecar FILE one line per item the Department fills in:
                       # path | title | source | languages | month | kind
                       videos/hoa-ban.mp4 | Lễ hội Hoa Ban 2026 | dai-ptth-dien-bien | vi, en | 2026-03 | programme
                     source is an organisation id from alerts/contacts.conf; languages vi, en, lo,
                     th…; kind programme, clip or still. Empty fields are allowed.
      --contacts FILE  the contacts.conf a source must be in (default: alerts/contacts.conf of
                     --config DIR, $WATCHPOST_CONFIG, /etc/watchpost or the current folder); an
                     unknown source is refused with the list of known organisations.
      --title, --source, --languages, --month, --kind
                     defaults for every item the sidecar leaves empty (Tây Trang 7.8 counts
                     programmes a month by source; 7.1.2 and 7.5 name the languages).
    """,
    valuedOptions: ["key", "valid-from", "valid-to", "approved-by", "approved-at", "output", "sequence", "sidecar", "title", "source", "languages", "month", "kind",
                    "contacts", "config"],
    run: { args in
        try args.allowOnly(["key", "valid-from", "valid-to", "approved-by", "approved-at", "output", "sequence", "sidecar", "title", "source", "languages", "month", "kind",
                            "contacts", "config"])
        guard args.positionals.count == 1, let dir = args.positionals.first else {
            throw WatchpostError(.usage, Catalogue.bilingual(Message("content.manifest.error.one_folder")))
        }
        func required(_ name: String) throws(WatchpostError) -> String {
            guard let v = args.value(name), !v.trimmingWhitespace().isEmpty else { throw WatchpostError(.usage, Catalogue.bilingual(Message("content.manifest.error.required", ["option": .text(name)]))) }
            return v
        }
        let keyPath = try required("key")
        let validFrom = try parseManifestTime(try required("valid-from"), option: "valid-from")
        let validTo = try parseManifestTime(try required("valid-to"), option: "valid-to", endOfDay: true)
        let approvedBy = try required("approved-by")
        guard validTo > validFrom else { throw WatchpostError(.usage, Catalogue.bilingual(Message("content.manifest.error.validity"))) }
        let now = SystemClock().now()
        let approvedAt = try args.value("approved-at").map { t throws(WatchpostError) in try parseManifestTime(t, option: "approved-at") } ?? now
        let output = args.value("output") ?? "\(dir.hasSuffix("/") ? String(dir.dropLast()) : dir)/\(ContentCheckSettings.defaultManifestName)"
        var sequence = approvedAt.seconds
        if let text = args.value("sequence") {
            guard let n = Int64(text), n >= 0 else { throw WatchpostError(.usage, Catalogue.bilingual(Message("content.manifest.error.sequence", ["text": .text(text)]))) }
            sequence = n
        }
        let defaults = try manifestMetadataFlags(args)
        var sidecar: [String: ItemMetadata] = [:]
        if let path = args.value("sidecar") {
            let text: String
            do { text = try FileSystem.readText(path) } catch { throw WatchpostError(.io, Catalogue.bilingual(Message("content.manifest.error.sidecar_read", ["path": .text(path), "reason": .text("\(error)")]))) }
            switch ManifestSidecar.parse(text) {
            case .success(let s): sidecar = s
            case .failure(let e): throw WatchpostError(.usage, Catalogue.bilingual(Message("content.manifest.error.sidecar_line", ["path": .text(path), "line": .int(Int64(e.line)), "reason": .message(e.text)])))
            }
        }
        var sources: [(item: String, source: String)] = defaults.source.map { [("--source", $0)] } ?? []
        for (path, md) in sidecar.sorted(by: { $0.key < $1.key }) { if let src = md.source { sources.append((path, src)) } }
        try checkManifestSources(sources, args: args)

        let seed: [UInt8]
        do {
            if let mode = try FileSystem.mode(of: keyPath), mode & 0o077 != 0 {
                err(Catalogue.bilingual(Message("content.manifest.warning.key_mode", ["path": .text(keyPath), "mode": .text(String(mode, radix: 8))])))
            }
            seed = try Ed25519.privateKey(fromPEM: try FileSystem.readText(keyPath))
        } catch let e as SystemError {
            throw WatchpostError(.io, Catalogue.bilingual(Message("content.manifest.error.private_key", ["path": .text(keyPath), "reason": .text(e.description)])))
        } catch {
            throw WatchpostError(.crypto, Catalogue.bilingual(Message("content.manifest.error.private_key", ["path": .text(keyPath), "reason": .text("\(error)")])))
        }
        let settings = ContentCheckSettings(mediaFolder: dir, manifestPath: output, publicKeyPath: "")
        let started = monotonicNanoseconds()
        let outcome = try await runBlocking {
            MediaScanner.scan(root: dir, cache: [:], rehashBefore: nil, now: now, options: settings.options, control: ScanControl())
        }
        let seconds = Double(monotonicNanoseconds() - started) / 1e9
        if let why = outcome.folderError { throw WatchpostError(.io, Catalogue.bilingual(Message("content.manifest.error.folder", ["reason": .text(why)]))) }
        var items: [ApprovedItem] = []
        var problems: [Message] = []
        for e in outcome.entries {
            switch e {
            case .file(let path, let size, let sha?):
                items.append(ApprovedItem(path: path, sha256: sha, size: size, metadata: (sidecar[path] ?? ItemMetadata()).filled(from: defaults)))
            case .file(let path, _, nil): problems.append(Message("content.manifest.problem.not_hashed", ["path": .text(path)]))
            case .symlinkEscape(let path, let target): problems.append(Message("content.manifest.problem.symlink", ["path": .text(path), "target": .text(target)]))
            case .unreadable(let path, let reason): problems.append(Message("content.manifest.problem.unreadable", ["path": .text(path), "reason": .text(reason)]))
            case .changing(let path): problems.append(Message("content.manifest.problem.changing", ["path": .text(path)]))
            }
        }
        let listed = Set(items.map(\.path))
        for path in sidecar.keys.sorted() where !listed.contains(path) { problems.append(Message("content.manifest.problem.not_in_folder", ["path": .text(path), "folder": .text(dir)])) }
        if !problems.isEmpty {
            for p in problems { err("  " + Catalogue.bilingual(p)) }
            throw WatchpostError(.io, Catalogue.bilingual(Message("content.manifest.error.problems", ["count": .count(problems.count)])))
        }
        let manifest = Manifest(approvedBy: approvedBy, approvedAt: approvedAt, validFrom: validFrom, validTo: validTo,
                                keyID: Ed25519.keyID(try Ed25519.publicKey(fromPrivate: seed)), items: items, sequence: sequence)
        try FileSystem.writeAtomically(output, try manifest.signed(privateKey: seed), mode: 0o644)
        let total = items.reduce(Int64(0)) { $0 + $1.size }
        out(Catalogue.bilingual(Message("content.manifest.signed", ["path": .text(output), "count": .count(items.count), "bytes": .int(total),
                                                         "from": .tableTime(validFrom),  // people read table times, never ISO 8601 (issue 15)
                                                         "to": .tableTime(validTo), "key": .text(manifest.keyID),
                                                         "sequence": .int(sequence), "described": .count(items.filter { !$0.metadata.isEmpty }.count)]),
                                separator: "\n"))
        err(Catalogue.bilingual(Message("content.manifest.hashed", ["bytes": .int(outcome.bytesHashed), "seconds": .number(seconds, digits: 3),
                                                       "rate": .number(seconds > 0 ? Double(outcome.bytesHashed) / seconds / 1e6 : 0, digits: 1)])))
        return 0
    })

let manifestVerifyCommand = Command(
    name: "manifest verify", summary: "verify a manifest's signature and validity, and a media folder against it",
    help: """
    Usage: watchpost manifest verify MANIFEST [DIR] --public-key KEY [--at TIME] [--json]

    Checks the Ed25519 signature with the Department's public key and the validity period (now,
    or --at TIME). With DIR, hashes every file in it and reports unexpected, modified and missing
    files, symlinks leaving the folder and unreadable files, with names and hashes.
    Exit code: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (as `watchpost probe`).
    """,
    valuedOptions: ["public-key", "at"],
    run: { args in
        try args.allowOnly(["public-key", "at", "json"])
        guard (1...2).contains(args.positionals.count) else {
            throw WatchpostError(.usage, Catalogue.bilingual(Message("content.manifest.verify.usage")))
        }
        guard let key = args.value("public-key") else { throw WatchpostError(.usage, Catalogue.bilingual(Message("content.manifest.verify.need_key"))) }
        let manifestPath = args.positionals[0]
        let clock = SystemClock()
        let start = clock.now()
        let now = try args.value("at").map { t throws(WatchpostError) in try parseManifestTime(t, option: "at") } ?? start
        let loaded = try await runBlocking { ManifestLoader.load(manifest: manifestPath, publicKey: key, now: now) }
        var scan: ScanOutcome? = nil
        if args.positionals.count == 2 {
            let dir = args.positionals[1]
            let settings = ContentCheckSettings(mediaFolder: dir, manifestPath: manifestPath, publicKeyPath: key)
            scan = try await runBlocking {
                MediaScanner.scan(root: dir, cache: [:], rehashBefore: nil, now: now, options: settings.options, control: ScanControl())
            }
        }
        let (findings, _) = ContentJudge.findings(manifest: loaded, scan: scan, manifestPath: manifestPath)
        var facts: [String: String] = [:]
        var ok = Message("content.ok.manifest")
        if case .verdict(let v) = loaded, let m = v.trustedManifest {
            facts = ["approved_by": m.approvedBy, "approved_at": m.approvedAt.iso8601(offsetSeconds: Manifest.writtenOffset),
                     "valid_from": m.validFrom.iso8601(offsetSeconds: Manifest.writtenOffset),
                     "valid_to": m.validTo.iso8601(offsetSeconds: Manifest.writtenOffset), "key_id": m.keyID, "items": String(m.items.count),
                     "format": String(m.formatVersion)]
            if let seq = m.sequence { facts["sequence"] = String(seq) }
            if let scan { ok = Message("content.ok.folder", ["count": .count(scan.entries.count), "approved": .count(m.items.count)]) }
        }
        let result = CheckResult.from(findings: findings, ok: ok, facts: facts, startedAt: start, duration: clock.now() - start)
        printResult(result, json: args.has("json"), zone: .hoChiMinh)
        if !args.has("json"), case .verdict(let v) = loaded, let m = v.trustedManifest, m.items.contains(where: { !$0.metadata.isEmpty }) {
            out(Catalogue.bilingual(Message("content.manifest.verify.items")))
            for i in m.items {
                let md = i.metadata
                var parts: [Message] = []
                if let t = md.title { parts.append(Message("content.manifest.verify.title", ["title": .text(t)])) }
                if let s = md.source { parts.append(Message("content.manifest.verify.source", ["source": .text(s)])) }
                if !md.languages.isEmpty { parts.append(Message("content.manifest.verify.languages", ["languages": .text(md.languages.joined(separator: ","))])) }
                if let mo = md.month { parts.append(Message("content.manifest.verify.month", ["month": .text(mo)])) }
                if let k = md.kind { parts.append(Message("content.manifest.verify.kind", ["kind": .text(k.rawValue)])) }
                let described = parts.isEmpty ? "" : "\n      " + parts.map { Catalogue.render($0, .vi) }.joined(separator: ", ")
                    + "\n      " + parts.map { Catalogue.render($0, .en) }.joined(separator: ", ")
                out("  \(i.path)  sha256 \(i.sha256)  \(i.size) B" + described)
            }
        }
        return Int32(result.status.rawValue)
    })

/// A source must be an organisation of contacts.conf: Tây Trang 7.8 counts programmes a month by
/// their source, and a typo would silently fail that test. Refuses every unknown source at once,
/// listing the known organisations.
func checkManifestSources(_ used: [(item: String, source: String)], args: Arguments) throws(WatchpostError) {
    guard !used.isEmpty else { return }
    let path = args.value("contacts") ?? "\(configRoot(args))/alerts/contacts.conf"
    let text: String
    do { text = try FileSystem.readText(path) } catch {
        throw WatchpostError(.io, Catalogue.bilingual(Message("content.manifest.error.contacts_read", ["path": .text(path), "reason": .text(error.description)])))
    }
    let known = Set(INIFile(path: path, text: text).sections.filter { $0.type == "organisation" }.compactMap(\.name))
    let unknown = used.filter { !known.contains($0.source) }
    guard !unknown.isEmpty else { return }
    throw WatchpostError(.usage, Catalogue.bilingual(Message("content.manifest.error.unknown_source", [
        "sources": .text(unknown.map { "'\($0.source)' (\($0.item))" }.joined(separator: ", ")), "path": .text(path),
        "known": .text(known.sorted().joined(separator: ", "))]), separator: "\n"))
}

/// The metadata flags of `manifest create` (defaults for every item).
func manifestMetadataFlags(_ args: Arguments) throws(WatchpostError) -> ItemMetadata {
    var m = ItemMetadata()
    if let t = args.value("title") {
        if let e = ItemMetadata.checkTitle(t) { throw WatchpostError(.usage, Catalogue.bilingual(Message("content.manifest.error.flag", ["option": .text("title"), "reason": .message(e)]))) }
        m.title = t
    }
    if let s = args.value("source") {
        if let e = ItemMetadata.checkSource(s) { throw WatchpostError(.usage, Catalogue.bilingual(Message("content.manifest.error.flag", ["option": .text("source"), "reason": .message(e)]))) }
        m.source = s
    }
    if let l = args.value("languages") {
        switch ItemMetadata.parseLanguages(l) {
        case .success(let v): m.languages = v
        case .failure(let e): throw WatchpostError(.usage, Catalogue.bilingual(Message("content.manifest.error.flag", ["option": .text("languages"), "reason": .message(e.text)])))
        }
    }
    if let mo = args.value("month") {
        if let e = ItemMetadata.checkMonth(mo) { throw WatchpostError(.usage, Catalogue.bilingual(Message("content.manifest.error.flag", ["option": .text("month"), "reason": .message(e)]))) }
        m.month = mo
    }
    if let k = args.value("kind") {
        switch ItemMetadata.parseKind(k) {
        case .success(let v): m.kind = v
        case .failure(let e): throw WatchpostError(.usage, Catalogue.bilingual(Message("content.manifest.error.flag", ["option": .text("kind"), "reason": .message(e.text)])))
        }
    }
    return m
}

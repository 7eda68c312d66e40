// `watchpost plays`: the broadcast log (proof of play) read from the database while the daemon
// runs — what the player played, when, and which signed approval covered it (Vũng Áng Art.
// 4.3.c; Tây Trang 7.1.1) — and `--verify`, which re-proves each play against the archive of
// approvals (Vũng Áng Art. 4.3.b).
import WatchpostCore
import WatchpostConfig
import WatchpostStore
import WatchpostContent
import WatchpostPlayer
import WatchpostBroadcast
import Crypto
import Posix

let playsCommands: [Command] = [playsCommand]

let playsCommand = Command(
    name: "plays", summary: "the broadcast log: what was played, when, under which approval",
    help: """
    Usage: watchpost plays [--site ID] [--from TIME] [--to TIME] [--item PATH]
                           [--format txt|csv|json] [--verify] [--public-key KEY] [--config DIR]

    Lists every play (start, end, item path and hash, whether it was approved when it started and
    by which signed manifest: key id, approval time, sequence) and every gap (player unreachable,
    nothing playing or screen dark in operating hours, monitor not running), oldest first.

      --site ID      one site (default: every site)
      --from/--to    2026-11-24 (a whole local day) or 2026-11-24T09:00; default: today
      --item PATH    only plays of this item (path as in the manifest)
      --format F     txt (default, a table), csv (spreadsheets), json (machines)
      --verify       re-check each play against the archived manifest that approved it: the
                     archived file must hash to its id, carry the Department's signature and list
                     the item with the same hash (exit 2 when any play cannot be re-proved)
      --public-key   the Department's public key for --verify (default: the site's content check)

    The log is kept for [daemon] history_retention (default 400 days). Vũng Áng Art. 4.3.c:
    broadcast information is stored for replay and lookup.
    """,
    valuedOptions: ["config", "site", "from", "to", "item", "format", "public-key"],
    run: { args in
        try args.allowOnly(["config", "site", "from", "to", "item", "format", "verify", "public-key"])
        let format = args.value("format") ?? "txt"
        guard ["txt", "csv", "json"].contains(format) else { throw WatchpostError(.usage, "--format must be txt, csv or json, not '\(format)'") }
        let (config, _) = ConfigurationLoader.validate(root: configRoot(args))
        var sites = config.sites
        if let id = args.value("site") {
            guard let s = config.site(id) else {
                throw WatchpostError(.notFound, "no site '\(id)'", hint: "known sites: \(config.sites.map(\.id).sorted().joined(separator: ", "))")
            }
            sites = [s]
        }
        let zone = sites.first?.zone ?? .hoChiMinh
        let now = SystemClock().now()
        let today = zone.localDate(of: now)
        let from = try args.value("from").map { t throws(WatchpostError) in try playsTime(t, option: "from", zone: zone, endOfDay: false) } ?? zone.startOf(today)
        let to = try args.value("to").map { t throws(WatchpostError) in try playsTime(t, option: "to", zone: zone, endOfDay: true) } ?? zone.startOf(today) + .hours(24)
        guard to > from else { throw WatchpostError(.usage, "--to must be after --from") }
        guard FileSystem.exists(config.daemon.database) else {
            throw WatchpostError(.notFound, "no database at \(config.daemon.database)", hint: "start the daemon first: watchpost run")
        }
        let store = try Store(path: config.daemon.database, clock: SystemClock(), readOnly: true)
        if format == "csv" && !args.has("verify") {
            // Streamed: a year of plays is a million rows.
            print(PlayListing.csvHeader(withProof: false), terminator: "")
            for site in sites {
                try await store.forEachBroadcastEntry(site: site.id, from: from, to: to, path: args.value("item")) { e in
                    print(PlayListing.csvLine(e, zone: zone), terminator: "")
                }
            }
            return 0
        }
        var entries: [BroadcastEntry] = []
        for site in sites {
            entries += try await store.broadcastEntries(site: site.id, from: from, to: to, path: args.value("item"))
        }
        entries.sort { ($0.started, $0.id) < ($1.started, $1.id) }
        var proofs: [Int64: PlayProof] = [:]
        if args.has("verify") {
            for site in sites {
                let key = try verifyKey(args.value("public-key"), site: site, config: config)
                var verifier = PlayVerifier(archive: ManifestArchive(databasePath: config.daemon.database, site: site.id), publicKey: key)
                for e in entries where e.site == site.id && e.kind == .play { proofs[e.id] = verifier.verify(e) }
            }
        }
        switch format {
        case "csv": print(PlayListing.csv(entries, zone: zone, proofs: proofs), terminator: "")
        case "json": print(String(decoding: PlayListing.json(entries, zone: zone, proofs: proofs), as: UTF8.self))
        default:
            if entries.isEmpty { out(Catalogue.bilingual(Message("content.plays.none"))) } else { print(PlayListing.text(entries, zone: zone, proofs: proofs), terminator: "") }
        }
        guard args.has("verify") else { return 0 }
        let problems = proofs.values.filter(\.isProblem).count
        let summary = Message("content.plays.verify.summary", ["proven": .count(proofs.count - problems), "plays": .count(proofs.count), "problems": .count(problems)])
        err(Catalogue.bilingual(summary, zone: zone, separator: "\n"))
        return problems == 0 ? 0 : 2
    })

/// `2026-11-24` (the start of that local day, or the start of the next with `endOfDay`) or a
/// date and time in the site's zone.
func playsTime(_ text: String, option: String, zone: ZoneOffset, endOfDay: Bool) throws(WatchpostError) -> Instant {
    guard let t = Instant.parse(text, defaultOffset: zone.offsetSeconds) else {
        throw WatchpostError(.usage, "--\(option) '\(text)' is not a date or date and time", hint: "write e.g. 2026-11-24 or 2026-11-24T09:00")
    }
    return text.trimmingWhitespace().count == 10 && endOfDay ? t + .hours(24) : t
}

/// The Department's public key for re-proving plays: --public-key, else the one the site's player
/// (or content) check uses.
func verifyKey(_ given: String?, site: SiteProfile, config: WatchpostConfiguration) throws(WatchpostError) -> [UInt8] {
    guard let path = given ?? ContentFigures.departmentKeyPath(site: site, configuration: config) else { throw WatchpostError(.usage, "site \(site.id) has no content or player check to take the public key from", hint: "give --public-key") }
    do { return try Ed25519.publicKey(fromPEM: try FileSystem.readText(path)) } catch {
        throw WatchpostError(.crypto, "cannot read the Department's public key \(path): \(error)", hint: "give --public-key KEY")
    }
}

// `watchpost plays`: the broadcast log (proof of play) read from the database while the daemon
// runs — what the player played, when, and which signed approval covered it (Vũng Áng Art.
// 4.3.c; Tây Trang 7.1.1) — and `--verify`, which re-proves each play against the archive of
// approvals (Vũng Áng Art. 4.3.b).
import WatchpostCommandLine
import WatchpostCore
import WatchpostConfig
import WatchpostStore
import WatchpostContent
import WatchpostPlayer
import WatchpostBroadcast
import Crypto
import Posix
import WatchpostHost

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
      --from/--to    2026-11-24 (a whole local day) or 2026-11-24T09:00; default: today;
                     --from alone runs to the end of today (at least a day), --to alone covers
                     the day before it
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
        guard PlayFormat(rawValue: format) != nil else { throw WatchpostError(.usage, Catalogue.bilingual(Message("content.plays.error.format", ["format": .text(format)]))) }
        let (config, _) = ConfigurationLoader.validate(root: configRoot(args))
        var sites = config.sites
        if let id = args.value("site") {
            guard let s = config.site(id) else {
                throw WatchpostError(.notFound, Catalogue.bilingual(Message("content.plays.error.site", ["site": .text(id), "known": .text(config.sites.map(\.id).sorted().joined(separator: ", "))])))
            }
            sites = [s]
        }
        let zone = sites.first?.zone ?? .hoChiMinh
        let now = SystemClock().now()
        let today = zone.localDate(of: now)
        let givenFrom = try args.value("from").map { t throws(WatchpostError) in try playsTime(t, option: "from", zone: zone, endOfDay: false) }
        let givenTo = try args.value("to").map { t throws(WatchpostError) in try playsTime(t, option: "to", zone: zone, endOfDay: true) }
        // One bound alone is enough (review of #16, session 5: --from a later day, or --to an
        // earlier one, was refused against the other end's default of today): --from runs to the
        // end of today (at least a day), --to covers the day before it.
        let endOfToday = zone.startOf(today) + .hours(24)
        let from = givenFrom ?? givenTo.map { $0 - .hours(24) } ?? zone.startOf(today)
        let to = givenTo ?? givenFrom.map { max(endOfToday, $0 + .hours(24)) } ?? endOfToday
        guard to > from else { throw WatchpostError(.usage, Catalogue.bilingual(Message("content.plays.error.order"))) }
        guard FileSystem.exists(config.daemon.database) else {
            throw WatchpostError(.notFound, Catalogue.bilingual(Message("content.plays.error.no_database", ["path": .text(config.daemon.database)])))
        }
        let store = try Store(path: config.daemon.database, clock: SystemClock(), readOnly: true)
        // Every format is streamed: a year of plays is a million rows.
        var proofs: [String: PlayProofSource]?
        if args.has("verify") {
            var bySite: [String: PlayProofSource] = [:]
            for site in sites {
                let key = try verifyKey(args.value("public-key"), site: site, config: config)
                bySite[site.id] = PlayProofSource(archive: ManifestArchive(databasePath: config.daemon.database, site: site.id), publicKey: key)
            }
            proofs = bySite
        }
        let query = PlayQuery(site: args.value("site"), from: from, to: to, path: args.value("item"), zone: zone)
        let totals = try await store.writePlays(query, format: PlayFormat(rawValue: format) ?? .txt, proofs: proofs) { outText($0) }
        if format == "txt" && totals.entries == 0 { out(Catalogue.bilingual(Message("content.plays.none"))) }
        guard args.has("verify") else { return 0 }
        err(Catalogue.bilingual(totals.verifySummary, zone: zone, separator: "\n"))
        return totals.problems == 0 ? 0 : 2
    })

/// `2026-11-24` (the start of that local day, or the start of the next with `endOfDay`) or a
/// date and time in the site's zone.
func playsTime(_ text: String, option: String, zone: ZoneOffset, endOfDay: Bool) throws(WatchpostError) -> Instant {
    guard let t = Instant.parse(text, defaultOffset: zone.offsetSeconds) else {
        throw WatchpostError(.usage, Catalogue.bilingual(Message("content.plays.error.time", ["option": .text(option), "text": .text(text)])))
    }
    return text.trimmingWhitespace().count == 10 && endOfDay ? t + .hours(24) : t
}

/// The Department's public key for re-proving plays: --public-key, else the one the site's player
/// (or content) check uses.
func verifyKey(_ given: String?, site: SiteProfile, config: WatchpostConfiguration) throws(WatchpostError) -> [UInt8] {
    guard let path = given ?? ContentFigures.departmentKeyPath(site: site, configuration: config) else {
        throw WatchpostError(.usage, Catalogue.bilingual(Message("content.plays.error.no_key", ["site": .text(site.id)])))
    }
    do { return try Ed25519.publicKey(fromPEM: try FileSystem.readText(path)) } catch {
        throw WatchpostError(.crypto, Catalogue.bilingual(Message("content.error.public_key", ["path": .text(path), "reason": .text("\(error)")])))
    }
}

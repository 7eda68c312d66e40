import WatchpostCore

extension CheckKinds {
    /// The media folder against the Department's signed approved-content manifest.
    public static let content = CheckKindSchema(kind: "content", summary: "media folder against the signed approved-content manifest",
                                                defaultCategory: .security, keys: [
        KeySpec("media_folder", .nonEmpty, required: true, help: "the player's media folder (local path or mounted share); relative to the configuration folder unless absolute"),
        KeySpec("manifest", .nonEmpty, help: "the signed manifest (default: approved.manifest inside media_folder)"),
        KeySpec("public_key", .nonEmpty, required: true, help: "the Department's Ed25519 public key (PEM); the box never holds the private key"),
        KeySpec("full_rehash_interval", .duration(min: .minutes(1), max: .hours(24 * 30)),
                help: "how often every file is read again even if size, mtime and inode are unchanged (default 1d)"),
    ])

    /// What the player is playing now, against the same manifest.
    public static let player = CheckKindSchema(kind: "player", summary: "the item the player is playing now, against the approved-content manifest",
                                               defaultCategory: .security, keys: [
        KeySpec("address", .hostPort(defaultPort: 80), required: true, help: "the player's HTTP status interface, host[:port]"),
        KeySpec("status_path", .nonEmpty, help: "the status document (default /api/info.json)"),
        KeySpec("content_check", .custom("check id") { isIdentifier($0) ? nil : Message("config.value.not_check_id", ["value": .text($0)]) },
                help: "a content check of the same site whose manifest and public key are used"),
        KeySpec("manifest", .nonEmpty, help: "the signed manifest, when no content_check is named"),
        KeySpec("public_key", .nonEmpty, help: "the Department's public key, when no content_check is named"),
        // The broadcast log (issue 16; Vũng Áng Art. 4.3.c: keep what was broadcast for replay and lookup).
        KeySpec("broadcast_log", .boolean, help: "keep the broadcast log (proof of play) of this player (default true)"),
        KeySpec("log_interval", .duration(min: .seconds(1), max: .minutes(5)),
                help: "how often the broadcast log asks the player what it plays (default 5s)"),
        KeySpec("screen_check", .custom("check id") { isIdentifier($0) ? nil : Message("config.value.not_check_id", ["value": .text($0)]) },
                help: "the LED controller check whose screen-dark finding marks the screen dark in the broadcast log"),
    ], validate: { section in
        if section.has("content_check") || (section.has("manifest") && section.has("public_key")) { return [] }
        return [ConfigDiagnostic(file: section.file, line: section.line, key: "content_check",
                                 Message("config.content.needs_source"))]
    })

    /// Whether the Department's approval is renewed in time (issue 16). Technical notices to the
    /// Department and the operating unit, never security incidents.
    public static let contentFreshness = CheckKindSchema(kind: "content-freshness",
                                                         summary: "the approved-content manifest is renewed in time (expiry warning, monthly rules)",
                                                         defaultCategory: .technical, keys: [
        KeySpec("content_check", .custom("check id") { isIdentifier($0) ? nil : Message("config.value.not_check_id", ["value": .text($0)]) }, required: true,
                help: "the content check whose manifest and public key are judged"),
        KeySpec("warn_before", .duration(min: .hours(1), max: .hours(24 * 90)),
                help: "warn this long before the manifest's valid-to (default 7d)"),
        KeySpec("monthly_deadline_day", .integer(1...28),
                help: "a manifest approved this month is due by this day of the month (Vũng Áng Art. 4.3.a: 5)"),
        KeySpec("monthly_programme_sources", .identifierList,
                help: "contacts.conf organisations whose programmes count for the monthly rule (Tây Trang 7.8: the newspaper and the radio-TV station)"),
        KeySpec("monthly_programme_count", .integer(1...100),
                help: "programmes a month required from those sources (Tây Trang 7.8: at least 1; default 1)"),
    ])
}


import WatchpostCore

extension CheckKinds {
    /// The monitoring box's own storage (issue #19): free space on the filesystem holding the
    /// database, and the database's disk reserve. WARNING below `warning_free` percent free,
    /// CRITICAL below `critical_free` or once the reserve had to be used — so that a "disk almost
    /// full" incident opens (and is mailed) before the disk fills.
    public static let storage = CheckKindSchema(kind: "storage", summary: "free space for the database and its reserve", keys: [
        KeySpec("warning_free", .number(0...100), help: "percent free below which the check warns (default 20)"),
        KeySpec("critical_free", .number(0...100), help: "percent free below which it is critical (default 10)"),
    ], validate: { section in
        let w = section.double("warning_free", default: 20), c = section.double("critical_free", default: 10)
        guard c > w else { return [] }
        return [ConfigDiagnostic(file: section.file, line: section.lineOf("critical_free"), key: "critical_free",
                                 Message("config.storage.free_order", ["critical": .text("\(c)"), "warning": .text("\(w)")]))]
    })
}

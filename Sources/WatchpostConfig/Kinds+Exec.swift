import WatchpostCore

extension CheckKinds {
    /// A Nagios-compatible plugin or script: exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN; the
    /// first line of its output is the summary (Monit's `check program`).
    public static let exec = CheckKindSchema(kind: "exec", summary: "run a command (Nagios plugin exit codes)", keys: [
        KeySpec("command", .nonEmpty, required: true, help: "absolute path of the program"),
        KeySpec("arguments", .text, help: "space-separated arguments"),
    ], validate: { section in
        guard let cmd = section.value("command"), !cmd.hasPrefix("/") else { return [] }
        return [ConfigDiagnostic(file: section.file, line: section.lineOf("command"), key: "command",
                                 message: "must be an absolute path (the daemon does not search PATH)")]
    })
}

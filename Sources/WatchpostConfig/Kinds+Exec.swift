import WatchpostCore

extension CheckKinds {
    /// A Nagios-compatible plugin or script: exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN; the
    /// first line of its output is the summary (Monit's `check program`).
    public static let exec = CheckKindSchema(kind: "exec", summary: "run a command (Nagios plugin exit codes)", keys: [
        KeySpec("command", .nonEmpty, required: true, help: "the program: an absolute path, or relative to the configuration folder"),
        KeySpec("arguments", .text, help: "space-separated arguments"),
        KeySpec("environment", .custom("variable names") { v in
            splitList(v).first { $0.hasPrefix("WATCHPOST_") || !$0.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") } }
                .map { Message("config.exec.environment", ["value": .text($0)]) }
        }, help: "variables passed on from the daemon's environment besides PATH, LANG and TZ"),
    ], validate: { section in
        // The daemon never searches PATH: a bare program name is almost always a mistake.
        guard let cmd = section.value("command"), !cmd.contains("/") else { return [] }
        return [ConfigDiagnostic(file: section.file, line: section.lineOf("command"), key: "command",
                                 Message("config.exec.command_not_path", ["command": .text(cmd)]))]
    })
}

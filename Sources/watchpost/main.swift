import WatchpostCommandLine
import WatchpostCore
import Posix

// One malloc arena for the whole process, set before any other thread exists (glibc gives each
// new thread that allocates an arena of its own, up to 8 per core, each holding its freed memory):
// the daemon's steady RSS (bench/daemon/README.md). Set in code, not left to MALLOC_ARENA_MAX.
ProcessMemory.limitMallocArenas(1)

let argv = Array(CommandLine.arguments.dropFirst())
let commands = allCommands()

/// A command's one-line summary in one language, from the catalogue (Catalogue+CLIHelp.swift;
/// the test `everyCommandHasASummaryInTheCatalogue` fails on a command without one).
func summary(_ c: Command, _ language: Language) -> String {
    let key = MessageKey("cli.summary." + c.name.replacing(" ", with: "_"))
    return Catalogue.contains(key) ? Catalogue.render(Message(key), language) : c.summary
}

/// Commands with their summaries: the Vietnamese on the command's line, the English under it.
func commandList(_ list: [Command]) -> String {
    let width = (list.map(\.name.count).max() ?? 10) + 2
    var s = ""
    for c in list {
        s += "  \(c.name)\(String(repeating: " ", count: width - c.name.count))\(summary(c, .vi))\n"
        s += String(repeating: " ", count: width + 2) + summary(c, .en) + "\n"
    }
    return s
}

/// A command's own help: its summary in both languages, then its usage and options.
func commandHelp(_ c: Command) -> String {
    summary(c, .vi) + "\n" + summary(c, .en) + "\n\n" + c.help
}

func usage() -> String {
    let vi = MessageRenderer(language: .vi), en = MessageRenderer(language: .en)
    let v: [String: MessageValue] = ["version": .text(watchpostVersion)]
    var s = vi.render("cli.help.title", v) + "\n" + en.render("cli.help.title", v) + "\n\n"
    s += vi.render("cli.help.usage") + "\n" + en.render("cli.help.usage") + "\n\n"
    s += vi.render("cli.help.commands") + " / " + en.render("cli.help.commands") + "\n\n"
    s += commandList(commands)
    s += "\n" + vi.render("cli.help.config") + "\n" + en.render("cli.help.config")
    return s
}

/// Help for a command group (`user`, `maintenance`, `manifest`, `plan`, …: the first word of
/// two-word commands): its usage and every subcommand with its summary; nil when `group` is none.
func groupHelp(_ group: String) -> String? {
    let members = commands.filter { $0.name.hasPrefix(group + " ") }
    guard !members.isEmpty else { return nil }
    let vi = MessageRenderer(language: .vi), en = MessageRenderer(language: .en)
    let g: [String: MessageValue] = ["group": .text(group)]
    var s = vi.render("cli.group.usage", g) + "\n" + en.render("cli.group.usage", g) + "\n\n"
    s += vi.render("cli.group.subcommands", g) + " / " + en.render("cli.group.subcommands", g) + "\n"
    s += commandList(members)
    return s
}

guard let first = argv.first, first != "help", first != "--help", first != "-h" else {
    if argv.count >= 3, let c = commands.first(where: { $0.name == "\(argv[1]) \(argv[2])" }) { out(commandHelp(c)) }
    else if argv.count >= 2, let c = commands.first(where: { $0.name == argv[1] }) { out(commandHelp(c)) }
    else if argv.count >= 2, let g = groupHelp(argv[1]) { out(g) }
    else { out(usage()) }
    CurrentProcess.exit(0)
}
// Two-word commands (`db check`, `manifest create`) are matched before one-word ones.
let twoWord = argv.count >= 2 ? "\(argv[0]) \(argv[1])" : ""
let (command, rest): (Command?, [String]) = {
    if let c = commands.first(where: { $0.name == twoWord }) { return (c, Array(argv.dropFirst(2))) }
    return (commands.first { $0.name == first }, Array(argv.dropFirst()))
}()
// A group named alone or with --help lists its subcommands; an unknown subcommand says so.
if command == nil, let g = groupHelp(first) {
    let sub = argv.count >= 2 ? argv[1] : "--help"
    if ["--help", "-h", "help"].contains(sub) { out(g); CurrentProcess.exit(0) }
    err("watchpost: " + Catalogue.bilingual(Message("cli.group.unknown_subcommand", ["group": .text(first), "sub": .text(sub)])) + "\n\n" + g)
    CurrentProcess.exit(64)
}
guard let command else {
    let names = commands.map(\.name)
    let hint: MessageValue = names.min { editDistanceCLI(first, $0) < editDistanceCLI(first, $1) }.map { MessageValue.message(Message("cli.did_you_mean", ["name": .text($0)])) } ?? ""
    err("watchpost: " + Catalogue.bilingual(Message("cli.unknown_command", ["command": .text(first), "hint": hint])))
    CurrentProcess.exit(64)
}
do {
    let args = try Arguments(rest, valued: command.valuedOptions)
    if args.has("help") { out(commandHelp(command)); CurrentProcess.exit(0) }
    let code = try await command.run(args)
    CurrentProcess.exit(code)
} catch let e as WatchpostError {
    err("watchpost \(command.name): \(e.message)" + (e.hint.map { "\n  \(Catalogue.bilingual(Message("cli.error.fix"))): \($0)" } ?? ""))
    CurrentProcess.exit(e.code == .usage ? 64 : 1)
} catch {
    err("watchpost \(command.name): \(error)")
    CurrentProcess.exit(1)
}

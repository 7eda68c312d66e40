// watchpost-probe: the technician's ad-hoc ICMP/TCP probe as a program of its own, as NUT ships one
// program per driver. It links only libc, libm and libstdc++, so its start does not pay for
// relocating watchpost's C libraries (libcurl's tree, OpenSSL, sqlite3, libusb, libmicrohttpd):
// about 15 M instructions, more than the whole ICMP run of 100 targets (bench/network/README.md).
// The options and the output are those of `watchpost probe net` (WatchpostCommandLine), which
// keeps working inside watchpost; HTTP(S) (--url) needs libcurl and stays there.
//   watchpost-probe net --target HOST[,HOST…] [--count N] … [--json]
import WatchpostCore
import WatchpostCommandLine
import Posix

let argv = Array(CommandLine.arguments.dropFirst())

func probeProgramHelp() -> String {
    let vi = MessageRenderer(language: .vi), en = MessageRenderer(language: .en)
    return vi.render("cli.probe_program.usage") + "\n" + en.render("cli.probe_program.usage")
        + netProbeHelp.replacing("watchpost probe net", with: "watchpost-probe net")
}

guard let first = argv.first, first == "net" else {
    if let first = argv.first, !["--help", "-h", "help"].contains(first) {
        err("watchpost-probe: " + Catalogue.bilingual(Message("cli.probe_program.unknown", ["probe": .text(first)])) + "\n\n" + probeProgramHelp())
        CurrentProcess.exit(64)
    }
    out(probeProgramHelp())
    CurrentProcess.exit(argv.isEmpty ? 64 : 0)
}
do {
    let args = try Arguments(Array(argv.dropFirst()), valued: netProbeOptions)
    if args.has("help") { out(probeProgramHelp()); CurrentProcess.exit(0) }
    let request = try NetworkProbeRequest(args, urlProbe: nil)
    // Echoes to IP addresses run on this thread: no task, no pool thread, no hop to Swift's shared
    // threads (five thread starts, ≈ 0.7 ms and 30 page faults of a ≈ 30 ms run; bench/network).
    // Names to resolve and TCP connects take the async path, with the blocking pool's deadlines.
    if let code = request.runOnThisThread() { CurrentProcess.exit(code) }
    CurrentProcess.exit(await request.run())
} catch let e as WatchpostError {
    err("watchpost-probe net: \(e.message)" + (e.hint.map { "\n  \(Catalogue.bilingual(Message("cli.error.fix"))): \($0)" } ?? ""))
    CurrentProcess.exit(e.code == .usage ? 64 : 1)
} catch {
    err("watchpost-probe net: \(error)")
    CurrentProcess.exit(1)
}

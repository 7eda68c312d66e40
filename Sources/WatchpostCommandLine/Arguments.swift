// The command line shared by `watchpost` and `watchpost-probe`: arguments, commands, output.
// No logic of its own beyond presenting results to a person (or as JSON to a machine).
import WatchpostCore
import Posix
import WatchpostHost

/// A parsed command line: positionals, `--flag`, `--option value` / `--option=value`.
public struct Arguments {
    public var positionals: [String] = []
    public var options: [String: [String]] = [:]
    public var flags: Set<String> = []

    /// Options that take a value; anything else starting with `--` is a flag.
    public init(_ args: [String], valued: Set<String>) throws(WatchpostError) {
        var i = 0
        while i < args.count {
            let a = args[i]
            if a == "--" { positionals += args[(i + 1)...]; break }
            if a.hasPrefix("--") {
                let body = String(a.dropFirst(2))
                if let eq = body.firstIndex(of: "=") {
                    options[String(body[..<eq]), default: []].append(String(body[body.index(after: eq)...]))
                } else if valued.contains(body) {
                    guard i + 1 < args.count else { throw WatchpostError(.usage, "--\(body) needs a value") }
                    options[body, default: []].append(args[i + 1])
                    i += 1
                } else {
                    flags.insert(body)
                }
            } else if a == "-h" {
                flags.insert("help")
            } else {
                positionals.append(a)
            }
            i += 1
        }
    }

    public func value(_ name: String) -> String? { options[name]?.last }
    public func has(_ flag: String) -> Bool { flags.contains(flag) }

    /// Rejects options the command does not know, naming the nearest one.
    public func allowOnly(_ known: Set<String>) throws(WatchpostError) {
        for k in Set(options.keys).union(flags) where !known.contains(k) && k != "help" {
            let hint = known.min { editDistanceCLI(k, $0) < editDistanceCLI(k, $1) }.map { " (did you mean --\($0)?)" } ?? ""
            throw WatchpostError(.usage, "unknown option --\(k)\(hint)")
        }
    }
}

public func editDistanceCLI(_ a: String, _ b: String) -> Int {
    let x = Array(a), y = Array(b)
    var prev = Array(0...y.count)
    for i in 1...max(1, x.count) where !x.isEmpty {
        var cur = [i] + [Int](repeating: 0, count: y.count)
        for j in 1...max(1, y.count) where !y.isEmpty {
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (x[i - 1] == y[j - 1] ? 0 : 1))
        }
        prev = cur
    }
    return x.isEmpty ? y.count : prev[y.count]
}

/// One subcommand.
public struct Command: Sendable {
    public var name: String
    public var summary: String
    /// Full help: usage line(s) and options, made only when asked for: `user add`'s lists every
    /// role's rights from the access policy, which cost a quarter of the instructions of a whole
    /// `watchpost probe net` run when every command's help was built at start (bench/network).
    public var help: String { makeHelp() }
    public let makeHelp: @Sendable () -> String
    public var valuedOptions: Set<String>
    public var run: @Sendable (Arguments) async throws -> Int32

    public init(name: String, summary: String, help: @autoclosure @escaping @Sendable () -> String, valuedOptions: Set<String>,
         run: @escaping @Sendable (Arguments) async throws -> Int32) {
        self.name = name
        self.summary = summary
        self.makeHelp = help
        self.valuedOptions = valuedOptions
        self.run = run
    }
}

/// Where the configuration lives: --config, $WATCHPOST_CONFIG, /etc/watchpost, or the current folder.
public func configRoot(_ args: Arguments) -> String {
    if let c = args.value("config") { return c }
    if let e = CurrentProcess.environment("WATCHPOST_CONFIG"), !e.isEmpty { return e }
    if FileSystem.exists("/etc/watchpost/watchpost.conf") { return "/etc/watchpost" }
    return "."
}

/// Every console printer goes through `ConsoleText.escaped` (defence in depth: free text is
/// cleaned at input, but a record written before, or by another path, must not drive the
/// terminal — a note's `ESC[31m` or BEL was printed raw, #19 review s9).
public func out(_ s: String) { print(ConsoleText.escaped(s)) }
public func err(_ s: String) { StandardErrorSink().write(line: ConsoleText.escaped(s)) }
/// `out` without the added line end, for a document printed whole (a report, a stream of plays).
public func outText(_ s: String) { print(ConsoleText.escaped(s), terminator: "") }

/// Text shown on a terminal: control characters (`FreeText.isControl`) written as `\u{1B}`, so
/// that they are seen instead of obeyed. Line ends (LF, and CR LF, which the CSV reports use)
/// and tabs stay unless `oneLine` (a field inside one line of a table, where a line break would
/// start a forged line).
public enum ConsoleText {
    public static func escaped(_ s: String, oneLine: Bool = false) -> String {
        // The common case, without a copy: nothing but line feeds and tabs to keep.
        if !oneLine && !FreeText.containsControlBesidesLineFeedAndTab(s) { return s }
        let scalars = Array(s.unicodeScalars)
        func kept(_ i: Int) -> Bool {
            let c = scalars[i]
            if !FreeText.isControl(c) { return true }
            if oneLine { return false }
            return c == "\n" || c == "\t" || (c == "\r" && i + 1 < scalars.count && scalars[i + 1] == "\n")
        }
        guard !scalars.indices.allSatisfy(kept) else { return s }
        var out = String.UnicodeScalarView()
        for i in scalars.indices {
            if kept(i) { out.append(scalars[i]); continue }
            let shown: String
            switch scalars[i] {
            case "\n": shown = "\\n"
            case "\r": shown = "\\r"
            case "\t": shown = "\\t"
            default: shown = "\\u{" + String(scalars[i].value, radix: 16, uppercase: true) + "}"
            }
            out.append(contentsOf: shown.unicodeScalars)
        }
        return String(out)
    }
}

public let watchpostVersion = "0.1.0"

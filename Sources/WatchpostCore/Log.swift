import Synchronization

/// Where log lines go. The daemon writes to stderr (WatchpostHost.StandardErrorSink); tests capture lines.
public protocol LogSink: Sendable {
    func write(line: String)
}

public enum LogLevel: Int, Sendable, Comparable, CustomStringConvertible {
    case debug = 0, info, notice, warning, error
    public static func < (a: LogLevel, b: LogLevel) -> Bool { a.rawValue < b.rawValue }
    public var description: String { ["debug", "info", "notice", "warning", "error"][rawValue] }
    public init?(name: String) {
        guard let l = [LogLevel.debug, .info, .notice, .warning, .error].first(where: { $0.description == name }) else { return nil }
        self = l
    }
}

/// One line per event: `2026-11-24T07:30:00.120+07:00 level=warning site=tay-trang check=led msg="…" key=value`.
/// Values are quoted when they hold spaces; secrets never reach a logger (the Secrets type has no
/// public accessor that returns them as text for logging).
public struct Logger: Sendable {
    public var sink: any LogSink
    public var clock: any WatchpostClock
    public var minimumLevel: LogLevel
    public var zone: ZoneOffset
    public var fields: [(String, String)]

    public init(sink: any LogSink, clock: any WatchpostClock, minimumLevel: LogLevel = .info, zone: ZoneOffset = .hoChiMinh) {
        self.sink = sink
        self.clock = clock
        self.minimumLevel = minimumLevel
        self.zone = zone
        self.fields = []
    }

    /// A logger that adds `site=` / `check=` (or any other) fields to every line.
    public func with(_ key: String, _ value: String) -> Logger {
        var copy = self
        copy.fields.append((key, value))
        return copy
    }

    public func log(_ level: LogLevel, _ message: String, _ extra: [(String, String)] = []) {
        guard level >= minimumLevel else { return }
        var line = "\(zone.format(clock.now())) level=\(level)"
        for (k, v) in fields + [("msg", message)] + extra { line += " \(k)=\(Logger.quote(v))" }
        sink.write(line: line)
    }

    public func debug(_ m: String, _ e: [(String, String)] = []) { log(.debug, m, e) }
    public func info(_ m: String, _ e: [(String, String)] = []) { log(.info, m, e) }
    public func notice(_ m: String, _ e: [(String, String)] = []) { log(.notice, m, e) }
    public func warning(_ m: String, _ e: [(String, String)] = []) { log(.warning, m, e) }
    public func error(_ m: String, _ e: [(String, String)] = []) { log(.error, m, e) }

    static func quote(_ v: String) -> String {
        if !v.isEmpty, !v.contains(where: { $0 == " " || $0 == "\"" || $0 == "=" || $0 == "\n" }) { return v }
        var out = "\""
        for c in v {
            switch c {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            default: out.append(c)
            }
        }
        return out + "\""
    }
}

/// Keeps log lines in memory; for tests and for `watchpost check` output capture.
public final class MemoryLogSink: LogSink {
    private let lines = Mutex<[String]>([])
    public init() {}
    public func write(line: String) { lines.withLock { $0.append(line) } }
    public var all: [String] { lines.withLock { $0 } }
}

import WatchpostCore
import WatchpostConfig
import Posix

/// Runs a Nagios-compatible plugin: exit 0 OK, 1 WARNING, 2 CRITICAL, anything else UNKNOWN.
/// The first output line is the summary; `label=value[unit];…` performance data after a `|`
/// becomes measurements.
public struct ExecProbe: Probe {
    public let command: String
    public let arguments: [String]
    public let timeout: Seconds
    /// The plugin's whole environment (see `ChildEnvironment`).
    public let environment: [String]

    public init(check: CheckDefinition, root: String) {
        let cmd = check.parameters.string("command")
        command = cmd.hasPrefix("/") ? cmd : "\(root)/\(cmd)"
        arguments = check.parameters.string("arguments").split(separator: " ").map(String.init)
        timeout = check.timeout
        environment = ChildEnvironment.minimal(for: check.parameters)
    }

    public init(command: String, arguments: [String], timeout: Seconds, environment: [String] = ChildEnvironment.minimal(for: nil)) {
        self.command = command
        self.arguments = arguments
        self.timeout = timeout
        self.environment = environment
    }

    /// The scheduler waits this long after the timeout for the killed plugin's own result.
    public static let killGrace = Seconds(2)
    public var timeoutGrace: Seconds { Self.killGrace }

    public func run(_ context: ProbeContext) async -> CheckResult {
        let start = context.clock.now()
        // The plugin is killed at its timeout; the scheduler's deadline comes `killGrace` later,
        // so the result names the plugin that hung rather than a generic probe timeout. A caller
        // whose deadline has no grace still gets the plugin killed 100 ms before it.
        let limit = max(Seconds(milliseconds: 50), min(timeout, context.deadline - start - Seconds(milliseconds: 100)))
        let (command, arguments, environment) = (self.command, self.arguments, self.environment)
        do {
            let outcome = try await runBlocking { try Subprocess.run(command, arguments: arguments, timeout: limit.duration, environment: environment) }
            let duration = context.clock.now() - start
            if outcome.timedOut {
                return CheckResult(status: .unknown, text: Message("probe.exec.timeout", ["command": .text(command), "limit": .duration(limit)]), startedAt: start, duration: duration)
            }
            let firstLine = outcome.output.split(separator: "\n").first.map(String.init) ?? ""
            let parts = firstLine.split(separator: "|", maxSplits: 1)
            let summary = parts.first.map { $0.trimmingWhitespace() } ?? ""
            let perf = parts.count > 1 ? Self.parsePerformanceData(String(parts[1])) : []
            let status: CheckStatus
            switch outcome.exitCode {
            case 0?: status = .ok
            case 1?: status = .warning
            case 2?: status = .critical
            default: status = .unknown
            }
            // The plugin's own first line is its author's text, usually English ("OK - 69% free on /"):
            // it follows a Vietnamese sentence as a labelled technical detail, never as the sentence.
            let name = command.split(separator: "/").last.map(String.init) ?? command
            let text: Message = summary.isEmpty
                ? (outcome.signal.map { Message("probe.exec.signal", ["command": .text(command), "signal": .count($0)]) }
                    ?? Message("probe.exec.exit", ["command": .text(command), "code": .count(outcome.exitCode ?? -1)]))
                : Message("probe.exec.reported", ["command": .text(name), "status": .message(status.message), "output": .text(summary)])
            return CheckResult(status: status, text: text, measurements: perf, startedAt: start, duration: duration)
        } catch {
            return CheckResult(status: .unknown, text: Message("probe.exec.cannot-run", ["command": .text(command)]), detail: "\(error)",
                               startedAt: start, duration: context.clock.now() - start)
        }
    }

    /// `rta=0.5ms;100;500 loss=0%` → measurements. The Nagios plugin grammar
    /// (`'label'=value[UOM];[warn];[crit];[min];[max]`) allows the value only the characters
    /// `-0-9.` and a unit of measure that is none, s/ms/us, %, B/KB/MB/TB or c: no unit holds a
    /// digit or a sign. An item outside it (`1e308`, `9.3E18`, `1e-400`, `5.5.5`) is refused, like a
    /// value out of bounds, never stored as a wrong number with a nonsense unit (#19 review, s5).
    /// The label is quoted when it holds a space or `=` (`'used space'=3`), a quote in it written
    /// twice (`'it''s'=1`); it was cut at the space and stored as the last word (#19 review, s6).
    static func parsePerformanceData(_ text: String) -> [Measurement] {
        var out: [Measurement] = []
        var rest = Substring(text)
        func isBlank(_ c: Character) -> Bool { c == " " || c == "\t" }
        while true {
            rest = rest.drop(while: isBlank)
            guard let first = rest.first else { break }
            var label = ""
            if first == "'" {
                rest = rest.dropFirst()
                var closed = false
                while let c = rest.popFirst() {
                    if c == "'" {
                        if rest.first == "'" { label.append("'"); rest = rest.dropFirst(); continue }
                        closed = true
                        break
                    }
                    label.append(c)
                }
                guard closed, rest.first == "=" else { rest = rest.drop { !isBlank($0) }; continue }
            } else {
                let name = rest.prefix { $0 != "=" && !isBlank($0) }
                rest = rest.dropFirst(name.count)
                guard rest.first == "=" else { rest = rest.drop { !isBlank($0) }; continue }
                label = String(name)
            }
            rest = rest.dropFirst()  // the "="
            let item = rest.prefix { !isBlank($0) }
            rest = rest.dropFirst(item.count)
            if !label.isEmpty, let m = measurement(label: label, item) { out.append(m) }
        }
        return out
    }

    /// One item's `value[UOM];…` under `label`, or nil when it is outside the grammar or bounds.
    static func measurement(label: String, _ item: Substring) -> Measurement? {
        let raw = item.split(separator: ";", omittingEmptySubsequences: false).first ?? ""
        let number = raw.prefix { ("0"..."9").contains($0) || $0 == "." || $0 == "-" }
        let unit = raw.dropFirst(number.count)
        guard isPerformanceValue(number), !unit.contains(where: { $0.isNumber || "+-.".contains($0) }) else { return nil }
        // Refused at the boundary: not a number, infinite, or beyond ±10^15 (see Measurement).
        guard let v = Double(number), Measurement(label, v).isWithinBounds else { return nil }
        return Measurement(label, v, unit: String(unit))
    }

    /// `-?digits[.digits]` or `-?.digits`: a minus only in front, one decimal point, a digit somewhere.
    static func isPerformanceValue(_ s: Substring) -> Bool {
        let body = s.hasPrefix("-") ? s.dropFirst() : s
        return !body.isEmpty && !body.contains("-") && body.filter { $0 == "." }.count <= 1 && body.contains { ("0"..."9").contains($0) }
    }
}

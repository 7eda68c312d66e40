// NUT's network protocol (upsd, TCP 3493): `LIST VAR <ups>`, logged in with USERNAME/PASSWORD/LOGIN
// (and PRIMARY for a primary) when credentials are given, as upsmon does, for sites whose UPS is
// already served by NUT; and the serial Q1 transport. Both use Posix's blocking
// `LineStream` through `runBlocking`.
import WatchpostCore
import Posix

public struct NUTTarget: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var port: Int
    public var ups: String

    public init(host: String, port: Int = 3493, ups: String) {
        self.host = host
        self.port = port
        self.ups = ups
    }

    /// `NAME@HOST[:PORT]` (upsc's form) or `HOST[:PORT]/NAME`.
    public init?(parsing text: String) {
        let name: Substring, hostPart: Substring
        if let at = text.firstIndex(of: "@") {
            name = text[..<at]; hostPart = text[text.index(after: at)...]
        } else if let slash = text.firstIndex(of: "/") {
            hostPart = text[..<slash]; name = text[text.index(after: slash)...]
        } else { return nil }
        guard !name.isEmpty, !hostPart.isEmpty else { return nil }
        var host = String(hostPart), port = 3493
        if host.hasPrefix("["), let close = host.firstIndex(of: "]") {
            let rest = host[host.index(after: close)...]
            if rest.hasPrefix(":") { guard let p = Int(rest.dropFirst()) else { return nil }; port = p }
            host = String(host[host.index(after: host.startIndex)..<close])
        } else if host.filter({ $0 == ":" }).count == 1, let colon = host.firstIndex(of: ":") {
            guard let p = Int(host[host.index(after: colon)...]) else { return nil }
            port = p
            host = String(host[..<colon])
        }
        guard (1...65_535).contains(port) else { return nil }
        self.init(host: host, port: port, ups: String(name))
    }

    public var description: String { "\(ups)@\(host):\(port)" }
}

/// How a logged-in client presents itself to upsd, as upsmon's MONITOR line does: a secondary
/// only logs in (`upsmon secondary` in upsd.users); a primary also claims the UPS with `PRIMARY`
/// (`MASTER` on upsd older than 2.8), which needs `upsmon primary`.
public enum NUTRole: String, Sendable, Hashable {
    case secondary, primary
}

/// Reads every variable of one UPS from upsd. One connection per poll (upsc does the same).
/// With credentials the connection logs in first, the way upsmon does (USERNAME, PASSWORD,
/// LOGIN <ups>, then PRIMARY <ups> for a primary): upsd checks the password only at LOGIN, so
/// without LOGIN a wrong password would go unnoticed. The login lasts one poll (LOGOUT at the
/// end), so a NUT primary shutting the UPS down waits for it at most that long.
public struct NUTClient: Sendable {
    public var target: NUTTarget
    public var username: String?
    public var password: String?
    public var role: NUTRole
    public var timeout: Seconds

    public init(target: NUTTarget, username: String? = nil, password: String? = nil, role: NUTRole = .secondary,
                timeout: Seconds = .seconds(5)) {
        self.target = target
        self.username = username
        self.password = password
        self.role = role
        self.timeout = timeout
    }

    public func listVariables() async throws -> [String: String] {
        let client = self
        return try await runBlocking { try client.listVariablesBlocking() }
    }

    func listVariablesBlocking() throws -> [String: String] {
        if username != nil, password == nil || password == "" {
            throw WatchpostError(.configuration, "upsd user '\(username ?? "")' for \(target) has no password",
                                 hint: "set the password in the environment variable named by password_env, or remove username to read without logging in")
        }
        let deadline = monotonicMilliseconds() + timeout.milliseconds
        let stream: LineStream
        do { stream = try LineStream.connectTCP(host: target.host, port: target.port, timeout: timeout.duration) } catch {
            throw WatchpostError(.network, "cannot reach upsd at \(target.host):\(target.port): \(error.reason)",
                                 hint: "is upsd running and listening there (upsd.conf LISTEN)? try: upsc \(target)")
        }
        defer { stream.close() }
        func send(_ line: String) throws {
            do { try stream.write(Array((line + "\n").utf8), deadline: deadline) } catch {
                throw WatchpostError(.network, "upsd at \(target.host):\(target.port): \(error)")
            }
        }
        func receive() throws -> String {
            do {
                var line = try stream.readLine(deadline: deadline)
                if line.last == 0x0D { line.removeLast() }
                return String(decoding: line, as: UTF8.self)
            } catch {
                let code: WatchpostError.Code = error.errno == 110 ? .timeout : .network
                throw WatchpostError(code, "upsd at \(target.host):\(target.port): \(error)")
            }
        }
        if let username, let password {
            try send("USERNAME \(Self.quote(username))")
            try Self.expectOK(try receive(), doing: "USERNAME", target: target)
            try send("PASSWORD \(Self.quote(password))")
            // Never echo the password: the error names the step only.
            try Self.expectOK(try receive(), doing: "PASSWORD", target: target)
            // upsd checks user and password here (ACCESS-DENIED when either is wrong).
            try send("LOGIN \(target.ups)")
            try Self.expectOK(try receive(), doing: "LOGIN", target: target)
            if role == .primary {
                try send("PRIMARY \(target.ups)")
                let answer = try receive()
                if answer.hasPrefix("ERR UNKNOWN-COMMAND") || answer.hasPrefix("ERR INVALID-ARGUMENT") {
                    // upsd before 2.8 knows the same claim as MASTER.
                    try send("MASTER \(target.ups)")
                    try Self.expectOK(try receive(), doing: "MASTER", target: target)
                } else {
                    try Self.expectOK(answer, doing: "PRIMARY", target: target)
                }
            }
        }
        try send("LIST VAR \(target.ups)")
        let first = try receive()
        if first.hasPrefix("ERR ") { throw Self.error(first, target: target) }
        guard first == "BEGIN LIST VAR \(target.ups)" else {
            throw WatchpostError(.protocolViolation, "upsd answered \(printable(first)) to LIST VAR \(target.ups)")
        }
        var vars: [String: String] = [:]
        while true {
            let line = try receive()
            if line == "END LIST VAR \(target.ups)" { break }
            if line.hasPrefix("ERR ") { throw Self.error(line, target: target) }
            guard let (name, value) = Self.parseVar(line, ups: target.ups) else {
                throw WatchpostError(.protocolViolation, "upsd sent a malformed line: \(printable(line))")
            }
            vars[name] = value
            if vars.count > 10_000 { throw WatchpostError(.protocolViolation, "upsd sent more than 10000 variables") }
        }
        try? send("LOGOUT")
        return vars
    }

    /// `VAR <ups> <name> "<value>"` with `\"` and `\\` escapes.
    static func parseVar(_ line: String, ups: String) -> (String, String)? {
        let prefix = "VAR \(ups) "
        guard line.hasPrefix(prefix) else { return nil }
        let rest = line.dropFirst(prefix.count)
        guard let space = rest.firstIndex(of: " ") else { return nil }
        let name = String(rest[..<space])
        var quoted = rest[rest.index(after: space)...]
        guard quoted.first == "\"", quoted.count >= 2 else { return nil }
        quoted = quoted.dropFirst()
        var value = ""
        var escaped = false
        for (i, c) in zip(quoted.indices, quoted) {
            if escaped { value.append(c); escaped = false; continue }
            if c == "\\" { escaped = true; continue }
            if c == "\"" { return quoted.index(after: i) == quoted.endIndex && !name.isEmpty ? (name, value) : nil }
            value.append(c)
        }
        return nil
    }

    static func quote(_ s: String) -> String {
        "\"" + s.replacingAll("\\", with: "\\\\").replacingAll("\"", with: "\\\"") + "\""
    }

    static func expectOK(_ line: String, doing step: String, target: NUTTarget) throws {
        if line.hasPrefix("OK") { return }
        if line.hasPrefix("ERR ") { throw error(line, target: target, step: step) }
        throw WatchpostError(.protocolViolation, "upsd answered \(printable(line)) to \(step)")
    }

    static func error(_ line: String, target: NUTTarget, step: String? = nil) -> WatchpostError {
        let code = line.dropFirst(4).split(separator: " ").first.map(String.init) ?? "?"
        let during = step.map { " (\($0))" } ?? ""
        switch code {
        case "UNKNOWN-UPS": return WatchpostError(.notFound, "upsd at \(target.host):\(target.port) has no UPS '\(target.ups)'", hint: "list them with: upsc -l \(target.host):\(target.port)")
        case "DATA-STALE": return WatchpostError(.device, "upsd reports the data of \(target.ups) stale: its driver lost the UPS", hint: "check the UPS cable and the NUT driver's log")
        case "DRIVER-NOT-CONNECTED": return WatchpostError(.device, "upsd's driver for \(target.ups) is not running", hint: "start it: upsdrvctl start \(target.ups)")
        case "ACCESS-DENIED", "INVALID-USERNAME", "INVALID-PASSWORD", "USERNAME-REQUIRED", "PASSWORD-REQUIRED":
            return WatchpostError(.permission, "upsd refused access\(during): \(code)",
                                  hint: "check username/password against upsd.users; the user needs 'upsmon secondary' (or 'upsmon primary' for role = primary)")
        default: return WatchpostError(.protocolViolation, "upsd error\(during): \(line.dropFirst(4))")
        }
    }
}

extension String {
    func replacingAll(_ target: String, with replacement: String) -> String {
        guard !target.isEmpty else { return self }
        var out = ""
        var rest = Substring(self)
        while let r = rest.range(of: target) {
            out += rest[..<r.lowerBound]
            out += replacement
            rest = rest[r.upperBound...]
        }
        return out + rest
    }
}

extension Substring {
    func range(of target: String) -> Range<Index>? {
        let t = Array(target)
        var i = startIndex
        while i < endIndex {
            var j = i, k = 0
            while k < t.count, j < endIndex, self[j] == t[k] { j = index(after: j); k += 1 }
            if k == t.count { return i..<j }
            i = index(after: i)
        }
        return nil
    }
}

/// The upsd "driver": NUT's variables as they are, under the same contract.
public actor NUTDriver: UPSDriver {
    public nonisolated let driverName = "nut-upsd"
    let client: NUTClient

    public init(client: NUTClient) { self.client = client }

    public func initialize() async throws -> UPSReading { try await update(full: true) }

    public func update(full: Bool) async throws -> UPSReading {
        UPSReading(variables: try await client.listVariables())
    }

    public func shutdown() async {}
}

/// Q1 over a serial port (2400 8N1), reopened by its driver after errors.
public final class SerialQ1Transport: Q1Transport {
    let stream: LineStream
    let path: String

    init(stream: LineStream, path: String) {
        self.stream = stream
        self.path = path
    }

    public static func open(path: String, baud: Int = 2400) async throws -> SerialQ1Transport {
        do {
            let s = try await runBlocking { try LineStream.openSerial(path: path, baud: baud) }
            return SerialQ1Transport(stream: s, path: path)
        } catch let e as SystemError {
            throw WatchpostError(e.errno == SystemError.noEntry ? .notFound : (e.errno == SystemError.accessDenied ? .permission : .device),
                                 "cannot open serial port \(path): \(e.reason)",
                                 hint: "check the cable and the device name (ls /dev/ttyUSB* /dev/ttyS*); the daemon needs the dialout group")
        }
    }

    public func identity() async -> [String: String] { ["driver.parameter.port": path] }

    public func query(_ command: String, timeoutMilliseconds: Int) async throws -> [UInt8] {
        let s = stream
        let path = self.path
        return try await runBlocking {
            let deadline = monotonicMilliseconds() + Int64(timeoutMilliseconds)
            s.discardInput()
            do {
                try s.write(Array((command + "\r").utf8), deadline: deadline)
                return try s.readLine(terminator: 0x0D, deadline: deadline, limit: 512)
            } catch let error as SystemError {
                throw WatchpostError(error.errno == 110 ? .timeout : .device, "\(command) on \(path): \(error)",
                                     hint: "no answer: check the cable, and that the UPS speaks Megatec Q1 at 2400 baud")
            }
        }
    }

    public func close() async { stream.close() }
}

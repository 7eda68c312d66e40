// The fuzz targets of issue #19: each takes arbitrary bytes and drives one parser of untrusted
// input the way the daemon does. A target must never trap; it returns normally for every input.
// libFuzzer runs them (bench/fuzz/run.sh, `watchpost-fuzz` built with -sanitize=fuzzer), and
// `make test` runs each on seeded random and mutated inputs (Tests/WatchpostFuzzTests).
import WatchpostCore
import WatchpostConfig
import WatchpostStore
import WatchpostAuth
import WatchpostWeb
import WatchpostMail
import WatchpostLED
import WatchpostPower
import HTTPServer
import Posix

public enum FuzzTarget: String, CaseIterable, Sendable {
    case config, http, imap, novastar, hid

    /// Runs the target on one input.
    public func run(_ bytes: [UInt8]) async {
        switch self {
        case .config: FuzzTargets.configuration(bytes)
        case .http: await FuzzTargets.http(bytes)
        case .imap: FuzzTargets.imapReply(bytes)
        case .novastar: FuzzTargets.novaStar(bytes)
        case .hid: FuzzTargets.hid(bytes)
        }
    }

    /// A few valid inputs to start mutating from.
    public var seeds: [[UInt8]] {
        switch self {
        case .config:
            return [Array("# c\r\n[check a]\r\nkind = exec\r\ncommand = ./x\r\ninterval = 1h30m\r\ntemperature = -10..65\r\nhost = 192.0.2.20:80\r\n".utf8),
                    Array("\u{FEFF}[exceptions]\n2026-12-24 = 06:00-22:00 | x\n2026-12-25 =\n[weekly]\nmonday = 07:30-11:00\n".utf8)]
        case .http:
            return [Array("GET\u{0}/api/v1/incidents\u{0}limit=5&state=open\u{0}\u{0}wp_csrf=x\u{0}Bearer wpt_abc".utf8),
                    Array("POST\u{0}/login\u{0}next=%2F\u{0}csrf=a&login=b&password=c\u{0}wp_csrf=a\u{0}".utf8),
                    Array("GET\u{0}/ack/v1.NDJ8MXxhQGIuY3wxNzkwMDAwMDAw.AAAA\u{0}\u{0}\u{0}\u{0}".utf8),
                    // Integer query parameters at Int64's edges (the summary's `of` answered 500, #19 review s5).
                    Array("GET\u{0}/api/v1/summary\u{0}period=yearly&of=-9223372036854775808\u{0}\u{0}\u{0}Bearer wpt_abc".utf8),
                    Array("GET\u{0}/api/v1/plays\u{0}limit=9223372036854775807&from=-9223372036854775808\u{0}\u{0}\u{0}Bearer wpt_abc".utf8)]
        case .imap:
            return [Array("From: A <a@example.org>\r\nSubject: Re: [Watchpost] x\r\nMessage-ID: <1@x>\r\nContent-Type: multipart/alternative; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nACK =C4=91=C3=A3 x\r\n> M=C3=A3 x=C3=A1c nh=E1=BA=ADn: v1.abc.def\r\n--b--\r\n".utf8)]
        case .novastar:
            return [[0xAA, 0x55, 0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x01, 0x02, 0x00, 0x00]]
        case .hid:
            return [[0x05, 0x84, 0x09, 0x04, 0xA1, 0x00, 0x09, 0x30, 0x75, 0x10, 0x95, 0x01, 0x15, 0x00, 0x26, 0xFF, 0x7F, 0x67, 0x21, 0xD1, 0xF0, 0x00,
                     0x55, 0x07, 0xB1, 0x02, 0xC0]]
        }
    }
}

enum FuzzTargets {
    /// The configuration reader: bytes → UTF-8 check → INI → every schema, durations, bands, hosts.
    static func configuration(_ bytes: [UInt8]) {
        guard case .success(let text) = INIFile.decode(bytes, path: "fuzz.conf") else { return }
        let ini = INIFile(path: "fuzz.conf", text: text)
        for s in ini.sections {
            // As the loader does: a [check] by its kind's schema, anything else by its type's.
            if let kind = CheckKinds.schema(s.string("kind")) {
                _ = SectionSchema(type: "check", named: true, keys: CheckKinds.commonKeys).validate(s, extraKeys: kind.keys)
                _ = kind.validate(s)
            } else if let global = GlobalSections.all.first(where: { $0.type == s.type }) {
                _ = global.validate(s)
            }
            for e in s.entries {
                _ = Seconds(parsing: e.value)
                _ = parseBand(e.value)
                _ = isValidHost(e.value)
                _ = splitHostPort(e.value)
                _ = CivilDate(parsing: e.key)
                _ = Instant.parse(e.value)
                _ = splitList(e.value).map { DailyWindow(parsing: $0) }
            }
        }
        _ = ConfigurationLoader.templateDiagnostics(text: text, file: "fuzz.txt")
    }

    /// Web requests: query strings and forms, acknowledgement tokens, and the whole application
    /// on a real (temporary) database. Input: method, path, query, body, cookie, authorization,
    /// separated by NUL bytes.
    static func http(_ bytes: [UInt8]) async {
        let parts = bytes.split(separator: 0, maxSplits: 5, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
        func part(_ i: Int) -> String { i < parts.count ? parts[i] : "" }
        let query = parseForm(Array(part(2).utf8))
        _ = parseForm(bytes)
        let token = part(1).split(separator: "/").last.map(String.init) ?? ""
        _ = AckToken.canonicalForm(token)
        _ = AckToken.fingerprint(token)
        _ = try? AckToken.verify(token, key: Array(repeating: 7, count: 32), now: Instant(seconds: 1_790_000_000))
        _ = Base64URL.decode(token)
        guard let app = await FuzzWeb.shared.app() else { return }
        let method = ["GET", "POST", "PUT", "DELETE", "HEAD"][Int(bytes.first ?? 0) % 5]
        var headers: [String: String] = [:]
        if !part(4).isEmpty { headers["Cookie"] = part(4) }
        if !part(5).isEmpty { headers["Authorization"] = part(5) }
        let request = HTTPRequest(method: method, path: part(1).isEmpty ? "/" : part(1), query: query, headers: headers,
                                  body: Array(part(3).utf8), clientAddress: "192.0.2.\(bytes.count % 250)")
        _ = await app.handle(request)
    }

    /// An email reply as fetched over IMAP: MIME parsing and the reply's command and tokens.
    static func imapReply(_ bytes: [UInt8]) {
        let mail = ParsedMail(bytes)
        _ = ReplyParser.parse(mail)
        _ = mail.fromAddress
        _ = mail.header("x-watchpost-site")
    }

    /// NovaStar frames from a controller, byte by byte and in one piece, and the monitoring block.
    static func novaStar(_ bytes: [UInt8]) {
        var whole = FrameDecoder(kind: .response, maxDataLength: 1024)
        whole.append(bytes)
        while let f = whole.next() { _ = f.description; _ = MonitoringBlock(bytes: f.data) }
        var trickle = FrameDecoder(kind: .request, maxDataLength: 64)
        for b in bytes { trickle.append([b]); while let f = trickle.next(pendingWrite: b & 1 == 0) { _ = f.description } }
        _ = MonitoringBlock(bytes: bytes)
        _ = NovaStarNames.firmware(bytes)
    }

    /// A UPS's HID report descriptor, then its fields read from the rest of the input.
    static func hid(_ bytes: [UInt8]) {
        let split = bytes.firstIndex(of: 0xFF).map { $0 } ?? bytes.count
        let descriptor = HIDReportDescriptor.parse(Array(bytes[..<split]))
        let data = Array(bytes[min(split, bytes.count)...])
        for kind in [HIDReportKind.input, .output, .feature] {
            for id in 0...3 {
                for f in descriptor.fields(kind: kind, reportID: UInt8(id)) {
                    if let raw = f.rawValue(in: data) { _ = f.physicalValue(raw: raw) }
                    _ = HIDUsageNames.name(of: f.usage); _ = HIDUnits.baseExponent(of: f.unit)
                }
                _ = descriptor.reportLength(kind: kind, reportID: UInt8(id))
            }
        }
    }
}

/// One web application over a temporary database, made on first use and kept for the run.
actor FuzzWeb {
    static let shared = FuzzWeb()
    private var made: WebApp?
    private var failed = false

    func app() -> WebApp? {
        if let made { return made }
        if failed { return nil }
        let dir = "/tmp/watchpost-fuzz-\(CurrentProcess.id)"
        do {
            try FileSystem.makeDirectories(dir)
            let clock = ManualClock(now: Instant(seconds: 1_790_000_000))
            let store = try Store(path: "\(dir)/fuzz.db", clock: clock)
            let (config, _) = ConfigurationLoader.validate(root: dir)
            let app = WebApp(store: store, desk: nil, configuration: config, settings: WebSettings(), linkKey: Array(repeating: 7, count: 32),
                             clock: clock, logger: Logger(sink: DiscardingLogSink(), clock: clock))
            made = app
            return app
        } catch {
            failed = true
            return nil
        }
    }
}

/// Log lines of the fuzzed application go nowhere.
struct DiscardingLogSink: LogSink {
    func write(line: String) {}
}

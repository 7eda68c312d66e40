// Helpers for the mail tests: temporary folders, child processes (the SMTP sink built on
// Debian's aiosmtpd, dovecot, the watchpost daemon), a test CA made with the openssl CLI.
import Testing
import WatchpostCore
import WatchpostConfig
import WatchpostStore
import WatchpostMail
import Curl
import Posix
import Glibc

let packageRoot: String = {
    var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
    parts.removeLast(3)
    return parts.joined(separator: "/")
}()
let binDir: String = CurrentProcess.environment("WATCHPOST_BIN_DIR") ?? "\(packageRoot)/.build/debug"
let debianPython = "/usr/bin/python3"

@discardableResult
func shell(_ cmd: String) -> (Int32, String) {
    guard let f = popen(cmd + " 2>&1", "r") else { return (-1, "") }
    var out = [UInt8]()
    var buf = [UInt8](repeating: 0, count: 4096)
    while true {
        let n = fread(&buf, 1, buf.count, f)
        if n <= 0 { break }
        out += buf[0..<n]
    }
    let status = pclose(f)
    return ((status >> 8) & 0xff, String(decoding: out, as: UTF8.self))
}

func tempDir(_ prefix: String) -> String {
    var template = Array("/tmp/\(prefix)-XXXXXX".utf8CString)
    return template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)) }
}

/// A free TCP port on 127.0.0.1 (bound and released; the race is harmless in tests).
func freePort() -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    addr.sin_port = 0
    _ = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
    var len = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
    return Int(UInt16(bigEndian: addr.sin_port))
}

func canConnect(_ port: Int) -> Bool {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    addr.sin_port = UInt16(port).bigEndian
    return withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } } == 0
}

func eventually(_ seconds: Double, _ condition: () -> Bool) -> Bool {
    let end = monotonicNanoseconds() + UInt64(seconds * 1e9)
    while monotonicNanoseconds() < end {
        if condition() { return true }
        usleep(50_000)
    }
    return condition()
}

/// Starts a program in the background with output to `log`.
func spawn(_ path: String, _ args: [String], log: String) throws -> pid_t {
    var pid: pid_t = 0
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_APPEND, 0o644)
    posix_spawn_file_actions_addopen(&actions, 2, log, O_WRONLY | O_CREAT | O_APPEND, 0o644)
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    let argv = ([path] + args).map { strdup($0) } + [nil]
    defer { argv.forEach { free($0) } }
    let rc = posix_spawn(&pid, path, &actions, nil, argv, environ)
    posix_spawn_file_actions_destroy(&actions)
    try #require(rc == 0, "cannot start \(path): \(rc)")
    return pid
}

func stop(_ pid: pid_t, signal sig: Int32 = SIGTERM) {
    kill(pid, sig)
    var status: Int32 = 0
    let end = monotonicNanoseconds() + 3_000_000_000
    while monotonicNanoseconds() < end {
        if waitpid(pid, &status, WNOHANG) == pid { return }
        usleep(10_000)
    }
    kill(pid, SIGKILL)
    waitpid(pid, &status, 0)
}

/// scripts/mail-sink.py (aiosmtpd) on a loopback port, saving messages under `dir`.
final class MailSink {
    let port: Int
    let dir: String
    let pid: pid_t
    let log: String

    init(port: Int? = nil, dir: String, arguments: [String] = [], waitReady: Bool = true) throws {
        self.port = port ?? freePort()
        self.dir = dir
        log = "\(dir).log"
        pid = try spawn(debianPython, ["\(packageRoot)/scripts/mail-sink.py", "--listen", "127.0.0.1:\(self.port)", "--dir", dir] + arguments, log: log)
        if waitReady {
            let port = self.port, log = self.log
            try #require(eventually(15) { canConnect(port) }, "mail sink did not start: \((try? FileSystem.readText(log)) ?? "")")
        }
    }

    /// Saved messages, oldest first.
    var messages: [[UInt8]] {
        let files = ((try? FileSystem.listDirectory(dir)) ?? []).filter { $0.hasSuffix(".eml") }.sorted()
        return files.compactMap { try? FileSystem.readText("\(dir)/\($0)") }.map { Array($0.utf8) }
    }

    func stopNow() { stop(pid, signal: SIGKILL) }
    deinit { stop(pid, signal: SIGKILL) }
}

/// A throw-away CA and a server certificate for 127.0.0.1 / localhost, made with openssl.
struct TestCA {
    let dir: String
    var caFile: String { "\(dir)/ca.pem" }
    var certFile: String { "\(dir)/server.pem" }
    var keyFile: String { "\(dir)/server.key" }

    init() throws {
        dir = tempDir("wp-ca")
        let (rc, out) = shell("""
            cd '\(dir)' && \
            openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 -subj '/CN=Watchpost Test CA' && \
            openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj '/CN=localhost' && \
            printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\\n' > san.ext && \
            openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem -days 2 -extfile san.ext
            """)
        try #require(rc == 0, "openssl failed: \(out)")
    }
}

/// The shipped alerts/ and probes/ with a watchpost.conf for mail tests.
struct MailTestConfig {
    let dir: String

    init(smtpPort: Int, extraSMTP: String = "insecure = true", mail: String = "group_window = 0s\nretry_initial = 1s\nretry_max = 2s",
         imap: String? = nil, linkKey: String = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef") throws {
        dir = tempDir("wp-mailcfg")
        // The shipped contacts, chains and templates; the Tây Trang site with one check that is
        // always OK, so that the incident engine queues nothing of its own during the test.
        let (rc, out) = shell("cp -r '\(packageRoot)/alerts' '\(dir)/' && mkdir -p '\(dir)/probes/tay-trang' && cp '\(packageRoot)/probes/tay-trang/site.conf' '\(packageRoot)/probes/tay-trang/schedule.conf' '\(dir)/probes/tay-trang/'")
        try #require(rc == 0, "\(out)")
        try FileSystem.writeAtomically("\(dir)/probes/tay-trang/checks.conf", "[check alive]\nkind = exec\ncommand = /bin/true\ninterval = 30s\n")
        try FileSystem.writeAtomically("\(dir)/watchpost.conf", """
            [daemon]
            database = var/watchpost.db
            secrets = secrets.conf
            heartbeat_interval = 5s

            [smtp]
            host = 127.0.0.1
            port = \(smtpPort)
            from = watchpost@taytrang.example.org
            from_name = Giám sát Cụm TTĐN Tây Trang
            timeout = 3s
            connect_timeout = 2s
            \(extraSMTP)

            [mail]
            \(mail)
            \(imap.map { "\n[imap]\n" + $0 } ?? "")
            """)
        try FileSystem.writeAtomically("\(dir)/secrets.conf", "[web]\nlink_key = \(linkKey)\n\n[imap]\npassword = secret\n", mode: 0o600)
    }

    func load() throws -> (WatchpostConfiguration, MailSettings) {
        let config = try ConfigurationLoader.load(root: dir)
        let secrets = try Secrets.load(file: config.daemon.secretsFile)
        let settings = try #require(try MailSettings.from(config, secrets: secrets))
        return (config, settings)
    }

    func cleanup() { shell("rm -rf '\(dir)'") }
}

func request(_ key: String, to address: String, name: String = "Đồn Biên phòng Tây Trang", incident: Int64? = 42, event: NotificationRequest.Event = .triggered,
             at: Instant, check: String = "led-controller", summary: String = "Mất kết nối bộ điều khiển LED") -> NotificationRequest {
    NotificationRequest(key: key, event: event, site: "tay-trang", incidentID: incident, checkID: check, level: 1,
                        recipient: NotificationRecipient(address: address, displayName: name, contactID: "test"), template: event.rawValue,
                        fields: ["check": check, "check_name": "Bộ điều khiển LED", "status": "CRITICAL", "status_vi": "NGHIÊM TRỌNG",
                                 "summary": summary, "since": "07:30", "category": "technical", "category_vi": "Sự cố kỹ thuật",
                                 "action": "Kiểm tra nguồn điện", "action_en": "Check the power", "notified": "Kỹ thuật"],
                        createdAt: at)
}

/// Decodes a header with Python's own email library: an independent check of RFC 2047.
func pythonDecodedHeader(_ message: [UInt8], _ name: String) throws -> String {
    let dir = tempDir("wp-py")
    defer { shell("rm -rf '\(dir)'") }
    try FileSystem.writeAtomically("\(dir)/m.eml", String(decoding: message, as: UTF8.self))
    let (rc, out) = shell("\(debianPython) -c \"import email,email.policy,sys; m=email.message_from_binary_file(open('\(dir)/m.eml','rb'),policy=email.policy.default); sys.stdout.write(str(m['\(name)']))\"")
    try #require(rc == 0, "\(out)")
    return out
}

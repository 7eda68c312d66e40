// Helpers for the mail tests: a test CA made with the openssl CLI, a configuration with the
// shipped alerts, notification requests. Folders, ports, processes and the SMTP sink come from
// WatchpostTestSupport.
import Testing
import WatchpostCore
import WatchpostConfig
import WatchpostStore
import WatchpostMail
import Curl
import Posix
import Glibc
import WatchpostTestSupport

let packageRoot = TestPaths.packageRoot

/// A throw-away CA and a server certificate for 127.0.0.1 / localhost, made with openssl.
struct TestCA {
    let dir: String
    var caFile: String { "\(dir)/ca.pem" }
    var certFile: String { "\(dir)/server.pem" }
    var keyFile: String { "\(dir)/server.key" }

    init() async throws {
        try requireTool("openssl", debianPackage: "openssl")
        dir = try makeTemporaryFolder("wp-ca")
        let (rc, out) = await shell("""
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

    init(smtpPort: Int, smtpTimeout: String = "3s", smtpConnectTimeout: String = "2s", extraSMTP: String = "insecure = true", mail: String = "group_window = 0s\nretry_initial = 1s\nretry_max = 2s",
         imap: String? = nil, linkKey: String = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef") async throws {
        dir = try makeTemporaryFolder("wp-mailcfg")
        // The shipped contacts, chains and templates; the Tây Trang site with one check that is
        // always OK, so that the incident engine queues nothing of its own during the test.
        try await copyShippedSites(["tay-trang"], into: dir)
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
            timeout = \(smtpTimeout)
            connect_timeout = \(smtpConnectTimeout)
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

    func cleanup() { removeTree(dir) }
}

func request(_ key: String, to address: String, name: String = "Đồn Biên phòng Tây Trang", incident: Int64? = 42, event: NotificationRequest.Event = .triggered,
             at: Instant, check: String = "led-controller", summary: String = "Mất kết nối bộ điều khiển LED") -> NotificationRequest {
    NotificationRequest(key: key, event: event, site: "tay-trang", incidentID: incident, checkID: check, level: 1,
                        recipient: NotificationRecipient(address: address, displayName: name, contactID: "test"), template: event.rawValue,
                        fields: ["check": check, "check_name": "Bộ điều khiển LED", "status": "CRITICAL", "status_vi": "NGHIÊM TRỌNG",
                                 "summary": summary, "since": "07:30", "category": "technical", "category_vi": "Sự cố kỹ thuật",
                                 "action": "Kiểm tra nguồn điện", "action_en": "Check the power", "notified": "Kỹ thuật", "resolved_what": summary],
                        createdAt: at)
}

/// Decodes a header with Python's own email library: an independent check of RFC 2047.
func pythonDecodedHeader(_ message: [UInt8], _ name: String) async throws -> String {
    let python = try await debianPython()
    let dir = try makeTemporaryFolder("wp-py")
    defer { removeTree(dir) }
    try FileSystem.writeAtomically("\(dir)/m.eml", String(decoding: message, as: UTF8.self))
    let (rc, out) = await shell("\(python) -c \"import email,email.policy,sys; m=email.message_from_binary_file(open('\(dir)/m.eml','rb'),policy=email.policy.default); sys.stdout.write(str(m['\(name)']))\"")
    try #require(rc == 0, "\(out)")
    return out
}

/// A person's reply to a Watchpost notice, as a mail client writes it: `body` first, then the
/// original (`text`, its decoded plain text) quoted under an attribution line.
func replyMail(from: String, id: String, subject: String, inReplyTo: String, body: String, quoting text: String) -> String {
    let quoted = text.split(separator: "\n", omittingEmptySubsequences: false).map { "> " + $0 }.joined(separator: "\n")
    return """
        From: Trực ban <\(from)>
        To: watchpost@taytrang.example.org
        Subject: Re: \(MIME.encodeWords(subject))
        Message-ID: <\(id)@mail.example.org>
        In-Reply-To: <\(inReplyTo)>
        Content-Type: text/plain; charset=utf-8
        Content-Transfer-Encoding: 8bit

        \(body)

        Vào lúc 07:50, Watchpost đã viết:
        \(quoted)
        """
}

import WatchpostCore
import Posix

/// Secrets (SMTP and IMAP passwords, the link-signing key). They live in a file of their own that
/// must be readable by its owner only (mode 0600), or in environment variables. A `Secrets` value
/// never prints its contents: its description names only which secrets are present.
public struct Secrets: Sendable, CustomStringConvertible {
    public enum Name: String, Sendable, CaseIterable {
        case smtpPassword = "smtp.password"
        case imapPassword = "imap.password"
        case linkKey = "web.link_key"

        public var environmentVariable: String {
            switch self {
            case .smtpPassword: return "WATCHPOST_SMTP_PASSWORD"
            case .imapPassword: return "WATCHPOST_IMAP_PASSWORD"
            case .linkKey: return "WATCHPOST_LINK_KEY"
            }
        }
    }

    private var values: [Name: String]
    /// Read-only API tokens of the boxes a console reads, by `[remote ID]` (issue #17 point 4).
    private var remoteTokens: [String: String]

    public init(values: [Name: String] = [:], remoteTokens: [String: String] = [:]) {
        self.values = values
        self.remoteTokens = remoteTokens
    }

    /// The secret itself. Call it only where the secret is used (handing it to libcurl, keying an HMAC).
    public func reveal(_ name: Name) -> String? { values[name] }

    /// The API token of box `id` (`[remote ID] token = …`); call it only where the request is made.
    public func revealRemoteToken(_ id: String) -> String? { remoteTokens[id] }

    public var description: String {
        "Secrets(" + (Name.allCases.filter { values[$0] != nil }.map(\.rawValue) + remoteTokens.keys.sorted().map { "remote.\($0).token" })
            .joined(separator: ", ") + "; values redacted)"
    }

    static let schema = SectionSchema(type: "", keys: [])

    /// Reads the file (when given) and then the environment, which wins. Refuses a file that
    /// group or others can read, saying why and how to fix it.
    public static func load(file: String?, environment: ((String) -> String?)? = nil) throws(WatchpostError) -> Secrets {
        let environment = environment ?? { CurrentProcess.environment($0) }
        var values: [Name: String] = [:]
        var remoteTokens: [String: String] = [:]
        if let file, FileSystem.exists(file) {
            let mode: UInt32?
            do { mode = try FileSystem.mode(of: file) } catch {
                throw WatchpostError(.secrets, Message("secrets.unreadable", ["file": .text(file), "reason": .text(error.reason)]))
            }
            if let mode, mode & 0o077 != 0 {
                let octal = String(mode, radix: 8)
                throw WatchpostError(.secrets, Message("secrets.mode", ["file": .text(file), "mode": .text(octal)]),
                                     hint: Message("secrets.hint.chmod", ["file": .text(file)]))
            }
            // Owned by whoever runs Watchpost (or root): a file another account owns can be
            // rewritten by that account whatever its mode.
            let me = CurrentProcess.userID
            if let owner = FileSystem.owner(of: file), owner != me, owner != 0 {
                throw WatchpostError(.secrets, Message("secrets.owner", ["file": .text(file), "owner": .int(Int64(owner)), "me": .int(Int64(me))]),
                                     hint: Message("secrets.hint.chown", ["file": .text(file), "me": .int(Int64(me))]))
            }
            let text: String
            switch ConfigurationLoader.readBounded(file, file: file) {
            case .success(let t): text = t
            case .failure(let d):
                throw WatchpostError(.secrets, Message("secrets.file_problem", ["file": .text(file), "problem": d.text.map { .message($0) } ?? .text(d.message)]))
            }
            let ini = INIFile(path: file, text: text)
            // Line number only: the text of a malformed line may be a secret (a password pasted
            // without its `password =`), and this message reaches the terminal and the log.
            if let d = ini.diagnostics.first {
                throw WatchpostError(.secrets, Message("secrets.malformed_line", ["file": .text(file), "line": .int(Int64(d.line))]),
                                     hint: Message("secrets.hint.fix_line", ["file": .text(file), "line": .int(Int64(d.line))]))
            }
            for s in ini.sections {
                for e in s.entries {
                    if s.type == "remote", let id = s.name, e.key == "token" {
                        remoteTokens[id] = e.value
                        continue
                    }
                    guard let name = Name(rawValue: "\(s.type).\(e.key)") else {
                        // The value is never echoed: only the key's place.
                        let known = (Name.allCases.map(\.rawValue) + ["[remote ID] token"]).joined(separator: ", ")
                        throw WatchpostError(.secrets, Message("secrets.unknown", ["file": .text(file), "line": .int(Int64(e.line)),
                                                                                 "name": .text("\(s.type).\(e.key)"), "known": .text(known)]))
                    }
                    values[name] = e.value
                }
            }
        }
        for n in Name.allCases { if let v = environment(n.environmentVariable), !v.isEmpty { values[n] = v } }
        let secrets = Secrets(values: values, remoteTokens: remoteTokens)
        if let problem = secrets.weakness(file: file) { throw problem }
        return secrets
    }

    /// The link key of secrets.conf.example: public, so anyone could sign acknowledgements with it.
    public static let exampleLinkKey = "change-me-to-64-random-hex-characters"
    /// The smallest link-key strength accepted, in bits (HMAC-SHA-256's own strength).
    public static let linkKeyBits = 256

    /// A placeholder or a guessable link key, as an error naming the fix; nil when all are fine.
    func weakness(file: String?) -> WatchpostError? {
        let place: MessageValue = file.map { .text($0) } ?? .message(Message("secrets.place.environment"))
        for n in [Name.smtpPassword, .imapPassword] {
            if let v = values[n], v.lowercased().hasPrefix("change-me") {
                return WatchpostError(.secrets, Message("secrets.placeholder_password", ["name": .text(n.rawValue), "place": place]),
                                      hint: Message("secrets.hint.password", ["variable": .text(n.environmentVariable)]))
            }
        }
        if let key = values[.linkKey] {
            if key == Self.exampleLinkKey || key.lowercased().hasPrefix("change-me") {
                return WatchpostError(.secrets, Message("secrets.placeholder_link_key", ["place": place]), hint: Message("secrets.hint.link_key"))
            }
            let bits = Self.estimatedBits(key)
            if bits < Self.linkKeyBits {
                return WatchpostError(.secrets, Message("secrets.weak_link_key", ["place": place, "bits": .int(Int64(bits)), "needed": .int(Int64(Self.linkKeyBits))]),
                                      hint: Message("secrets.hint.link_key"))
            }
        }
        return nil
    }

    /// A deliberately cautious estimate of a key's strength: each character counts for the size of
    /// the smallest alphabet that spells the key (hex 4 bits, base64 6, anything else ~6.5), and a
    /// key repeating a handful (fewer than 10) of distinct characters counts only those.
    /// Why 10 and not 16: 64 random hex digits (`openssl rand -hex 32`, what the hint tells the
    /// user to run) miss at least one of the 16 digits about one time in four, so "fewer than 16"
    /// refused a quarter of truly random keys; fewer than 10 distinct happens to a random 64-digit
    /// key about once in 10¹², while "aaaa…" or "password-password…" (8 distinct) still count low.
    static func estimatedBits(_ key: String) -> Int {
        let bytes = Array(key.utf8)
        guard !bytes.isEmpty else { return 0 }
        let isHex = bytes.allSatisfy { ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 102) || ($0 >= 65 && $0 <= 70) }
        let isAlnum = bytes.allSatisfy { ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 122) || ($0 >= 65 && $0 <= 90) || $0 == 45 || $0 == 95 || $0 == 43 || $0 == 47 || $0 == 61 }
        var alphabet = isHex ? 16.0 : isAlnum ? 64.0 : 94.0
        // A key built from a handful of characters ("password-password…", "aaaa…") counts only those.
        let distinct = Double(Set(bytes).count)
        if distinct < 10 { alphabet = min(alphabet, max(2, distinct)) }
        // log2 from below (linear between powers of two): the estimate never flatters a key.
        var bitsPerCharacter = 0.0, rest = alphabet
        while rest >= 2 { rest /= 2; bitsPerCharacter += 1 }
        bitsPerCharacter += rest - 1
        return Int(Double(bytes.count) * bitsPerCharacter)
    }
}

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

    public init(values: [Name: String] = [:]) { self.values = values }

    /// The secret itself. Call it only where the secret is used (handing it to libcurl, keying an HMAC).
    public func reveal(_ name: Name) -> String? { values[name] }

    public var description: String {
        "Secrets(" + Name.allCases.filter { values[$0] != nil }.map(\.rawValue).joined(separator: ", ") + "; values redacted)"
    }

    static let schema = SectionSchema(type: "", keys: [])

    /// Reads the file (when given) and then the environment, which wins. Refuses a file that
    /// group or others can read, saying why and how to fix it.
    public static func load(file: String?, environment: ((String) -> String?)? = nil) throws(WatchpostError) -> Secrets {
        let environment = environment ?? { CurrentProcess.environment($0) }
        var values: [Name: String] = [:]
        if let file, FileSystem.exists(file) {
            let mode: UInt32?
            do { mode = try FileSystem.mode(of: file) } catch {
                throw WatchpostError(.secrets, "cannot read secrets file \(file): \(error.reason)")
            }
            if let mode, mode & 0o077 != 0 {
                let octal = String(mode, radix: 8)
                throw WatchpostError(.secrets, "secrets file \(file) has mode \(octal); it must be readable by its owner only",
                                     hint: "run: chmod 600 \(file)")
            }
            let text: String
            do { text = try FileSystem.readText(file) } catch {
                throw WatchpostError(.secrets, "cannot read secrets file \(file): \(error.reason)")
            }
            let ini = INIFile(path: file, text: text)
            if let d = ini.diagnostics.first { throw WatchpostError(.secrets, d.description) }
            for s in ini.sections {
                for e in s.entries {
                    guard let name = Name(rawValue: "\(s.type).\(e.key)") else {
                        // The value is never echoed: only the key's place.
                        let known = Name.allCases.map(\.rawValue).joined(separator: ", ")
                        throw WatchpostError(.secrets, "\(file):\(e.line): \(s.type).\(e.key): unknown secret (known: \(known))")
                    }
                    values[name] = e.value
                }
            }
        }
        for n in Name.allCases { if let v = environment(n.environmentVariable), !v.isEmpty { values[n] = v } }
        return Secrets(values: values)
    }
}

// The environment plugins and responder commands start with: PATH, LANG and TZ, plus the
// variables their own section names in `environment = NAME, NAME`. Never the daemon's whole
// environment, which may hold WATCHPOST_LINK_KEY and the mail passwords (the README allows
// secrets there), and never a WATCHPOST_* secret even when a section names it.
import WatchpostCore
import WatchpostConfig
import Posix

public enum ChildEnvironment {
    static let defaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

    /// `NAME=value` entries for a child started for `section`.
    public static func minimal(for section: ConfigSection?, lookup: (String) -> String? = { CurrentProcess.environment($0) }) -> [String] {
        var out = ["PATH=\(lookup("PATH") ?? defaultPath)", "LANG=\(lookup("LANG") ?? "C.UTF-8")"]
        if let tz = lookup("TZ") { out.append("TZ=\(tz)") }
        for name in section?.list("environment") ?? [] where isPassable(name) {
            if let v = lookup(name) { out.append("\(name)=\(v)") }
        }
        return out
    }

    /// A variable a section may pass on: a plain name, not one already set, not a secret.
    public static func isPassable(_ name: String) -> Bool {
        !name.isEmpty && !name.hasPrefix("WATCHPOST_") && !["PATH", "LANG", "TZ"].contains(name)
            && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }
    }
}

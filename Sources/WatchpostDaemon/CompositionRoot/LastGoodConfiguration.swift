// The last configuration that loaded, kept as a copy so that a box whose configuration on disk
// got broken (a bad edit, a half-copied folder) still starts and monitors — loudly — instead of
// looping in systemd's restarts while nothing is watched.
import WatchpostCore
import WatchpostConfig
import Posix

public struct LastGoodConfiguration: Sendable {
    /// `<state>/last-good`: systemd's `$STATE_DIRECTORY` (StateDirectory=watchpost →
    /// /var/lib/watchpost) when set, else `<configuration>/var`.
    public let directory: String

    public init(directory: String) { self.directory = directory }

    public static func forConfiguration(root: String, stateDirectory: String? = CurrentProcess.environment("STATE_DIRECTORY")) -> LastGoodConfiguration {
        // systemd may list several directories separated by colons; the first is ours.
        let state = stateDirectory.flatMap { $0.split(separator: ":").first.map(String.init) }
        return LastGoodConfiguration(directory: "\(state ?? "\(root)/var")/last-good")
    }

    /// The state folder holding `last-good/`.
    public var stateDirectory: String {
        guard let slash = directory.lastIndex(of: "/") else { return "." }
        return String(directory[..<slash])
    }

    /// Link keys replaced at earlier reloads (newest first), kept 0600 beside the copy so that
    /// links already sent stay valid across a restart too.
    public func previousLinkKeys() -> [String] {
        ((try? FileSystem.readText("\(stateDirectory)/previous-link-keys")) ?? "").split(separator: "\n").map(String.init).filter { !$0.isEmpty }
    }

    public func savePreviousLinkKeys(_ keys: [String]) throws(SystemError) {
        try FileSystem.makeDirectories(stateDirectory, mode: 0o750)
        try FileSystem.writeAtomically("\(stateDirectory)/previous-link-keys", keys.joined(separator: "\n") + "\n", mode: 0o600)
    }

    public var exists: Bool { FileSystem.exists("\(directory)/watchpost.conf") }

    /// When the copy was written (its marker file's content), for the log.
    public var savedAt: String { (try? FileSystem.readText("\(directory)/SAVED"))?.trimmingWhitespace() ?? "unknown" }

    /// Copies `watchpost.conf`, `probes/`, `alerts/` and the secrets file (kept 0600) of a
    /// configuration that has just loaded, replacing the previous copy in one rename.
    public func save(_ loaded: LoadedConfiguration, root: String, at now: Instant) throws(SystemError) {
        let fresh = directory + ".new"
        let old = directory + ".old"
        FileSystem.removeTree(fresh)
        try FileSystem.makeDirectories(stateDirectory, mode: 0o750)
        try FileSystem.makeDirectories(fresh, mode: 0o700)
        try Self.copy("\(root)/watchpost.conf", to: "\(fresh)/watchpost.conf")
        for dir in ["probes", "alerts"] where FileSystem.isDirectory("\(root)/\(dir)") {
            try Self.copyTree("\(root)/\(dir)", to: "\(fresh)/\(dir)")
        }
        if let secrets = loaded.configuration.daemon.secretsFile, FileSystem.exists(secrets) {
            try Self.copy(secrets, to: "\(fresh)/secrets.conf", mode: 0o600)
        }
        try FileSystem.writeAtomically("\(fresh)/SAVED", "\(now.description)\n", mode: 0o600)
        FileSystem.removeTree(old)
        if FileSystem.exists(directory) { try FileSystem.rename(directory, to: old) }
        try FileSystem.rename(fresh, to: directory)
        FileSystem.removeTree(old)
    }

    /// Loads the copy; paths in it still mean the real configuration folder. Its own copy of the
    /// secrets stands in when the secrets file on disk does not load.
    public func load(root: String) -> Result<LoadedConfiguration, ConfigurationProblems> {
        switch CompositionRoot.load(root: root, source: directory) {
        case .success(let l): return .success(l)
        case .failure(let problems):
            let config: WatchpostConfiguration
            do { config = try ConfigurationLoader.load(root: root, source: directory) } catch { return .failure(problems) }
            do {
                let secrets = try Secrets.load(file: "\(directory)/secrets.conf")
                return .success(LoadedConfiguration(configuration: config, secrets: secrets))
            } catch {
                return .failure(problems)
            }
        }
    }

    static func copy(_ from: String, to: String, mode: UInt32? = nil) throws(SystemError) {
        let text = try FileSystem.readText(from)
        var bits: UInt32 = 0o600
        if let mode { bits = mode } else if let m = try FileSystem.mode(of: from) { bits = m }
        try FileSystem.writeAtomically(to, text, mode: bits)
    }

    static func copyTree(_ from: String, to: String) throws(SystemError) {
        try FileSystem.makeDirectories(to, mode: 0o700)
        for name in try FileSystem.listDirectory(from) {
            let path = "\(from)/\(name)"
            if FileSystem.isDirectory(path) { try copyTree(path, to: "\(to)/\(name)") } else { try copy(path, to: "\(to)/\(name)") }
        }
    }
}

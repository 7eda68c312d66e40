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

    /// Files outside the configuration folder's text that the daemon needs to start, named by
    /// `[section] key`: the web server's TLS pair. A copy of the configuration text alone did not
    /// start when the certificate was renewed without its key (#21 review s7): the copy named the
    /// same mismatched files. Each is kept beside the copy (`files/<section>.<key>`, mode 0600)
    /// and the copy, when loaded, names the kept file instead.
    ///
    /// Chosen over starting the configuration on disk without the service that cannot be built:
    /// without its web server (or its mail, for an [smtp] user without a password) the box would
    /// run with no acknowledgement links, no board, no /metrics or no alerts at all, and a service
    /// reported unhealthy stops the systemd watchdog's feed, so systemd would restart it in a
    /// loop. The last good copy runs every service as it last ran, and says so at every start.
    /// The price: the kept certificate may be older than the renewed one on disk (it may even
    /// have expired); browsers say so, and the log and systemd's STATUS say why.
    static let startFiles: [(section: String, key: String)] = [("web", "tls_certificate"), ("web", "tls_key")]

    /// Copies `watchpost.conf`, `probes/`, `alerts/`, the secrets file and the files of
    /// `startFiles` (kept 0600) of a configuration that has just loaded and started, replacing the
    /// previous copy in one rename.
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
        for (section, key) in Self.startFiles {
            guard let named = loaded.configuration.section(section)?.value(key) else { continue }
            try FileSystem.makeDirectories("\(fresh)/files", mode: 0o700)
            try Self.copy(named.hasPrefix("/") ? named : "\(loaded.configuration.root)/\(named)", to: "\(fresh)/files/\(section).\(key)", mode: 0o600)
        }
        try FileSystem.writeAtomically("\(fresh)/SAVED", "\(now.description)\n", mode: 0o600)
        FileSystem.removeTree(old)
        if FileSystem.exists(directory) { try FileSystem.rename(directory, to: old) }
        try FileSystem.rename(fresh, to: directory)
        FileSystem.removeTree(old)
    }

    /// Loads the copy; paths in it still mean the real configuration folder, except the files of
    /// `startFiles`, which name the copy's own. Its own copy of the secrets stands in when the
    /// secrets file on disk does not load.
    public func load(root: String) -> Result<LoadedConfiguration, ConfigurationProblems> {
        loadText(root: root).map(namingKeptFiles)
    }

    /// The configuration with each `startFiles` entry naming the copy's file, when one was kept.
    func namingKeptFiles(_ loaded: LoadedConfiguration) -> LoadedConfiguration {
        var l = loaded
        let root = l.configuration.root
        for (section, key) in Self.startFiles {
            let kept = "\(directory)/files/\(section).\(key)"
            guard FileSystem.exists(kept), let s = l.configuration.globalSections.firstIndex(where: { $0.type == section }),
                  let e = l.configuration.globalSections[s].entries.lastIndex(where: { $0.key == key }) else { continue }
            // A relative path in the configuration means one under its folder.
            let prefix = root.hasSuffix("/") ? root : root + "/"
            l.configuration.globalSections[s].entries[e].value = kept.hasPrefix("/") || !kept.hasPrefix(prefix) ? kept : String(kept.dropFirst(prefix.count))
        }
        return l
    }

    /// The copy as written: its watchpost.conf, probes/ and alerts/, and the secrets.
    func loadText(root: String) -> Result<LoadedConfiguration, ConfigurationProblems> {
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

// The `[remote ID]` sections of watchpost.conf: the other boxes a Department's console watches
// (issue #17 point 4; Tây Trang Điều 8.2: the Department consolidates the operating units'
// yearly reports). Each names a box's base URL; the box's read-only API token is a secret, kept
// in the secrets file under the same `[remote ID]` heading (`token = …`), never here.
import WatchpostCore

extension GlobalSections {
    public static let remote = SectionSchema(type: "remote", named: true, keys: [
        KeySpec("url", .custom("URL", { v in
            (v.hasPrefix("http://") || v.hasPrefix("https://")) && !v.contains(" ") ? nil : Message("config.url.remote_scheme", ["value": .text(v)])
        }), required: true, help: "base URL of the box's web server, e.g. https://tay-trang.example.vn:8443"),
        KeySpec("name", .nonEmpty, help: "how the board names the box (default: its ID)"),
        KeySpec("poll", .duration(min: .seconds(1), max: .hours(24)), help: "how often the box's API is read (default 5m)"),
        KeySpec("timeout", .duration(min: Seconds(milliseconds: 200), max: .minutes(5)), help: "deadline of one fetch from this box (default 20s); an unreachable box never holds up the others"),
        KeySpec("ca_file", .nonEmpty, help: "PEM certificate authority for the box's HTTPS certificate (default: the system's)"),
        KeySpec("verify_tls", .boolean, help: "check the box's certificate (default true)"),
    ])
}

/// One box the console reads.
public struct RemoteBox: Sendable, Hashable {
    public var id: String
    public var name: String
    /// Base URL without a trailing slash.
    public var url: String
    public var poll: Seconds
    public var timeout: Seconds
    public var caFile: String?
    public var verifyTLS: Bool

    public init(id: String, name: String, url: String, poll: Seconds, timeout: Seconds, caFile: String?, verifyTLS: Bool) {
        self.id = id; self.name = name; self.url = url; self.poll = poll; self.timeout = timeout; self.caFile = caFile; self.verifyTLS = verifyTLS
    }
}

extension WatchpostConfiguration {
    /// The `[remote ID]` sections, in file order.
    public var remotes: [RemoteBox] {
        globalSections.filter { $0.type == "remote" }.compactMap { s in
            guard let id = s.name else { return nil }
            var url = s.string("url")
            while url.hasSuffix("/") { url.removeLast() }
            let ca = s.value("ca_file").map { $0.hasPrefix("/") ? $0 : "\(root)/\($0)" }
            return RemoteBox(id: id, name: s.string("name", default: id), url: url, poll: s.duration("poll", default: .minutes(5)),
                             timeout: s.duration("timeout", default: .seconds(20)), caFile: ca, verifyTLS: s.bool("verify_tls", default: true))
        }
    }
}

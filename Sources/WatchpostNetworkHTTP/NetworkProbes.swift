// The factory of the network checks (`icmp`, `tcp`, `http`): here beside HTTPProbe, which needs libcurl;
// ICMP and TCP come from WatchpostNetwork, which links no C library.
import WatchpostCore
import WatchpostConfig
import WatchpostNetwork

/// Builds the probe for a network check kind (`icmp`, `tcp`, `http`); nil for other kinds.
public enum NetworkProbes {
    public static let kinds: Set<String> = ["icmp", "tcp", "http"]

    /// `root` is the configuration folder (relative `ca_file` paths start there).
    public static func make(_ check: CheckDefinition, root: String) -> (any Probe)? {
        switch check.kind {
        case "icmp": return ICMPProbe(check: check)
        case "tcp": return TCPProbe(check: check)
        case "http": return HTTPProbe(check: check, root: root)
        default: return nil
        }
    }
}

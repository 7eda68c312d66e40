// What the monthly reports count as a content violation (issue 16, point 5): a security incident
// with at least one security-relevant content or player finding — content the Department did not
// approve, altered, or no valid approval at all. An offline player, an unreachable media share, an
// unreadable file or an expired approval (the Department's own renewal, routed to it as a
// technical matter) is not one. One rule for the uptime report (the store's incident facts) and the content figures
// (WatchpostBroadcast), so the two never disagree.

public enum ContentViolation {
    /// The content (`content.*`, WatchpostContent) and player (`player.*`, WatchpostPlayer) finding
    /// codes their probes mark security-relevant. The content tests check this list against what
    /// the probes emit.
    public static let findingCodes: Set<String> = [
        "content.unexpected-file", "content.modified-file", "content.missing-file", "content.symlink-escape",
        "content.changed-while-hashing", "content.signature-invalid", "content.manifest-missing",
        "content.manifest-malformed", "content.manifest-not-yet-valid", "content.manifest-replayed",
        "player.unapproved-item", "player.modified-item",
    ]

    /// What an unreachable media share (`content.folder-unavailable`) brings along: the manifest
    /// and files cannot be read because the folder is not there, not because anyone changed them.
    static let followShareUnavailable: Set<String> = [
        "content.manifest-missing", "content.missing-file", "content.unreadable-file", "content.changed-while-hashing",
    ]

    public static func isViolation(category: IncidentCategory, findingCodes codes: [String]) -> Bool {
        // Review of #16, session 5 (D3): an unmounted share counted as a content violation.
        let shareUnavailable = codes.contains("content.folder-unavailable")
        return category == .security && codes.contains { findingCodes.contains($0) && !(shareUnavailable && followShareUnavailable.contains($0)) }
    }
}

/// A month "2026-12" as people write it: "12/2026" (anything else unchanged).
public func monthForPeople(_ month: String) -> String {
    let parts = month.split(separator: "-")
    guard parts.count == 2, parts[0].count == 4, parts[1].count == 2 else { return month }
    return "\(parts[1])/\(parts[0])"
}

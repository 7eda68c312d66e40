// What the monthly reports count as a content violation (issue 16, point 5): a security incident
// with at least one security-relevant content or player finding — content the Department did not
// approve, altered, or no valid approval at all. An offline player, an unreachable media share or
// an expired approval (the Department's own renewal, routed to it as a technical matter) is not
// one. One rule for the uptime report (the store's incident facts) and the content figures
// (WatchpostBroadcast), so the two never disagree.

public enum ContentViolation {
    /// The content (`content.*`, WatchpostContent) and player (`player.*`, WatchpostPlayer) finding
    /// codes their probes mark security-relevant. The content tests check this list against what
    /// the probes emit.
    public static let findingCodes: Set<String> = [
        "content.unexpected-file", "content.modified-file", "content.missing-file", "content.symlink-escape",
        "content.unreadable-file", "content.changed-while-hashing", "content.signature-invalid", "content.manifest-missing",
        "content.manifest-malformed", "content.manifest-not-yet-valid", "content.manifest-replayed",
        "player.unapproved-item", "player.modified-item",
    ]

    public static func isViolation(category: IncidentCategory, findingCodes codes: [String]) -> Bool {
        category == .security && codes.contains { findingCodes.contains($0) }
    }
}

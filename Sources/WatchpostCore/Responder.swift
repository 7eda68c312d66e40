/// An action the responder runs for an incident, at most once per incident round — again when the incident reopens (for example "black
/// out the screen through the LED controller" on unapproved content, or a shutdown command on low
/// battery). The incident engine decides when; the action decides how. Its outcome — the text
/// returned or the error thrown — is written to the timeline; a failure is an incident event,
/// never a crash.
public protocol ResponderAction: Sendable {
    /// A short description for the timeline, e.g. "black out screen at 192.0.2.10:5200".
    var summary: String { get }
    /// Runs the action; must finish by `deadline`. Returns what was done, confirmed (e.g. read back).
    func perform(deadline: Instant, clock: any WatchpostClock) async throws -> String
}

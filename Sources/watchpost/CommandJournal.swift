// The daemon's journal for commands that act on incidents (`ack`, `resolve`, `escalate`,
// `comment`): a command runs in the operator's terminal, another process, so its notice lines
// ("incident acknowledged", "message queued") are left in the store and the daemon writes them
// into its own log (LogRelayService), marked `from=cli`. `journalctl -u watchpost` then tells the
// story of an incident whichever way a person acted on it (#21 point 6).
import WatchpostCommandLine
import WatchpostCore
import WatchpostStore
import Posix
import WatchpostHost

struct CommandJournal {
    private let lines = MemoryLogSink()
    let logger: Logger

    init(command: String) {
        logger = Logger(sink: lines, clock: SystemClock()).with("from", "cli").with("command", command).with("pid", String(CurrentProcess.id))
    }

    /// Leaves the lines for the daemon; says so on standard error when the store refuses them.
    func hand(to store: Store) async {
        do { try await store.relayLog(lines.all) } catch {
            StandardErrorSink().write(line: "warning: the daemon's log will not show this action: \(error.message)")
        }
    }
}

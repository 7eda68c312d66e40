// The log relay (migration 60): a command run in the operator's terminal leaves its log lines
// here, and the daemon copies them into its own log (`journalctl -u watchpost`) and deletes them.
import WatchpostCore

extension Store {
    /// Lines kept for the daemon at most; the oldest go first while it is down.
    public static let logRelayLimit = 10_000

    /// Leaves `lines` for the daemon to write into its log.
    public func relayLog(_ lines: [String]) throws(WatchpostError) {
        guard !lines.isEmpty else { return }
        do {
            try db.transaction {
                for line in lines { try db.run("INSERT INTO log_relay (line) VALUES (?)", line) }
                try db.run("DELETE FROM log_relay WHERE id <= (SELECT max(id) FROM log_relay) - ?", Int64(Store.logRelayLimit))
            }
        } catch { throw storageError("cannot leave the command's log lines for the daemon", error) }
    }

    /// Takes the lines left by commands, oldest first (they are deleted as they are returned).
    public func takeRelayedLog(limit: Int = 500) throws(WatchpostError) -> [String] {
        do {
            return try db.transaction {
                let rows = try db.query("SELECT id, line FROM log_relay ORDER BY id LIMIT ?", Int64(limit))
                guard let last = rows.last?[0].int else { return [] }
                try db.run("DELETE FROM log_relay WHERE id <= ?", last)
                return rows.compactMap { $0[1].string }
            }
        } catch { throw storageError("cannot read the commands' log lines", error) }
    }
}

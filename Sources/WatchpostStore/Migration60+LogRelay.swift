// Migration 60 (lifecycle, #21): log lines written by the commands (`watchpost ack`, `resolve`,
// `escalate`, `comment`) for the daemon to copy into its own log. A command runs in the
// operator's terminal, another process: without this its "incident acknowledged" and
// "message queued" lines never reached `journalctl -u watchpost`. The daemon takes them out as
// it writes them (LogRelayService); at most `Store.logRelayLimit` lines wait while it is down.
extension Migrations {
    static let logRelay = Migration(version: 60, name: "log relay from commands to the daemon", sql: """
        CREATE TABLE log_relay (
            id INTEGER PRIMARY KEY,
            line TEXT NOT NULL
        );
        """)
}

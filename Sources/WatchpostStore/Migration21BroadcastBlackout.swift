// Migration 21 (content, issue 16, review defect 2): a `blacked-out` gap records the screen
// blacked out by command — the content responder (led-blackout) or a person's `respond
// led-blackout` — from the moment of the command to the restore, tied to the play it stopped.
// The stopped play's path and start are copied onto the gap, so reading the log needs no join.
extension Migrations {
    static let broadcastBlackout = Migration(version: 21, name: "broadcast log blackouts", sql: """
        ALTER TABLE broadcast_log ADD COLUMN stopped_play_id INTEGER REFERENCES broadcast_log (id);
        ALTER TABLE broadcast_log ADD COLUMN stopped_path TEXT;
        ALTER TABLE broadcast_log ADD COLUMN stopped_started_ms INTEGER;
        -- Who commanded it: the responder's name, or the person who ran `respond led-blackout`.
        ALTER TABLE broadcast_log ADD COLUMN commanded_by TEXT;
        ALTER TABLE broadcast_log ADD COLUMN incident_id INTEGER;
        """)
}

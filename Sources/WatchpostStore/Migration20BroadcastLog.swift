// Migration 20 (content, issue 16): the broadcast log — what the player played, when, and which
// signed approval covered it (Vũng Áng Art. 4.3.c: "lưu thông tin đã phát" — keep what was
// broadcast for replay and lookup). Items are stored once (path, hash, the approving manifest and
// its metadata) and referenced by each play, so a year of plays every 30 s stays small.
extension Migrations {
    static let broadcastLog = Migration(version: 20, name: "broadcast log", sql: """
        CREATE TABLE broadcast_item (
            id INTEGER PRIMARY KEY,
            path TEXT NOT NULL,
            name TEXT NOT NULL,
            sha256 TEXT NOT NULL DEFAULT '',
            size INTEGER,
            -- Whether the item was approved when it started, and if not the finding code why.
            approved INTEGER NOT NULL CHECK (approved IN (0, 1)),
            reason TEXT NOT NULL DEFAULT '',
            -- The approving manifest: archive id (sha256 of the file), key id, approval time, sequence.
            manifest_id TEXT NOT NULL DEFAULT '',
            key_id TEXT NOT NULL DEFAULT '',
            approved_at_ms INTEGER,
            sequence INTEGER,
            title TEXT,
            source TEXT,
            languages TEXT,
            month TEXT,
            kind TEXT,
            UNIQUE (path, sha256, manifest_id, approved, reason)
        );
        -- One row per play or gap. ended_ms is NULL while open; last_seen_ms moves with each poll,
        -- so an entry left open by a crash is closed at the last time it was seen, not guessed.
        CREATE TABLE broadcast_log (
            id INTEGER PRIMARY KEY,
            site TEXT NOT NULL,
            player TEXT NOT NULL,
            entry TEXT NOT NULL CHECK (entry IN ('play', 'gap')),
            started_ms INTEGER NOT NULL,
            ended_ms INTEGER,
            last_seen_ms INTEGER NOT NULL,
            item_id INTEGER REFERENCES broadcast_item (id),
            -- Gaps: player-unreachable, nothing-playing, screen-dark, not-observed.
            gap TEXT,
            -- Plays: how long of it the screen was dark (blacked out) in operating hours.
            dark_ms INTEGER NOT NULL DEFAULT 0,
            CHECK ((entry = 'play') = (item_id IS NOT NULL)),
            UNIQUE (site, player, entry, started_ms)
        );
        CREATE INDEX broadcast_log_by_time ON broadcast_log (started_ms);
        CREATE INDEX broadcast_log_open ON broadcast_log (site, player) WHERE ended_ms IS NULL;
        CREATE INDEX broadcast_log_by_item ON broadcast_log (item_id, started_ms);
        """)
}

// Migration 70 (language, #15): timeline entries keep their catalogue message as JSON, so the
// web and the reports can tell the timeline in Vietnamese. `text` keeps the English rendering
// for the audit trail; entries written before have no message and show their text.
// The hash chain covers the message only when there is one, so older entries still verify.
extension Migrations {
    static let timelineMessages = Migration(version: 70, name: "timeline messages", sql: """
        ALTER TABLE timeline ADD COLUMN message_json TEXT;
        """)
}

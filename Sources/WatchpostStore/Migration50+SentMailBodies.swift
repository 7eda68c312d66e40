// Migration 50 (hardening, #19): a sent message keeps its metadata (recipient, subject,
// Message-ID, times) and the SHA-256 of its body; the body itself goes once the SMTP server has
// accepted it. A digest of four notices is about 27 KB (text and HTML, base64): kept for every
// sent message they alone filled a 2 MiB volume within minutes of an incident storm. Bodies of
// messages already sent are dropped here too (their digest was never taken: NULL).
extension Migrations {
    static let sentMailBodies = Migration(version: 50, name: "sent mail keeps a digest, not its body", sql: """
        ALTER TABLE mail_message ADD COLUMN body_sha256 TEXT;
        UPDATE mail_message SET data = X'' WHERE state = 'sent';
        """)
}

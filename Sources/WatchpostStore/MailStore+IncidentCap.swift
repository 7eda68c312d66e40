// Messages per incident and recipient: the mail layer's cap on how often one incident (a wall in
// a fault storm whose list of cards keeps changing) may write to the same person in an hour.
import WatchpostCore
import SQLite

extension Store {
    /// Messages to `address` since `since` that carried a notification about incident `id`.
    public func mailCount(incident id: Int64, to address: String, since: Instant) throws(WatchpostError) -> Int {
        do {
            return Int(try db.query("""
                SELECT COUNT(DISTINCT m.id) FROM mail_message m JOIN outbox o ON o.message_ref = m.id
                WHERE o.incident_id = ? AND m.recipient_address = ? AND m.created_ms >= ?
                """, id, address, since.milliseconds).first?[0].int ?? 0)
        } catch { throw storageError("cannot count mail about incident \(id)", error) }
    }
}

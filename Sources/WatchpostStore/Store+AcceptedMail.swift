// The record of messages the SMTP server accepted (issue #19, point 12): a small file next to
// the database, pre-allocated when the store opens and overwritten in place as a ring, written
// and synced after the server's acceptance and before the "sent" commit. Overwriting blocks the
// file already owns needs no new block, so it works on a full disk, where the commit does not.
// A message whose commit the full disk refused stays `sending`; the next process (after a
// restart or a kill -9) finds its Message-ID here and records it sent instead of offering it to
// the server again (#19 review s7: the next process sent it a second time).
// What it cannot cover: a process killed between the server's "250" and this write (a few
// microseconds) sends that one message again.
import WatchpostCore
import Posix
import Crypto

/// Where and how the acceptances are recorded.
public enum AcceptedMailRecord {
    /// Slots of the ring: far more than messages that can be accepted and not yet committed at
    /// once (one at a time per pass, and a pass stops at the first failing commit).
    public static let slots: Int64 = 128
    /// One slot: the SHA-256 of the Message-ID in hex.
    static let slotSize: Int64 = 64
    public static func path(forDatabase database: String) -> String { database + "-accepted" }
    static func digest(_ messageID: String) -> String {
        let h = SHA256Hasher()
        h.update(Array(messageID.utf8))
        return Hex.encode(h.finalize())
    }
}

extension Store {
    /// Allocates the ring (8 KiB, 0600) when it does not exist yet.
    func makeAcceptedMailRecord() {
        let file = AcceptedMailRecord.path(forDatabase: path)
        guard !readOnlyPath, !FileSystem.exists(file) else { return }
        try? FileSystem.preallocate(file, bytes: AcceptedMailRecord.slots * AcceptedMailRecord.slotSize)
    }

    /// Records that the server accepted message `mailID`, before its "sent" is committed.
    /// Returns false when the ring could not be written (then only this process knows).
    @discardableResult
    public func noteAccepted(mailID: Int64, messageID: String) -> Bool {
        guard !readOnlyPath else { return false }
        makeAcceptedMailRecord()
        let slot = ((mailID % AcceptedMailRecord.slots) + AcceptedMailRecord.slots) % AcceptedMailRecord.slots
        let bytes = Array(AcceptedMailRecord.digest(messageID).utf8)
        return (try? FileSystem.overwrite(AcceptedMailRecord.path(forDatabase: path), at: slot * AcceptedMailRecord.slotSize, bytes: bytes)) != nil
    }

    /// Messages still `sending` that the ring says the server accepted: each is recorded sent, not
    /// offered again. Returns their Message-IDs (the caller logs them).
    public func reconcileAcceptedMail(now: Instant) throws(WatchpostError) -> [String] {
        guard !readOnlyPath,
              case .contents(let bytes)? = try? FileSystem.readRegularFile(AcceptedMailRecord.path(forDatabase: path), limit: 1 << 16) else { return [] }
        var seen = Set<String>()
        var i = 0
        let size = Int(AcceptedMailRecord.slotSize)
        while i + size <= bytes.count {
            seen.insert(String(decoding: bytes[i..<(i + size)], as: UTF8.self))
            i += size
        }
        let sending: [(Int64, String)]
        do {
            sending = try db.query("SELECT id, message_id FROM mail_message WHERE state = 'sending' ORDER BY id").map { ($0[0].int ?? 0, $0[1].string ?? "") }
        } catch { throw storageError("cannot read the outbox", error) }
        var done: [String] = []
        for (id, messageID) in sending where seen.contains(AcceptedMailRecord.digest(messageID)) {
            try markMailSent(id, now: now)
            done.append(messageID)
        }
        return done
    }
}

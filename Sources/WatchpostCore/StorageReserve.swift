/// The disk reserve next to the database (issue #19): a pre-allocated file the store deletes when
/// a write finds the disk full, so that incidents can still be recorded, and whose absence the
/// `storage` check reports as CRITICAL. Both sides name it through here.
public enum StorageReserve {
    /// The reserve file of a database.
    public static func path(forDatabase database: String) -> String { database + "-reserve" }
    /// Its size: 1 MiB, or a quarter of the free space on a very small volume.
    public static func size(free: Int64) -> Int64 { max(0, min(1 << 20, free / 4)) }
    /// The free space, beyond what the reserve gave, below which it is not made again.
    public static let minimumRoom: Int64 = 64 << 10
    /// Free room (beyond the reserve, which is a file of its own) kept for incident steps: below
    /// it, writes that can wait do (history samples; a message's parts get only the room above it).
    /// 96 KiB: a 64 KiB WAL and a few incident steps of a storm with their notices (about 10 KiB
    /// each). The budget on a 2 MiB volume is in bench/daemon/README.md.
    public static let floor: Int64 = 96 << 10
}

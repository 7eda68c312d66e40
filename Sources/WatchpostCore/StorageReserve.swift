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
}

// A reader of its own on the blocking pool, for long reads whose caller must not hold the store
// it was given: a heavy web read (HeavyReads), the daemon's scheduled report (#19 s11: a yearly
// report on 2.3 M plays ran ~4 s of SQL on the daemon's own store, and incident commits,
// acknowledgements and the outbox waited behind it; its PDF was drawn on a cooperative thread).
import WatchpostCore
import Posix

extension Store {
    /// Runs `body` with a read-only `Store` of its own on this database. Its queries (the store's
    /// actor) and the code between them (the task's preferred executor: a report's arithmetic,
    /// its cairo drawing) run on the one blocking pool through a `PoolExecutor`, never on this
    /// store's thread nor on Swift's cooperative threads. Calls to this store from `body` still
    /// run here, in their turn. A database in memory, which no other connection can open, is
    /// read by this store itself.
    public nonisolated func withPoolReader<T: Sendable>(pool: BlockingPool = .process,
                                                        _ body: @escaping @Sendable (Store) async throws -> T) async throws -> T {
        try await Store.withPoolReader(path: path, clock: clock, memoryStore: path == ":memory:" ? self : nil, pool: pool, body)
    }

    /// `withPoolReader` for a caller that keeps no store (HeavyReads keeps only the path).
    static func withPoolReader<T: Sendable>(path: String, clock: any WatchpostClock, memoryStore: Store?, pool: BlockingPool,
                                            _ body: @escaping @Sendable (Store) async throws -> T) async throws -> T {
        if let memoryStore { return try await body(memoryStore) }
        let executor = PoolExecutor(pool: pool)
        return try await withTaskExecutorPreference(executor) { () async throws -> T in
            try await body(try Store(path: path, clock: clock, readOnly: true, executor: executor))
        }
    }
}

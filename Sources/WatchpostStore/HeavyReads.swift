// Heavy reads — a page of thousands of rows AND the rendering of its answer — run on the one
// bounded blocking pool, each on a read-only connection of its own: never on Swift's two
// cooperative threads, which every request's deadline, `/healthz` and the watchdog's ping need,
// and never on the reader store's thread, which every request's sign-in needs (#19 review s9:
// 2 concurrent `/api/v1/plays` on 2.3 M plays kept the watchdog from pinging for 32.6 s, 16 for
// 213.7 s at 686 MB: the JSON was made on the cooperative threads, and no deadline could stop it).
// At most `slots` run at once in the process; a read beyond them waits briefly in a queue served
// fairly across client addresses, then is refused (the web answers 503 with Retry-After).
// The caller giving up (its deadline) raises a signal that stops the query (SQLite's progress
// handler) and the rendering (checked between rows): a slot is held until its read has stopped,
// so the bound is on work really running, not on requests still waited for.
import WatchpostCore
import SQLite
import Posix
import Synchronization

/// Why a heavy read gave no result.
public enum HeavyReadFailure: Error, Sendable {
    /// Every slot was busy (or this address had its share of the queue) for the whole wait.
    case busy
    /// The caller gave up (its deadline passed or it was cancelled): the read stopped.
    case stopped
    /// The database failed.
    case storage(WatchpostError)
}

/// Thrown by `HeavyRead.checkNotStopped()` once the caller gave up.
public struct HeavyReadStopped: Error, Sendable {}

/// What the body of a heavy read gets: its connection (through the queries below) and the
/// signal to check between rows while it renders.
public struct HeavyRead {
    let db: SQLiteConnection
    let signal: StopSignal

    /// Whether the caller gave up.
    public var isStopped: Bool { signal.isRaised }

    /// Throws once the caller gave up: rendering calls it every few rows.
    public func checkNotStopped() throws(HeavyReadStopped) {
        if signal.isRaised { throw HeavyReadStopped() }
    }

    /// `Store.broadcastPage` on this read's connection.
    public func broadcastPage(site: String?, from: Instant, to: Instant, path: String? = nil, limit: Int,
                              continued: Bool = false) throws(WatchpostError) -> (entries: [BroadcastEntry], next: Instant?) {
        try Store.broadcastPage(in: db, site: site, from: from, to: to, path: path, limit: limit, continued: continued)
    }

    /// `Store.forEachBroadcastEntry` on this read's connection; stops between rows once the caller gave up.
    public func forEachBroadcastEntry(site: String?, from: Instant, to: Instant, path: String? = nil, limit: Int? = nil,
                                      _ body: (BroadcastEntry) throws -> Void) throws(WatchpostError) {
        try Store.forEachBroadcastEntry(in: db, site: site, from: from, to: to, path: path, limit: limit) { e in
            try checkNotStopped()
            try body(e)
        }
    }
}

/// The bound on heavy reads of one process, and where they run.
public final class HeavyReads: Sendable {
    public struct Limits: Sendable, Equatable {
        /// Reads running at once (each holds one pool thread and one page in memory).
        public var slots: Int
        /// Reads one client address may have waiting; more are refused at once.
        public var queuedPerAddress: Int
        /// Reads waiting in all; more are refused at once.
        public var queued: Int
        /// How long a read waits for a slot before it is refused.
        public var wait: Seconds

        public init(slots: Int = 2, queuedPerAddress: Int = 2, queued: Int = 16, wait: Seconds = .seconds(3)) {
            self.slots = max(1, slots)
            self.queuedPerAddress = max(0, queuedPerAddress)
            self.queued = max(0, queued)
            self.wait = wait
        }
    }

    /// A read waiting for a slot.
    /// `@unchecked Sendable` is safe: `granted`, `gone` and `continuation` are read and written
    /// only while `HeavyReads.state`'s lock is held; `address` is immutable.
    final class Ticket: @unchecked Sendable {
        let address: String
        var granted = false
        var gone = false
        var continuation: CheckedContinuation<Bool, Never>?
        init(_ address: String) { self.address = address }
    }

    /// A read-only connection lent to one read at a time.
    /// `@unchecked Sendable` is safe: a connection is either in `State.idle` (used by nobody) or
    /// lent to exactly one `run`, which uses it only on the one pool thread running its body and
    /// gives it back after that body has returned.
    final class Lent: @unchecked Sendable {
        let db: SQLiteConnection
        init(_ db: SQLiteConnection) { self.db = db }
    }

    struct State {
        var running: [String: Int] = [:]
        var runningTotal = 0
        var waiters: [Ticket] = []
        var idle: [Lent] = []
        /// Reads that got no slot since the process started (all busy for the whole wait, the
        /// queue full, or the caller gone while waiting): /metrics counts them.
        var refusedTotal = 0

        mutating func take(_ address: String) {
            running[address, default: 0] += 1
            runningTotal += 1
        }

        /// The waiter to serve next: of the addresses with the fewest reads running, one other
        /// than the address whose read just ended when there is one (turns go round), and of
        /// those the one waiting longest: one busy client cannot keep another's reads waiting
        /// behind its own.
        func fairest(after ended: String) -> Int? {
            func rank(_ t: Ticket) -> (Int, Int) { (running[t.address, default: 0], t.address == ended ? 1 : 0) }
            var best: Int?
            for (i, t) in waiters.enumerated() {
                guard let b = best else { best = i; continue }
                if rank(t) < rank(waiters[b]) { best = i }
            }
            return best
        }
    }

    public let limits: Limits
    /// The database file, opened again read-only for each slot.
    public let path: String
    /// A database in memory, which no other connection can open: read on its store's own thread.
    /// A file's store is not held (the daemon keeps this object across reloads, and a store
    /// held would keep its thread after the reload that replaced it).
    private let memoryStore: Store?
    private let clock: any WatchpostClock
    private let pool: BlockingPool
    private let state = Mutex(State())

    /// - Parameters:
    ///   - store: the database read (its file is opened again read-only for each slot; a
    ///     database in memory, which no other connection can open, is read on the store's own thread).
    public init(store: Store, clock: any WatchpostClock, limits: Limits = Limits(), pool: BlockingPool = .process) {
        path = store.path
        memoryStore = store.path == ":memory:" ? store : nil
        self.clock = clock
        self.limits = limits
        self.pool = pool
    }

    /// Reads running and waiting now (for /metrics and tests).
    public var usage: (running: Int, waiting: Int) { state.withLock { ($0.runningTotal, $0.waiters.count) } }

    /// Reads refused so far (no slot within the wait), for /metrics.
    public var refusedTotal: Int { state.withLock { $0.refusedTotal } }

    /// Runs `body` (the query and the rendering of its answer) on the blocking pool once a slot
    /// is free, for a client at `address`.
    public func run<T: Sendable>(address: String, _ body: @escaping @Sendable (HeavyRead) throws -> T) async throws(HeavyReadFailure) -> T {
        guard await acquire(address) else { throw .busy }
        defer { release(address) }
        let signal = StopSignal()
        do {
            return try await withTaskCancellationHandler {
                if let memoryStore {
                    return try await memoryStore.readHeavily { db in try body(HeavyRead(db: db, signal: signal)) }
                }
                let lent = try checkOut()
                defer { checkIn(lent) }
                return try await pool.run {
                    lent.db.interrupt(when: signal)
                    return try body(HeavyRead(db: lent.db, signal: signal))
                }
            } onCancel: {
                signal.raise()
            }
        } catch {
            if signal.isRaised || error is CancellationError || error is HeavyReadStopped { throw .stopped }
            if let e = error as? WatchpostError { throw .storage(e) }
            throw .storage(WatchpostError(.storage, "heavy read failed: \(error)"))
        }
    }

    /// Runs `body` — reads through a read-only `Store` of its own, and the rendering of what they
    /// found — as one heavy read once a slot is free: a report, a summary, a PDF. Every step of
    /// it runs on the blocking pool (`PoolExecutor`: the store's queries as its actor, the code
    /// between them as the task's preferred executor), never on Swift's cooperative threads nor
    /// on the reader store's thread, which sign-ins and every other request need (#19 review
    /// s10: one `/api/v1/summary?period=2026` held that thread 15 s, `/api/v1/me` waited 15.00 s;
    /// the PDF was drawn on a cooperative thread). The caller giving up (its deadline cancels
    /// the task) stops the store's query (its progress handler asks `Task.isCancelled`).
    public func run<T: Sendable>(address: String, reading body: @escaping @Sendable (Store) async throws -> T) async throws(HeavyReadFailure) -> T {
        guard await acquire(address) else { throw .busy }
        defer { release(address) }
        do {
            return try await Store.withPoolReader(path: path, clock: clock, memoryStore: memoryStore, pool: pool, body)
        } catch {
            if Task.isCancelled || error is CancellationError { throw .stopped }
            if let e = error as? WatchpostError { throw .storage(e) }
            throw .storage(WatchpostError(.storage, "heavy read failed: \(error)"))
        }
    }

    private func checkOut() throws(WatchpostError) -> Lent {
        if let idle = state.withLock({ $0.idle.popLast() }) { return idle }
        do { return Lent(try SQLiteConnection(path: path, readOnly: true)) }
        catch { throw WatchpostError(.storage, "cannot open database \(path) for reading: \(error)") }
    }

    private func checkIn(_ lent: Lent) {
        state.withLock { s in if s.idle.count < limits.slots { s.idle.append(lent) } }
    }

    /// Takes a slot at once, or waits at most `limits.wait` for one; false: refused.
    func acquire(_ address: String) async -> Bool {
        let got = await takeSlot(address)
        if !got { state.withLock { $0.refusedTotal += 1 } }
        return got
    }

    private func takeSlot(_ address: String) async -> Bool {
        let ticket = Ticket(address)
        let now: Bool? = state.withLock { s in
            if s.runningTotal < limits.slots && s.waiters.isEmpty {
                s.take(address)
                ticket.granted = true
                return true
            }
            if s.waiters.count >= limits.queued || s.waiters.count(where: { $0.address == address }) >= limits.queuedPerAddress { return false }
            s.waiters.append(ticket)
            return nil
        }
        if let now { return now }
        if case .finished(let got) = await withDeadline(clock.now() + limits.wait, clock: clock, { await self.wait(for: ticket) }) { return got }
        // The wait's end: a slot granted at the same moment is taken; else the ticket left the queue.
        return state.withLock { s in
            if ticket.granted { return true }
            ticket.gone = true
            s.waiters.removeAll { $0 === ticket }
            return false
        }
    }

    private func wait(for ticket: Ticket) async -> Bool {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (c: CheckedContinuation<Bool, Never>) in
                let now: Bool? = state.withLock { _ in
                    if ticket.granted { return true }
                    if ticket.gone { return false }
                    ticket.continuation = c
                    return nil
                }
                if let now { c.resume(returning: now) }
            }
        } onCancel: {
            let c: CheckedContinuation<Bool, Never>? = state.withLock { s in
                guard !ticket.granted else { return nil }
                ticket.gone = true
                s.waiters.removeAll { $0 === ticket }
                defer { ticket.continuation = nil }
                return ticket.continuation
            }
            c?.resume(returning: false)
        }
    }

    func release(_ address: String) {
        let granted: [CheckedContinuation<Bool, Never>?] = state.withLock { s in
            s.running[address, default: 1] -= 1
            if s.running[address] == 0 { s.running[address] = nil }
            s.runningTotal -= 1
            var out: [CheckedContinuation<Bool, Never>?] = []
            while s.runningTotal < limits.slots, let i = s.fairest(after: address) {
                let t = s.waiters.remove(at: i)
                t.granted = true
                s.take(t.address)
                out.append(t.continuation)
                t.continuation = nil
            }
            return out
        }
        for c in granted { c?.resume(returning: true) }
    }
}

extension Store {
    /// A heavy read of a database in memory, on the store's own thread (`HeavyReads`).
    func readHeavily<T: Sendable>(_ body: @Sendable (SQLiteConnection) throws -> T) throws -> T {
        try body(db)
    }
}

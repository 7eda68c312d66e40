// The one bounded pool for blocking C calls (probes' sockets and serial reads, DNS lookups,
// libcurl, PBKDF2, content scans, subprocess waits): at most a fixed number of threads, each
// made the first time work needs it and then kept, so a storm of slow calls queues instead of
// creating threads without bound, an idle daemon or a short command holds only the threads it
// used, and a call stuck in C holds exactly one thread — counted, so /metrics can show it.
import Glibc
import Synchronization

/// A bounded set of threads running blocking jobs in arrival order.
///
/// `@unchecked Sendable` is safe: every mutable field (`queue`, `workers`, `startedThreads`,
/// `idleThreads`) is read and written only while `lock` is held; `lock` and `wake` are initialised once in `init` and
/// never destroyed (the pool lives as long as the process).
public final class BlockingPool: @unchecked Sendable {
    final class Job: Sendable {
        let run: @Sendable () -> Void
        /// Called instead of `run` when the caller gave up before a thread took the job.
        let drop: @Sendable () -> Void
        let abandoned = Mutex(false)
        init(run: @escaping @Sendable () -> Void, drop: @escaping @Sendable () -> Void) {
            self.run = run
            self.drop = drop
        }
    }

    struct Worker {
        var job: Job?
        var since: UInt64 = 0
    }

    public let threadCount: Int
    private var queue: [Job] = []
    private var queueHead = 0
    private var workers: [Worker]
    /// Threads made so far (they are made when work needs them, up to `threadCount`, and kept:
    /// an idle daemon holds as many as its busiest moment needed, not the whole pool).
    private var startedThreads = 0
    /// Threads waiting for a job (including one woken but not yet holding the lock).
    private var idleThreads = 0
    private var lock = pthread_mutex_t()
    private var wake = pthread_cond_t()

    public init(threads: Int) {
        threadCount = max(1, threads)
        workers = Array(repeating: Worker(), count: threadCount)
        pthread_mutex_init(&lock, nil)
        pthread_cond_init(&wake, nil)
    }

    /// The pool of this process. The composition root sizes it from `[daemon] blocking_threads`
    /// before anything runs (`configureProcessPool`); commands use the default.
    public static var process: BlockingPool { processPool.withLock { p in
        if let p { return p }
        let made = BlockingPool(threads: 16)
        p = made
        return made
    } }
    private static let processPool = Mutex<BlockingPool?>(nil)

    /// Sizes the process pool; only before its first use (later calls keep the running pool).
    @discardableResult
    public static func configureProcessPool(threads: Int) -> BlockingPool {
        processPool.withLock { p in
            if let p { return p }
            let made = BlockingPool(threads: threads)
            p = made
            return made
        }
    }

    /// What the pool is doing now.
    public struct Usage: Sendable, Hashable {
        public var threads: Int
        /// Threads made so far (at most `threads`), and those of them waiting for work.
        public var started: Int
        public var idle: Int
        public var busy: Int
        public var queued: Int
        /// Threads still inside a job whose caller stopped waiting (a call stuck in C).
        public var abandoned: Int
        /// The longest time a busy thread has been in its current job, in milliseconds.
        public var longestBusyMilliseconds: UInt64
    }

    public var usage: Usage {
        let now = monotonicNanoseconds()
        pthread_mutex_lock(&lock)
        defer { pthread_mutex_unlock(&lock) }
        let busy = workers.filter { $0.job != nil }
        return Usage(threads: threadCount, started: startedThreads, idle: idleThreads, busy: busy.count, queued: queue.count - queueHead,
                     abandoned: busy.filter { $0.job?.abandoned.withLock { $0 } == true }.count,
                     longestBusyMilliseconds: busy.map { (now &- $0.since) / 1_000_000 }.max() ?? 0)
    }

    /// Runs `body` on a pool thread and returns its result. Cancelling the calling task before a
    /// thread takes the job drops it (CancellationError); after, the call cannot be interrupted:
    /// the caller keeps waiting (callers that must not wait race it with `withDeadline`, which
    /// cancels this task and so marks the thread abandoned).
    public func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        let slot = Mutex<Job?>(nil)
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (c: CheckedContinuation<T, any Error>) in
                let once = Mutex<CheckedContinuation<T, any Error>?>(c)
                let finish: @Sendable (Result<T, any Error>) -> Void = { r in
                    once.withLock { k in k?.resume(with: r); k = nil }
                }
                let job = Job(run: { finish(Result { try body() }) }, drop: { finish(.failure(CancellationError())) })
                slot.withLock { $0 = job }
                if Task.isCancelled { job.abandoned.withLock { $0 = true } }
                submit(job)
            }
        } onCancel: {
            slot.withLock { $0?.abandoned.withLock { $0 = true } }
        }
    }

    /// Starts `body` on a pool thread and returns at once (a `PoolExecutor` starting to run its jobs).
    public func start(_ body: @escaping @Sendable () -> Void) {
        submit(Job(run: body, drop: {}))
    }

    func submit(_ job: Job) {
        pthread_mutex_lock(&lock)
        queue.append(job)
        // A new thread only when the waiting jobs outnumber the idle threads: each signal wakes
        // a different waiting thread, so every queued job has a thread or waits for a busy one.
        if queue.count - queueHead > idleThreads && startedThreads < threadCount {
            if startThread(index: startedThreads) { startedThreads += 1 }
        }
        pthread_cond_signal(&wake)
        pthread_mutex_unlock(&lock)
    }

    private func startThread(index: Int) -> Bool {
        // The pool is Sendable (its proof is at the type): the new thread only calls `work`.
        do { try startOwnThread { [self] in self.work(index: index) } } catch { return false }
        return true
    }

    private func work(index: Int) {
        while true {
            pthread_mutex_lock(&lock)
            while queueHead >= queue.count {
                idleThreads += 1
                pthread_cond_wait(&wake, &lock)
                idleThreads -= 1
            }
            let job = queue[queueHead]
            queueHead += 1
            if queueHead > 64 && queueHead * 2 > queue.count {
                queue.removeFirst(queueHead)
                queueHead = 0
            }
            let dropped = job.abandoned.withLock { $0 }
            if !dropped {
                workers[index].job = job
                workers[index].since = monotonicNanoseconds()
            }
            pthread_mutex_unlock(&lock)
            if dropped { job.drop(); continue }
            job.run()
            pthread_mutex_lock(&lock)
            workers[index].job = nil
            pthread_mutex_unlock(&lock)
        }
    }
}

/// Runs the jobs of a task (as its preferred task executor) and of an actor (as its serial
/// executor) on the blocking pool, one at a time and in order: async code that blocks — a
/// report's many SQLite reads, its cairo drawing — runs there instead of on Swift's two
/// cooperative threads, which every request's deadline, `/healthz` and the watchdog's ping need
/// (#19 review s10: a yearly summary held them, and the reader's thread, for 15 s). It holds a
/// pool thread only while it has jobs; it is not a pool of its own, and a pool that is full
/// makes its jobs wait their turn like any other.
public final class PoolExecutor: SerialExecutor, TaskExecutor {
    private let pool: BlockingPool
    /// The jobs not yet run, and whether a pool thread is running them (one at a time: serial).
    private let state = Mutex<(jobs: [UnownedJob], draining: Bool)>(([], false))

    public init(pool: BlockingPool = .process) { self.pool = pool }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let startDraining = state.withLock { s in
            s.jobs.append(job)
            if s.draining { return false }
            s.draining = true
            return true
        }
        if startDraining { pool.start { self.drain() } }
    }

    public func asUnownedSerialExecutor() -> UnownedSerialExecutor { UnownedSerialExecutor(ordinary: self) }
    public func asUnownedTaskExecutor() -> UnownedTaskExecutor { UnownedTaskExecutor(ordinary: self) }

    /// Runs jobs until there are none, then gives the pool thread back.
    private func drain() {
        while true {
            let batch: [UnownedJob] = state.withLock { s in
                if s.jobs.isEmpty { s.draining = false; return [] }
                defer { s.jobs.removeAll(keepingCapacity: true) }
                return s.jobs
            }
            if batch.isEmpty { return }
            for job in batch { job.runSynchronously(isolatedTo: asUnownedSerialExecutor(), taskExecutor: asUnownedTaskExecutor()) }
        }
    }
}

/// Runs a body that lives as long as the thing it serves (a simulator's accept loop, a test
/// server) on a new thread of its own — never on the bounded pool, whose threads are for calls
/// that end. Not for the product's calls: those go through `runBlocking`.
public func runOnOwnThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { (c: CheckedContinuation<T, any Error>) in
        do { try startOwnThread { c.resume(with: Result { try body() }) } } catch { c.resume(throwing: error) }
    }
}

/// Starts `body` on a new detached thread at once, from any thread. For a server that hands each
/// accepted connection a thread of its own from its accept loop: hopping through a Task first
/// waits for Swift's cooperative threads, which other work may hold (a simulator under parallel
/// tests then left a client's first request unanswered for seconds).
public func startOwnThread(_ body: @escaping @Sendable () -> Void) throws(SystemError) {
    let box = Unmanaged.passRetained(OwnThreadJob(body)).toOpaque()
    var attr = pthread_attr_t()
    pthread_attr_init(&attr)
    pthread_attr_setdetachstate(&attr, Int32(PTHREAD_CREATE_DETACHED))
    pthread_attr_setstacksize(&attr, 512 * 1024)
    var tid = pthread_t()
    let rc = pthread_create(&tid, &attr, { raw in
        guard let raw else { return nil }
        Unmanaged<OwnThreadJob>.fromOpaque(raw).takeRetainedValue().body()
        return nil
    }, box)
    pthread_attr_destroy(&attr)
    if rc != 0 {
        Unmanaged<OwnThreadJob>.fromOpaque(box).release()
        throw SystemError(call: "pthread_create", errno: rc)
    }
}

private final class OwnThreadJob: Sendable {
    let body: @Sendable () -> Void
    init(_ body: @escaping @Sendable () -> Void) { self.body = body }
}

// CPU-heavy test bodies (brute-force references walked second by second, generated years of
// rows, a configuration cut at every line) run on a thread the test owns, not on Swift's
// cooperative threads. Those are as many as the cores (two here) and every test of the parallel
// unit lane shares them: two such bodies held both for tens of seconds, so a 100 ms Task.sleep
// elsewhere in the lane woke up to 67 s late (the timer canary at load 15) and any test there
// with a deadline (a daemon awaited, a time limit) failed for no fault of its own. On a thread of
// its own the work is shared out by the kernel's scheduler like any other process's, and the
// cooperative threads stay free for the tests that wait.
import Glibc

/// Runs `body` — and everything it awaits that is not bound to an actor — on a new thread of its
/// own, which ends when `body` returns. `#expect` and `#require` inside work as anywhere in the
/// test: `body` runs in the test's own task (a task executor preference, SE-0417), only on
/// another thread.
public func onOwnThread<T, Failure: Error>(isolation: isolated (any Actor)? = #isolation,
                                           _ body: () async throws(Failure) -> T) async throws(Failure) -> T {
    let executor = OwnThreadExecutor()
    defer { executor.finish() }
    return try await withTaskExecutorPreference(executor, isolation: isolation, operation: body)
}

/// A task executor with one thread of its own, started by `init` with the default stack size (a
/// debug build's deep recursions need more than a small pool stack), ended by `finish()` once its
/// queued jobs have run. A job enqueued after the thread ended goes to Swift's global executor,
/// so that no job is ever dropped.
///
/// `@unchecked Sendable` is safe: `jobs`, `finished` and `ended` are read and written only while
/// `lock` is held; the mutex and the condition are allocated and initialised in `init` and
/// destroyed in `deinit`, which runs after the thread, which holds a reference, has ended.
public final class OwnThreadExecutor: TaskExecutor, @unchecked Sendable {
    private let lock: UnsafeMutablePointer<pthread_mutex_t>
    private let changed: UnsafeMutablePointer<pthread_cond_t>
    private var jobs: [UnownedJob] = []
    private var finished = false
    private var ended = false

    public init() {
        lock = .allocate(capacity: 1)
        lock.initialize(to: pthread_mutex_t())
        pthread_mutex_init(lock, nil)
        changed = .allocate(capacity: 1)
        changed.initialize(to: pthread_cond_t())
        pthread_cond_init(changed, nil)
        let retained = Unmanaged.passRetained(self).toOpaque()
        var thread = pthread_t()
        let rc = pthread_create(&thread, nil, { raw in
            guard let raw else { return nil }
            Unmanaged<OwnThreadExecutor>.fromOpaque(raw).takeRetainedValue().serve()
            return nil
        }, retained)
        if rc == 0 {
            pthread_detach(thread)
        } else {
            // No thread (out of threads or memory): every job goes to the global executor, as
            // after `finish()`. The test still runs, only on the shared threads.
            Unmanaged<OwnThreadExecutor>.fromOpaque(retained).release()
            ended = true
        }
    }

    deinit {
        pthread_cond_destroy(changed)
        pthread_mutex_destroy(lock)
        changed.deallocate()
        lock.deallocate()
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        pthread_mutex_lock(lock)
        if ended {
            pthread_mutex_unlock(lock)
            globalConcurrentExecutor.enqueue(job)
            return
        }
        jobs.append(UnownedJob(job))
        pthread_cond_signal(changed)
        pthread_mutex_unlock(lock)
    }

    /// Lets the thread end once the jobs queued so far have run.
    public func finish() {
        pthread_mutex_lock(lock)
        finished = true
        pthread_cond_signal(changed)
        pthread_mutex_unlock(lock)
    }

    private func serve() {
        pthread_mutex_lock(lock)
        while true {
            while jobs.isEmpty && !finished { pthread_cond_wait(changed, lock) }
            if jobs.isEmpty { break }
            let job = jobs.removeFirst()
            pthread_mutex_unlock(lock)
            job.runSynchronously(on: asUnownedTaskExecutor())
            pthread_mutex_lock(lock)
        }
        ended = true
        pthread_mutex_unlock(lock)
    }
}

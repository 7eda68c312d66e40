// A gate a test opens: threads that must stay blocked in C (a pool thread standing in for a hung
// getaddrinfo or read) wait on it without polling, and all of them go on at once when it opens.
import Glibc

/// Blocks `wait()` callers (on threads of their own, never on Swift's cooperative threads) until
/// `open()`; opening is final, and a wait after it returns at once.
///
/// `@unchecked Sendable` is safe: `isOpen` is read and written only while `lock` is held; the
/// mutex and condition are initialised in `init` and destroyed in `deinit`, after every user.
public final class BlockingGate: @unchecked Sendable {
    private var isOpen = false
    private var lock = pthread_mutex_t()
    private var opened = pthread_cond_t()

    public init() {
        pthread_mutex_init(&lock, nil)
        pthread_cond_init(&opened, nil)
    }

    deinit {
        pthread_cond_destroy(&opened)
        pthread_mutex_destroy(&lock)
    }

    /// Lets every waiter go, now and later.
    public func open() {
        pthread_mutex_lock(&lock)
        isOpen = true
        pthread_cond_broadcast(&opened)
        pthread_mutex_unlock(&lock)
    }

    /// Blocks the calling thread until the gate is open.
    public func wait() {
        pthread_mutex_lock(&lock)
        while !isOpen { pthread_cond_wait(&opened, &lock) }
        pthread_mutex_unlock(&lock)
    }
}

// Limits taken before any work is done for a caller nobody has authenticated yet:
//
// - `LoginThrottle`: an attempt is admitted (and counted) before the password is hashed, so
//   concurrent guesses cannot all reach PBKDF2; failures are counted per client address (a
//   sliding window) and per account *and* address, where a run of failures locks only that pair
//   with a doubling back-off. An attacker elsewhere therefore cannot lock the real user out, and
//   known and unknown logins take the same path and get the same answers. Nothing is written to
//   the database for a failed login.
// - `AnonymousWriteBudget`: rows written on behalf of unauthenticated requests (audit entries,
//   refusals on an incident's timeline) are capped per minute; beyond the cap they are counted
//   and summarised in one row when the minute ends, so forged links cannot fill the disk.
//
// Both live in memory for the life of the process (`WebMemory`): a reload or an operating-plan
// change keeps them (it builds a new web application, not a new memory), a restart forgets them,
// which gives an attacker at most one more window. Their limits come from each configuration.
import WatchpostCore

/// What the web remembers for the life of the daemon, not of one configuration: the failed
/// logins and locks, and the rows written for anonymous callers this minute. The daemon makes
/// one and hands it to the web application of every configuration (#21 review s6: a new
/// throttle at each reload and plan save gave a password guesser a fresh set of tries).
public final class WebMemory: Sendable {
    let logins = LoginThrottle()
    let anonymousWrites = AnonymousWriteBudget()
    public init() {}
}

/// The login throttle's limits, from `[web]` (they may change at a reload; the counts stay).
struct LoginLimits: Sendable {
    let addressLimit: Int
    let window: Seconds
    let pairLimit: Int
    let lockout: Seconds
    let maxLockout: Seconds

    init(_ settings: WebSettings) {
        addressLimit = max(1, settings.loginAttemptsPerAddress)
        window = settings.loginWindow
        pairLimit = max(1, settings.loginAttemptsPerAccount)
        lockout = settings.accountLockout
        maxLockout = max(settings.accountLockout, settings.accountMaxLockout)
    }
}

actor LoginThrottle {
    struct PairState {
        var failures = 0
        var strikes = 0
        var lockedUntil = Instant(milliseconds: 0)
        var pending = 0
    }

    private var addressFailures: [String: [Instant]] = [:]
    private var addressPending: [String: Int] = [:]
    private var pairs: [String: PairState] = [:]
    /// Bound on remembered addresses and pairs under a spray of them.
    static let memoryBound = 10_000

    static func pairKey(_ login: String, _ address: String) -> String { login.lowercased() + "\u{1F}" + address }

    /// Admits one attempt (counted as pending until `failed` or `succeeded`), or says until when
    /// this address, or this account from this address, must wait.
    func admit(login: String, address: String, now: Instant, limits: LoginLimits) -> Instant? {
        let addressLimit = limits.addressLimit, window = limits.window, pairLimit = limits.pairLimit
        let recent = (addressFailures[address] ?? []).filter { now - $0 < window }
        addressFailures[address] = recent.isEmpty ? nil : recent
        let pendingHere = addressPending[address] ?? 0
        if recent.count + pendingHere >= addressLimit {
            return recent.count >= addressLimit ? (recent.first ?? now) + window : now + .seconds(1)
        }
        let key = Self.pairKey(login, address)
        var pair = pairs[key] ?? PairState()
        if pair.lockedUntil > now { return pair.lockedUntil }
        if pair.failures + pair.pending >= pairLimit { return now + .seconds(1) }
        pair.pending += 1
        pairs[key] = pair
        addressPending[address] = pendingHere + 1
        return nil
    }

    func failed(login: String, address: String, now: Instant, limits: LoginLimits) {
        let pairLimit = limits.pairLimit, lockout = limits.lockout, maxLockout = limits.maxLockout
        release(address)
        addressFailures[address, default: []].append(now)
        let key = Self.pairKey(login, address)
        var pair = pairs[key] ?? PairState()
        pair.pending = max(0, pair.pending - 1)
        pair.failures += 1
        if pair.failures >= pairLimit {
            pair.strikes += 1
            pair.failures = 0
            // 1, 2, 4 … lock periods, capped: each further run of failures waits twice as long.
            var span = lockout
            for _ in 1..<min(pair.strikes, 32) where span < maxLockout { span = span * 2 }
            pair.lockedUntil = now + min(span, maxLockout)
        }
        pairs[key] = pair
        prune(now, window: limits.window)
    }

    func succeeded(login: String, address: String) {
        release(address)
        pairs[Self.pairKey(login, address)] = nil
    }

    private func release(_ address: String) {
        let n = (addressPending[address] ?? 1) - 1
        addressPending[address] = n > 0 ? n : nil
    }

    private func prune(_ now: Instant, window: Seconds) {
        if addressFailures.count > Self.memoryBound {
            addressFailures = addressFailures.filter { now - ($0.value.last ?? now) < window }
        }
        if pairs.count > Self.memoryBound {
            pairs = pairs.filter { $0.value.pending > 0 || $0.value.lockedUntil > now }
        }
    }
}

/// Rows per minute written for unauthenticated requests (see the file comment).
actor AnonymousWriteBudget {
    private var minuteStart = Instant(milliseconds: 0)
    private var used = 0
    private var suppressed = 0

    enum Decision: Equatable {
        /// Write the row; `summaryOfPrevious` > 0 asks for one extra row saying how many rows the
        /// previous minute left out.
        case write(summaryOfPrevious: Int)
        case skip
    }

    /// Whether one more row may be written now, `perMinute` (from `[web]`) being the budget.
    func take(now: Instant, perMinute configured: Int) -> Decision {
        let perMinute = max(1, configured)
        var summary = 0
        if now - minuteStart >= .minutes(1) || now < minuteStart {
            summary = suppressed
            minuteStart = now
            used = 0
            suppressed = 0
        }
        guard used < perMinute else {
            suppressed += 1
            return .skip
        }
        used += summary > 0 ? 2 : 1
        return .write(summaryOfPrevious: summary)
    }
}

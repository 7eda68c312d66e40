// The daemon's malloc settings (glibc mallopt). glibc gives every thread that allocates under
// contention an arena of its own (up to 8 per core, 64 MiB reserved each, a few hundred kB to
// a few MB resident each); the daemon's threads (task pool, store, USB, SMTP, web) allocate
// little and rarely at once, so one shared arena keeps the steady RSS down (bench/daemon).
import Glibc

public enum ProcessMemory {
    /// glibc's M_ARENA_MAX (malloc.h, which the Glibc module does not import).
    static let arenaMaxParameter: Int32 = -8

    /// Caps glibc's malloc arenas for this process. Returns false when refused or not glibc.
    @discardableResult
    public static func limitMallocArenas(_ count: Int32) -> Bool {
        // mallopt is looked up at run time: malloc.h is not part of the Glibc module.
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") else { return false }
        typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
        return unsafeBitCast(symbol, to: Mallopt.self)(arenaMaxParameter, count) == 1
    }
}

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

extension ProcessMemory {
    /// Linux's MADV_PAGEOUT (5.4+; not in every Glibc module's headers).
    static let pageOutAdvice: Int32 = 21

    /// Hands back to the kernel the pages of the program's own file (its code, and a read-only
    /// header segment) that are resident now: at start the Swift runtime walks its type metadata
    /// and conformance records, the configuration is parsed and the migrations run, and the
    /// kernel maps 64 kB around every fault, so about 10 MB of a release binary's code is
    /// resident while about 2 MB is used afterwards (bench/daemon/README.md). MADV_PAGEOUT
    /// reclaims those clean file pages from the page cache when no other process maps them, so
    /// the memory is freed on the box, not only taken off this process's RSS; pages still in use
    /// come back on their next touch, read from the file again. Only non-writable mappings of the
    /// file are advised (the relocated RELRO segment holds private copies and is left alone), so
    /// no data can be lost. Returns the kilobytes advised (0 when there was nothing to advise or
    /// /proc is unreadable); the kernel skips what it may not reclaim.
    @discardableResult
    public static func returnProgramFilePages() -> Int {
        guard let target = try? FileSystem.linkTarget(Array("/proc/self/exe".utf8)),
              let maps = try? FileSystem.readText("/proc/self/maps") else { return 0 }
        let exe = String(decoding: target, as: UTF8.self)
        var advisedBytes = 0
        for line in maps.split(separator: "\n") {
            // "start-end perms offset dev inode path"; the path is the rest of the line.
            let fields = line.split(separator: " ", maxSplits: 5, omittingEmptySubsequences: true)
            guard fields.count == 6, fields[5].trimmingPrefix(while: { $0 == " " }) == exe[...] else { continue }
            let perms = fields[1], offset = fields[2]
            // Code (r-xp), or the read-only segment at the file's start (ELF headers, rodata).
            guard perms == "r-xp" || (perms == "r--p" && offset.allSatisfy { $0 == "0" }) else { continue }
            let range = fields[0].split(separator: "-")
            guard range.count == 2, let start = UInt(range[0], radix: 16), let end = UInt(range[1], radix: 16), end > start,
                  let address = UnsafeMutableRawPointer(bitPattern: start) else { continue }
            if madvise(address, Int(end - start), pageOutAdvice) == 0 { advisedBytes += Int(end - start) }
        }
        return advisedBytes / 1024
    }
}

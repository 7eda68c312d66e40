// The memory trim service: after a burst of web requests the allocator keeps the freed pages of
// its arenas (measured: anonymous RSS 4.8 MB idle → 30 MB after 58,000 requests and staying
// there). Every `interval` it hands free pages back to the kernel (malloc_trim), so RSS returns
// near idle once the load stops. The arena count is capped at start by the composition root.
// At its first pass, once start-up is over (configuration, migrations, the first checks), it also
// hands the kernel back the pages of the program's own code that only start-up touched
// (`ProcessMemory.returnProgramFilePages`, bench/daemon/README.md); WATCHPOST_KEEP_STARTUP_PAGES=1
// turns that off, so that bench/daemon can report the footprint with and without it.
import WatchpostCore
import Posix

public struct MemoryTrimService: Service {
    public let name = "memory-trim"
    let clock: any WatchpostClock
    let interval: Seconds
    let returnStartupPages: Bool
    let logger: Logger?

    public init(clock: any WatchpostClock, interval: Seconds = .seconds(10), logger: Logger? = nil,
                returnStartupPages: Bool = CurrentProcess.environment("WATCHPOST_KEEP_STARTUP_PAGES") == nil) {
        self.clock = clock
        self.interval = interval
        self.logger = logger
        self.returnStartupPages = returnStartupPages
    }

    public func run() async throws {
        var first = true
        while !Task.isCancelled {
            try await clock.sleep(for: interval)
            Allocator.releaseFreeMemory()
            if first {
                if returnStartupPages {
                    let before = CurrentProcess.residentKilobytes() ?? 0
                    let advised = ProcessMemory.returnProgramFilePages()
                    logger?.info("start-up code pages returned to the kernel", [("advised_kb", String(advised)), ("rss_before_kb", String(before)),
                                                                                ("rss_after_kb", String(CurrentProcess.residentKilobytes() ?? 0))])
                } else {
                    logger?.info("start-up code pages kept (WATCHPOST_KEEP_STARTUP_PAGES)")
                }
            }
            first = false
        }
    }
}

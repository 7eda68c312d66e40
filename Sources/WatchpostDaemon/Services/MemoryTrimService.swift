// The memory trim service: after a burst of web requests the allocator keeps the freed pages of
// its arenas (measured: anonymous RSS 4.8 MB idle → 30 MB after 58,000 requests and staying
// there). Every `interval` it hands free pages back to the kernel (malloc_trim), so RSS returns
// near idle once the load stops. The arena count is capped at start by the composition root.
import WatchpostCore
import Posix

public struct MemoryTrimService: Service {
    public let name = "memory-trim"
    let clock: any WatchpostClock
    let interval: Seconds

    public init(clock: any WatchpostClock, interval: Seconds = .seconds(10)) {
        self.clock = clock
        self.interval = interval
    }

    public func run() async throws {
        while !Task.isCancelled {
            try await clock.sleep(for: interval)
            Allocator.releaseFreeMemory()
        }
    }
}

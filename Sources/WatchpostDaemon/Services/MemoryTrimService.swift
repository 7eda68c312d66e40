// The memory trim service: after a burst of web requests the allocator keeps the freed pages of
// its arenas (measured: anonymous RSS 4.8 MB idle → 30 MB after 58,000 requests and staying
// there). Every `interval` it hands free pages back to the kernel (malloc_trim), so RSS returns
// near idle once the load stops. The arena count is capped at start by the composition root.
// Once, `programPagesAfter` the start, it also lets go of the program file's pages that only the
// start touched (ProcessMemory.releaseProgramFilePages: about 8 MB of the binary's ≈ 10 MB
// resident; the steady work maps back the ≈ 2 MB it uses; bench/daemon/README.md, #20).
import WatchpostCore
import Posix

public struct MemoryTrimService: Service {
    public let name = "memory-trim"
    let clock: any WatchpostClock
    let interval: Seconds
    let programPagesAfter: Seconds

    public init(clock: any WatchpostClock, interval: Seconds = .seconds(10), programPagesAfter: Seconds = .seconds(30)) {
        self.clock = clock
        self.interval = interval
        self.programPagesAfter = programPagesAfter
    }

    public func run() async throws {
        let started = clock.now()
        var programPagesReleased = false
        while !Task.isCancelled {
            try await clock.sleep(for: interval)
            Allocator.releaseFreeMemory()
            if !programPagesReleased && clock.now() - started >= programPagesAfter {
                ProcessMemory.releaseProgramFilePages()
                programPagesReleased = true
            }
        }
    }
}

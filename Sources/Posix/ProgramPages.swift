// Drops the page-table entries of the program's own code and constant data once the daemon has
// started (MemoryTrimService; issue #20, bench/daemon/README.md). Start-up touches most of the 15 MB binary once —
// the Swift runtime's scans of type metadata and conformance records, configuration loading,
// migrations — and the kernel maps 64 kB around every page fault, so ≈ 10 MB of the file stay
// resident although the steady work uses ≈ 2 MB of it. These are clean pages of the file
// (shared with the page cache): dropping them loses nothing, and a page used again is mapped
// again on its next access (a minor fault, no disk read while the page cache holds it).
import Glibc

extension ProcessMemory {
    /// `madvise(MADV_DONTNEED)` on every mapping of the running executable that is not writable
    /// and holds no private copy of a page (smaps `Anonymous: 0 kB`: nothing was relocated or
    /// written there, so it is exactly the file's content). Returns the kB no longer resident.
    @discardableResult
    public static func releaseProgramFilePages() -> Int {
        guard let exe = CurrentProcess.executablePath(),
              let smaps = try? FileSystem.readText("/proc/self/smaps") else { return 0 }
        struct Mapping { var start: UInt, end: UInt, readOnly: Bool, rss = 0, anonymous = 0 }
        var mappings: [Mapping] = []
        var current: Mapping?
        func finishMapping() { if let m = current { mappings.append(m) }; current = nil }
        for line in smaps.split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard let first = fields.first else { continue }
            if first.contains("-"), fields.count >= 5, let dash = first.firstIndex(of: "-") {
                finishMapping()
                guard fields.count >= 6, fields[5...].joined(separator: " ") == exe,
                      let start = UInt(first[..<dash], radix: 16), let end = UInt(first[first.index(after: dash)...], radix: 16), end > start
                else { continue }
                current = Mapping(start: start, end: end, readOnly: !fields[1].contains("w"))
            } else if current != nil, fields.count >= 2, let kb = Int(fields[1]) {
                if first == "Rss:" { current?.rss = kb } else if first == "Anonymous:" { current?.anonymous = kb }
            }
        }
        finishMapping()
        var released = 0
        for m in mappings where m.readOnly && m.anonymous == 0 && m.rss > 0 {
            if madvise(UnsafeMutableRawPointer(bitPattern: m.start), Int(m.end - m.start), MADV_DONTNEED) == 0 { released += m.rss }
        }
        return released
    }
}

// The daemon lets go, once after start, of the program file's pages that only the start touched
// (ProcessMemory.releaseProgramFilePages, called by MemoryTrimService; issue #20). Checked on
// this test process: the program's resident kB fall, and code and constant data still work.
import Testing
import Posix
import WatchpostTestSupport

@Suite("Program pages released after start")
struct ProgramPagesTests {
    /// Resident kB of the running executable's mappings, read from /proc/self/smaps.
    func programResidentKilobytes() throws -> Int {
        let exe = try #require(CurrentProcess.executablePath())
        var total = 0, inProgram = false
        for line in try FileSystem.readText("/proc/self/smaps").split(separator: "\n") {
            let fields = line.split(separator: " ")
            if let first = fields.first, first.contains("-"), fields.count >= 5 {
                inProgram = fields.count >= 6 && fields[5...].joined(separator: " ") == exe
            } else if inProgram, fields.first == "Rss:", fields.count >= 2, let kb = Int(fields[1]) {
                total += kb
            }
        }
        return total
    }

    @Test("the program's clean pages leave the resident set; the program goes on running")
    func cleanProgramPagesAreReleased() throws {
        let before = try programResidentKilobytes()
        let released = ProcessMemory.releaseProgramFilePages()
        let after = try programResidentKilobytes()
        #expect(released > 0, "nothing released (program resident \(before) kB)")
        #expect(after < before, "program resident \(before) kB before, \(after) kB after")
        // Code and constant data are mapped back on use: a table of strings and a sort still work.
        let words = ["màn hình", "bộ lưu điện", "đường truyền"].sorted()
        #expect(words == ["bộ lưu điện", "màn hình", "đường truyền"])
        #expect(try programResidentKilobytes() > 0)
    }
}

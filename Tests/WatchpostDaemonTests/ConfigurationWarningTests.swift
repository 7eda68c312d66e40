// `watchpost check` on a copy of the shipped configuration (issue #14 point 9): it warns — in
// Vietnamese, then English — when a site's holiday list ends within 90 days (the Government
// announces each year's days off; past the list, holidays would be ordinary days) and when an
// organisation has no `source =` naming its article; it stays quiet otherwise and never fails
// the check for either.
import Testing
import WatchpostCore
import Posix
import WatchpostTestSupport
import WatchpostHost

@Suite("watchpost check warnings")
struct ConfigurationWarningTests {
    /// An Ed25519 public key in PEM: `check` refuses a key file that is not one (#19).
    static let publicKeyPEM = "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAJWzM2k4dapbH3OhA7hiZUaokN1MZip1e1uoLLRvYxlI=\n-----END PUBLIC KEY-----\n"
    func copyOfTheShippedConfiguration() async throws -> String {
        let dir = try makeTemporaryFolder("watchpost-check-warnings")
        try await copyShippedConfiguration(into: dir)
        try FileSystem.makeDirectories("\(dir)/keys")
        // The Departments' content keys are installed on site (README "Content integrity").
        for k in ["department-dien-bien.pub", "department-ha-tinh.pub"] { try FileSystem.writeAtomically("\(dir)/keys/\(k)", Self.publicKeyPEM) }
        return dir
    }

    /// The Tây Trang schedule with its [holidays] list ending `days` days from today.
    func holidaysEnding(in days: Int64, _ dir: String) throws {
        let path = "\(dir)/probes/tay-trang/schedule.conf"
        let text = try FileSystem.readText(path)
        let today = ZoneOffset.hoChiMinh.localDate(of: SystemClock().now())
        let last = CivilDate(daysSinceEpoch: today.daysSinceEpoch + days)
        var lines: [String] = []
        var inHolidays = false
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("[") {
                inHolidays = line == "[holidays]"
                lines.append(String(line))
                if inHolidays { lines.append("\(last) = Ngày nghỉ thử / test holiday") }
                continue
            }
            if inHolidays, line.first?.isNumber == true { continue }
            lines.append(String(line))
        }
        try FileSystem.writeAtomically(path, lines.joined(separator: "\n"))
    }

    @Test func holidayListEndingWithin90DaysIsWarned() async throws {
        let dir = try await copyOfTheShippedConfiguration()
        defer { removeTree(dir) }
        let (quietRC, quiet) = await shell("'\(watchpost)' check --config '\(dir)' 2>&1")
        expectEqual(quietRC, 0, "\(quiet)")
        #expect(!quiet.contains("danh sách ngày lễ"), "the shipped lists run past 90 days: \(quiet)")
        #expect(!quiet.contains("chưa có source"), "every shipped organisation cites its article: \(quiet)")

        try holidaysEnding(in: 30, dir)
        let (rc, out) = await shell("'\(watchpost)' check --config '\(dir)' 2>&1")
        expectEqual(rc, 0, "a warning never fails the check: \(out)")
        #expect(out.contains("tay-trang/schedule.conf: danh sách ngày lễ kết thúc ngày"), "\(out)")
        #expect(out.contains("(còn 30 ngày)"), "\(out)")
        #expect(out.contains("the holiday list ends on"), "\(out)")

        try holidaysEnding(in: 120, dir)
        let (_, later) = await shell("'\(watchpost)' check --config '\(dir)' 2>&1")
        #expect(!later.contains("danh sách ngày lễ"), "\(later)")
    }

    @Test func organisationWithoutSourceIsWarned() async throws {
        let dir = try await copyOfTheShippedConfiguration()
        defer { removeTree(dir) }
        let path = "\(dir)/alerts/contacts.conf"
        let text = try FileSystem.readText(path)
        // The power company's `source =` line (the first one citing only Điều 4.2) removed.
        let line = "source = 2432/QĐ-UBND Điều 4.2\n"
        let power = try #require(text.firstRange(of: "[organisation dienluc-ha-tinh]"))
        let own = try #require(text[power.upperBound...].firstRange(of: line))
        #expect(!text[power.upperBound..<own.lowerBound].contains("[organisation"), "the line belongs to the power company")
        try FileSystem.writeAtomically(path, String(text[..<own.lowerBound]) + String(text[own.upperBound...]))
        let (rc, out) = await shell("'\(watchpost)' check --config '\(dir)' 2>&1")
        expectEqual(rc, 0, "\(out)")
        #expect(out.contains("tổ chức dienluc-ha-tinh chưa có source ="), "\(out)")
    }
}

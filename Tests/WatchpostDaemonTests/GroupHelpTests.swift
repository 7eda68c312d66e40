import Testing
import WatchpostCore
import WatchpostTestSupport

/// Every command group answers `--help` (and `watchpost help <group>`) by listing its
/// subcommands, instead of "unknown command" (issue 15, point 6).
@Suite("watchpost <group> --help")
struct GroupHelpTests {
    @Test func everyGroupListsItsSubcommands() async throws {
        let (rc, all) = await shell("'\(watchpost)' help")
        try #require(rc == 0, "\(all)")
        // The groups are the first words of the two-word commands in the overall help.
        var groups: [String: [String]] = [:]
        for line in all.split(separator: "\n") where line.hasPrefix("  ") {
            let words = line.split(separator: " ")
            if words.count >= 2, words[1].first?.isLetter == true, words[1].first?.isLowercase == true,
               line.hasPrefix("  \(words[0]) \(words[1]) ") {
                groups[String(words[0]), default: []].append("\(words[0]) \(words[1])")
            }
        }
        for required in ["user", "maintenance", "manifest", "plan"] { #expect(groups[required] != nil, "no group \(required) in: \(all)") }
        for (group, subcommands) in groups.sorted(by: { $0.key < $1.key }) {
            // The register groups are commands of their own (RegisterCommands.swift: a bare group
            // exits 64 with its list); the others answer from main.swift's group help.
            for form in ["\(group) --help", "\(group)", "help \(group)"] {
                let (code, out) = await shell("'\(watchpost)' \(form) 2>&1")
                if form != group { expectEqual(code, 0, "watchpost \(form) exited \(code): \(out)") }
                #expect(!out.contains("unknown command"), "watchpost \(form): \(out)")
                for s in subcommands { #expect(out.contains("  \(s) "), "watchpost \(form) does not list \(s): \(out)") }
            }
        }
        let (code, out) = await shell("'\(watchpost)' user frobnicate 2>&1")
        #expect(code == 64 && out.contains("không có lệnh con") && out.contains("user add"), "\(code) \(out)")
        let (_, users) = await shell("'\(watchpost)' user --help 2>&1")
        #expect(users.contains("Các lệnh con của nhóm user"), "\(users)")
        // Vietnamese first: the overall help and a command's help open with the Vietnamese text.
        #expect(all.hasPrefix("watchpost") && all.contains("giám sát và xử lý sự cố") && all.contains("Các lệnh:")
                && all.contains("  user add") && all.contains("thêm tài khoản web"), "\(all)")
        let (_, add) = await shell("'\(watchpost)' user add --help 2>&1")
        #expect(add.hasPrefix("thêm tài khoản web"), "\(add)")
    }
}

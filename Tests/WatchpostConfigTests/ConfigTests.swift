import Testing
import WatchpostCore
@testable import WatchpostConfig
import Posix
import Glibc
import WatchpostTestSupport

/// The package root (the shipped configuration lives there).
let packageRoot = TestPaths.packageRoot

/// Copies the shipped configuration into a fresh temporary folder.
func copyShippedConfig() async throws -> String {
    let dir = try makeTemporaryFolder("watchpost-config")
    try await copyShippedConfiguration(into: dir)
    return dir
}

func edit(_ path: String, replacing old: String, with new: String) throws {
    let text = try FileSystem.readText(path)
    try #require(text.contains(old), "\(path) does not contain \(old)")
    try FileSystem.writeAtomically(path, text.replacingFirst(old, with: new))
}

extension String {
    func replacingFirst(_ old: String, with new: String) -> String {
        guard let r = firstRange(of: old) else { return self }
        return String(self[..<r.lowerBound]) + new + String(self[r.upperBound...])
    }
}

@Suite("Configuration")
struct ConfigTests {
    @Test func shippedProfilesAreValid() throws {
        let (config, diagnostics) = ConfigurationLoader.validate(root: packageRoot)
        #expect(diagnostics.isEmpty, "\(diagnostics.map(\.description).joined(separator: "\n"))")
        let tay = try #require(config.site("tay-trang"))
        let vung = try #require(config.site("vung-ang"))
        expectEqual(tay.zone, .hoChiMinh)
        expectEqual(tay.schedule.holidayWindows.count, 1)
        // Tết 2026 and 2027 are listed.
        #expect(tay.schedule.exceptions[CivilDate(year: 2026, month: 2, day: 17)] != nil)
        #expect(tay.schedule.exceptions[CivilDate(year: 2027, month: 2, day: 6)] != nil)
        #expect(vung.schedule.nextChange(after: 1_790_000_000) == nil)  // 24/7
        // Every role the regulations name is represented.
        for role in [OrganisationRole.operator, .security, .technician, .department, .committee] {
            #expect(!config.contacts.organisations(withRole: role, site: "tay-trang").isEmpty, "tay-trang lacks \(role)")
            #expect(!config.contacts.organisations(withRole: role, site: "vung-ang").isEmpty, "vung-ang lacks \(role)")
        }
        expectEqual(config.chains["tay-trang"]?.levels.count, 3)
    }

    @Test func fiveMistakesFiveErrors() async throws {
        let dir = try await copyShippedConfig()
        defer { removeTree(dir) }
        try edit("\(dir)/probes/tay-trang/checks.conf", replacing: "interval = 5m", with: "intervall = 5m")
        try edit("\(dir)/probes/vung-ang/checks.conf", replacing: "timeout = 10s", with: "timeout = ten seconds")
        try edit("\(dir)/alerts/chains/tay-trang.conf", replacing: "org:stttt-dien-bien", with: "org:stttt-dienbien")
        try edit("\(dir)/probes/tay-trang/schedule.conf", replacing: "saturday  = 08:00-18:00", with: "saturday  = 08:00-12:00, 11:00-18:00")
        let checks = try FileSystem.readText("\(dir)/probes/vung-ang/checks.conf")
        try FileSystem.writeAtomically("\(dir)/probes/vung-ang/checks.conf", checks + "\n[check box-disk]\nkind = exec\ncommand = contrib/plugins/check_disk_free\n")
        let (_, diagnostics) = ConfigurationLoader.validate(root: dir)
        expectEqual(diagnostics.count, 5, "\(diagnostics.map(\.description).joined(separator: "\n"))")
        let text = diagnostics.map(\.englishDescription)
        #expect(text.contains { $0.hasPrefix("probes/tay-trang/checks.conf:") && $0.contains("intervall: unknown key") && $0.contains("did you mean 'interval'") })
        #expect(text.contains { $0.hasPrefix("probes/vung-ang/checks.conf:") && $0.contains("timeout:") && $0.contains("not a duration") })
        #expect(text.contains { $0.hasPrefix("alerts/chains/tay-trang.conf:") && $0.contains("missing contact") && $0.contains("stttt-dien-bien") })
        #expect(text.contains { $0.hasPrefix("probes/tay-trang/schedule.conf:") && $0.contains("overlap") })
        #expect(text.contains { $0.contains("duplicate check id 'box-disk'") })
        // `watchpost check` prints it Vietnamese first (issue 15, review s5 defect 4: English only).
        let duplicate = diagnostics.first { $0.message.contains("duplicate check id") }
        expectEqual(duplicate?.description.contains("mã hạng mục giám sát 'box-disk' bị trùng (đã khai báo ở dòng"), true, "\(String(describing: duplicate))")
    }

    /// The INI syntax and section diagnostics come from the catalogue, Vietnamese first, each
    /// with its English translation (they were English only).
    @Test func syntaxAndSectionDiagnosticsAreVietnameseFirst() async throws {
        let ini = INIFile(path: "checks.conf", text: "x = 1\n[check broken\nnot a pair\n")
        let vi = ini.diagnostics.map(\.description)
        #expect(vi.contains { $0.contains("dòng khai báo nằm trước mọi [mục] / entry before any [section]") }, "\(vi)")
        #expect(vi.contains { $0.contains("tiêu đề mục phải kết thúc bằng ']' / section header must end with ']'") }, "\(vi)")
        #expect(vi.contains { $0.contains("cần viết dạng 'khóa = giá trị' / expected 'key = value'") }, "\(vi)")
        let dir = try await copyShippedConfig()
        defer { removeTree(dir) }
        let checks = try FileSystem.readText("\(dir)/probes/tay-trang/checks.conf")
        try FileSystem.writeAtomically("\(dir)/probes/tay-trang/checks.conf", checks + "\n[chek typo]\nkind = exec\n")
        let watchpost = try FileSystem.readText("\(dir)/watchpost.conf")
        try FileSystem.writeAtomically("\(dir)/watchpost.conf", watchpost + "\n[dameon]\n")
        let (_, diagnostics) = ConfigurationLoader.validate(root: dir)
        let all = diagnostics.map(\.description)
        #expect(all.contains { $0.contains("không có loại mục [chek typo] trong checks.conf (có phải là [check TÊN]?) / unknown section [chek typo] in checks.conf (did you mean [check NAME]?)") }, "\(all)")
        #expect(all.contains { $0.contains("không có loại mục [dameon] (có phải là [daemon]?) / unknown section [dameon] (did you mean [daemon]?)") }, "\(all)")
        #expect(diagnostics.allSatisfy { $0.text != nil }, "diagnostics without a catalogue text: \(diagnostics.filter { $0.text == nil }.map(\.englishDescription))")
    }

    @Test func organisationWithoutAddressInChain() async throws {
        let dir = try await copyShippedConfig()
        defer { removeTree(dir) }
        try edit("\(dir)/alerts/contacts.conf", replacing: "email = vanphong@ubnd-dienbien.example.org\n", with: "")
        let (_, diagnostics) = ConfigurationLoader.validate(root: dir)
        #expect(diagnostics.contains { $0.file == "alerts/chains/tay-trang.conf" && $0.message.contains("ubnd-dien-bien") && $0.message.contains("no email address") })
    }

    @Test func emptyWindowAndUnknownTimezoneAndKind() async throws {
        let dir = try await copyShippedConfig()
        defer { removeTree(dir) }
        try edit("\(dir)/probes/tay-trang/schedule.conf", replacing: "sunday    = 08:00-18:00", with: "sunday    = 09:00-09:00")
        try edit("\(dir)/probes/vung-ang/site.conf", replacing: "timezone = Asia/Ho_Chi_Minh", with: "timezone = Asia/Hanoi_City")
        try edit("\(dir)/probes/vung-ang/checks.conf", replacing: "kind = exec", with: "kind = exce")
        let (_, d) = ConfigurationLoader.validate(root: dir)
        #expect(d.contains { $0.key == "sunday" && $0.message.contains("empty") })
        #expect(d.contains { $0.key == "timezone" && $0.message.contains("unknown timezone") })
        #expect(d.contains { $0.key == "kind" && $0.message.contains("did you mean 'exec'") })
    }

    @Test func unknownTemplatePlaceholder() {
        let d = ConfigurationLoader.templateDiagnostics(text: "Hello {{site}}\n{{stauts}} here", file: "t.txt")
        expectEqual(d.count, 1)
        expectEqual(d.first?.line, 2)
        expectEqual(d.first?.message.contains("did you mean 'status'"), true)
    }

    @Test func iniParsing() {
        let ini = INIFile(path: "x.conf", text: """
            # comment
            [check a]   # trailing
            url = http://h/p#frag   # a comment after whitespace
            key=value
            orphan line
            """)
        expectEqual(ini.sections.count, 1)
        expectEqual(ini.sections[0].name, "a")
        expectEqual(ini.sections[0].value("url"), "http://h/p#frag")
        expectEqual(ini.sections[0].value("key"), "value")
        expectEqual(ini.diagnostics.count, 1)
        expectEqual(ini.diagnostics.first?.line, 5)
    }
}

@Suite("Secrets")
struct SecretsTests {
    func write(_ text: String, mode: mode_t) throws -> String {
        let path = "\(try makeTemporaryFolder("watchpost-secrets"))/secrets.conf"
        try FileSystem.writeAtomically(path, text, mode: UInt32(mode))
        chmod(path, mode)
        return path
    }

    @Test func refusesGroupReadableFile() throws {
        let path = try write("[smtp]\npassword = hunter2\n", mode: 0o644)
        defer { unlink(path) }
        do {
            _ = try Secrets.load(file: path, environment: { _ in nil })
            Issue.record("a 0644 secrets file was accepted")
        } catch {
            #expect(error.message.contains("mode 644"))
            expectEqual(error.hint, "chạy: chmod 600 \(path) / run: chmod 600 \(path)")
            #expect(error.text?.key == "secrets.mode" && error.message.hasPrefix("tệp bí mật \(path) có quyền 644"), "\(error)")
            #expect(!error.description.contains("hunter2"))
        }
    }

    @Test func readsFileAndEnvironmentWithoutPrintingSecrets() throws {
        let path = try write("[smtp]\npassword = hunter2\n[web]\nlink_key = abc\n", mode: 0o600)
        defer { unlink(path) }
        let fromEnv = "f0e1d2c3b4a5968778695a4b3c2d1e0ff0e1d2c3b4a5968778695a4b3c2d1e0f"
        let s = try Secrets.load(file: path, environment: { $0 == "WATCHPOST_LINK_KEY" ? fromEnv : nil })
        expectEqual(s.reveal(.smtpPassword), "hunter2")
        expectEqual(s.reveal(.linkKey), fromEnv)
        #expect(!s.description.contains("hunter2"))
        #expect(!String(describing: s).contains(fromEnv))
    }

    @Test func unknownSecretDoesNotEchoValue() throws {
        let path = try write("[smtp]\npasswd = hunter2\n", mode: 0o600)
        defer { unlink(path) }
        #expect(throws: WatchpostError.self) { try Secrets.load(file: path, environment: { _ in nil }) }
        do { _ = try Secrets.load(file: path, environment: { _ in nil }) } catch {
            #expect(!error.description.contains("hunter2"))
        }
    }
}

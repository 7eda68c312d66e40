// Issue #19, configuration and secrets: each test reproduces one reported defect on a copy of the
// shipped configuration (a trap, a silent acceptance, a placeholder accepted, a secret echoed)
// and requires a `file:line` diagnostic instead.
import Testing
import WatchpostTestSupport
import WatchpostCore
@testable import WatchpostConfig
import WatchpostProbes
import Posix
import Glibc

/// An Ed25519 key pair in PEM (made with openssl genpkey -algorithm ed25519, for these tests only).
private let publicKeyPEM = "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAJWzM2k4dapbH3OhA7hiZUaokN1MZip1e1uoLLRvYxlI=\n-----END PUBLIC KEY-----\n"
private let privateKeyPEM = "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIJBcysOa5oN9WGT/MaYFb2c2zUSJ3HdxNACrlEnZItu/\n-----END PRIVATE KEY-----\n"

private func diagnosticsText(_ d: [ConfigDiagnostic]) -> String { d.map(\.description).joined(separator: "\n") }

private func append(_ path: String, _ text: String) throws {
    try FileSystem.writeAtomically(path, try FileSystem.readText(path) + text)
}

@Suite("Configuration hardening (#19)")
struct HardeningConfigTests {
    // Point 3: `2026-12-24 =` trapped in parseException (index 0 of an empty split).
    @Test func emptyExceptionValueIsAnError() async throws {
        let dir = try await copyShippedConfig()
        defer { removeTree(dir) }
        try append("\(dir)/probes/tay-trang/schedule.conf", "\n[exceptions]\n2026-12-24 =\n")
        let (_, d) = ConfigurationLoader.validate(root: dir)
        #expect(d.contains { $0.file == "probes/tay-trang/schedule.conf" && $0.key == "2026-12-24" && $0.line > 0 }, "\(diagnosticsText(d))")
        #expect(ConfigurationLoader.parseException("") == nil)
        #expect(ConfigurationLoader.parseException(" | reason only") == nil)
    }

    // The generic schema checks speak Vietnamese first (they were English only), at file:line.
    @Test func genericSchemaMessagesAreVietnameseFirst() async throws {
        let dir = try await copyShippedConfig()
        defer { _ = system("rm -rf '\(dir)'") }
        try edit("\(dir)/probes/tay-trang/site.conf", replacing: "interval = 30s", with: "intervall = 30s\nfail_after = many")
        let (_, d) = ConfigurationLoader.validate(root: dir)
        let text = d.map(\.description)
        let unknown = text.first { $0.hasPrefix("probes/tay-trang/site.conf:") && $0.contains(": intervall: ") }
        expectEqual(unknown?.contains("khóa không có trong [defaults] (có phải là 'interval'?) / unknown key in [defaults] (did you mean 'interval'?)"), true, "\(text)")
        let number = text.first { $0.contains(": fail_after: ") }
        expectEqual(number?.contains("'many' không phải số nguyên / 'many' is not a whole number"), true, "\(text)")
        for diagnostic in d where diagnostic.text != nil {
            #expect(Catalogue.render(diagnostic.text!, .vi) != diagnostic.message, "not translated: \(diagnostic.description)")
        }
        expectEqual(ValueKind.duration(min: .seconds(1), max: .hours(1)).problem("2h"), .message(Message("config.value.too_long", ["value": .text("2h"), "limit": .text("1h")])))
    }

    // The checks of values no built-in kind covers (addresses, target lists, report dates,
    // operating windows) were English only: each now speaks Vietnamese first, at file:line.
    @Test func customValueMessagesAreVietnameseFirst() async throws {
        let dir = try await copyShippedConfig()
        defer { _ = system("rm -rf '\(dir)'") }
        try edit("\(dir)/probes/tay-trang/schedule.conf", replacing: "saturday  = 08:00-18:00", with: "saturday  = 08:00-12:00, 11:00-18:00")
        try append("\(dir)/probes/tay-trang/checks.conf", "\n[check link]\nkind = tcp\ntargets = 192.0.2.1\n\n[check page]\nkind = http\nurl = http://192.0.2.1/\nexpect_status = 2xx\n")
        try append("\(dir)/watchpost.conf", "\n[web]\nlisten = 127.0.0.1\nbase_url = box.example.org\n")
        let (_, d) = ConfigurationLoader.validate(root: dir)
        let text = d.map(\.description)
        func line(_ file: String, _ key: String) -> String? { text.first { $0.hasPrefix(file + ":") && $0.contains(": \(key): ") } }
        expectEqual(line("probes/tay-trang/schedule.conf", "saturday")?.contains("khung giờ 08:00-12:00 và 11:00-18:00 chồng lên nhau / windows 08:00-12:00 and 11:00-18:00 overlap"), true, "\(text)")
        expectEqual(line("probes/tay-trang/checks.conf", "targets")?.contains("'192.0.2.1' thiếu cổng, ví dụ 192.0.2.1:80"), true, "\(text)")
        expectEqual(line("probes/tay-trang/checks.conf", "expect_status")?.contains("không phải danh sách mã trạng thái HTTP"), true, "\(text)")
        expectEqual(line("watchpost.conf", "listen")?.contains("'127.0.0.1' thiếu cổng, ví dụ 127.0.0.1:8080 hoặc [::1]:8080 / '127.0.0.1' needs a port"), true, "\(text)")
        expectEqual(line("watchpost.conf", "base_url")?.contains("'box.example.org' phải bắt đầu bằng http:// hoặc https:// / "), true, "\(text)")
        for diagnostic in d { #expect(diagnostic.text != nil, "not from the catalogue: \(diagnostic.description)") }
    }

    // Point 4: `interval = 999999999999d` overflowed Int64 in Seconds(parsing:).
    @Test func overflowingDurationIsAnError() async throws {
        #expect(Seconds(parsing: "999999999999d") == nil)
        #expect(Seconds(parsing: "999999999999h999999999999d") == nil)
        #expect(Seconds(parsing: "36500d") != nil)
        let dir = try await copyShippedConfig()
        defer { removeTree(dir) }
        try edit("\(dir)/probes/tay-trang/site.conf", replacing: "interval = 30s", with: "interval = 999999999999d")
        let (_, d) = ConfigurationLoader.validate(root: dir)
        #expect(d.contains { $0.file == "probes/tay-trang/site.conf" && $0.key == "interval" && $0.message.contains("not a duration") }, "\(diagnosticsText(d))")
    }

    // Point 5: a CRLF file whose first line is a comment was read as one comment line.
    @Test func crlfAndBOMFilesReadLikeLF() async throws {
        let dir = try await copyShippedConfig()
        defer { removeTree(dir) }
        let (before, d0) = ConfigurationLoader.validate(root: dir)
        #expect(d0.isEmpty)
        for f in ["watchpost.conf", "probes/tay-trang/checks.conf", "probes/tay-trang/site.conf", "alerts/contacts.conf"] {
            let text = try FileSystem.readText("\(dir)/\(f)")
            try FileSystem.writeAtomically("\(dir)/\(f)", (f == "watchpost.conf" ? "\u{FEFF}" : "") + text.split(separator: "\n", omittingEmptySubsequences: false).joined(separator: "\r\n"))
        }
        let (after, d) = ConfigurationLoader.validate(root: dir)
        #expect(d.isEmpty, "\(diagnosticsText(d))")
        expectEqual(after.site("tay-trang")?.checks.count, before.site("tay-trang")?.checks.count)
        #expect((after.site("tay-trang")?.checks.count ?? 0) > 5)
        expectEqual(after.section("daemon")?.value("history_retention"), "800d")
        expectEqual(after.contacts.organisations.count, before.contacts.organisations.count)
    }

    // Point 6: an empty or cut-short watchpost.conf passed `check`.
    @Test func emptyWatchpostConfIsRefused() async throws {
        let dir = try await copyShippedConfig()
        defer { removeTree(dir) }
        try FileSystem.writeAtomically("\(dir)/watchpost.conf", "")
        let (_, d) = ConfigurationLoader.validate(root: dir)
        #expect(d.contains { $0.file == "watchpost.conf" && $0.key == "daemon" && $0.message.contains("empty or cut short") }, "\(diagnosticsText(d))")
        try FileSystem.writeAtomically("\(dir)/watchpost.conf", "# Watchpost — global settings\n")
        #expect(ConfigurationLoader.validate(root: dir).1.contains { $0.key == "daemon" })
    }

    @Test func reloadThatLosesMailOrWebIsRefused() async throws {
        let dir = try await copyShippedConfig()
        defer { removeTree(dir) }
        try append("\(dir)/watchpost.conf", "\n# [web] cut\n[web]\nlisten = 127.0.0.1:8080\n[mail]\ngroup_window = 10s\n")
        let running = try ConfigurationLoader.load(root: dir)
        let whole = try FileSystem.readText("\(dir)/watchpost.conf")
        try FileSystem.writeAtomically("\(dir)/watchpost.conf", String(whole[..<whole.firstRange(of: "# [web] cut")!.lowerBound]))
        let fresh = try ConfigurationLoader.load(root: dir)
        #expect(throws: ConfigurationError.self) { try ConfigurationLoader.refuseLostSections(running: running, fresh: fresh) }
        do { try ConfigurationLoader.refuseLostSections(running: running, fresh: fresh) } catch {
            expectEqual(error.diagnostics.map(\.key).sorted(), ["mail", "web"])
            #expect(error.description.contains("cắt cụt") && error.description.contains("cut short"), "\(error)")
        }
        try ConfigurationLoader.refuseLostSections(running: running, fresh: running)
    }

    // Gap 3 of the review: a watchpost.conf cut at ANY line boundary (it still has [daemon]) is
    // refused with file:line, because [smtp] is required and the shipped file ends with a
    // required key; only the whole file (or one that lost nothing but comments) passes.
    @Test func shippedWatchpostConfCutAtEveryLineIsRefused() async throws {
        try await onOwnThread { try await shippedWatchpostConfCutAtEveryLineIsRefusedOnOwnThread() }
    }

    /// The body of `shippedWatchpostConfCutAtEveryLineIsRefused`, run on a thread of its own (WatchpostTestSupport/OwnThread.swift).
    func shippedWatchpostConfCutAtEveryLineIsRefusedOnOwnThread() async throws {
        let dir = try await copyShippedConfig()
        defer { removeTree(dir) }
        let lines = try FileSystem.readText("\(dir)/watchpost.conf").split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let lastContent = try #require(lines.lastIndex { let t = $0.trimmingWhitespace(); return !t.isEmpty && !t.hasPrefix("#") })
        var passedCut: [Int] = []
        for keep in 0...lines.count {
            try FileSystem.writeAtomically("\(dir)/watchpost.conf", lines.prefix(keep).joined(separator: "\n") + (keep > 0 ? "\n" : ""))
            let d = ConfigurationLoader.validate(root: dir).1.filter { $0.file == "watchpost.conf" }
            if keep <= lastContent {
                if d.isEmpty { passedCut.append(keep) }
                #expect(d.allSatisfy { $0.line >= 1 }, "cut after line \(keep): \(diagnosticsText(d))")
            } else {
                #expect(d.isEmpty, "whole file (\(keep) lines): \(diagnosticsText(d))")
            }
        }
        #expect(passedCut.isEmpty, "a watchpost.conf cut after these line counts passed: \(passedCut)")
        // The diagnostic names what is missing, in Vietnamese then English, at the cut.
        try FileSystem.writeAtomically("\(dir)/watchpost.conf", lines.prefix(12).joined(separator: "\n") + "\n")
        let d = ConfigurationLoader.validate(root: dir).1
        let smtp = try #require(d.first { $0.file == "watchpost.conf" && $0.key == "smtp" }, "\(diagnosticsText(d))")
        #expect(smtp.line == 12 && smtp.text?.key == "config.smtp.missing")
        #expect(smtp.description.hasPrefix("watchpost.conf:12: smtp: không có mục [smtp]") && smtp.description.contains("no [smtp] section"), "\(smtp)")
    }

    // Point 6: `/dev/zero` grew `check` to 12 GB; devices and huge files are refused unread.
    @Test func onlyRegularFilesOfBoundedSize() async throws {
        let dir = try await copyShippedConfig()
        defer { removeTree(dir) }
        try FileSystem.symlink("/dev/zero", at: "\(dir)/probes/tay-trang/zero.conf")
        try FileSystem.writeAtomically("\(dir)/probes/vung-ang/huge.conf", "# " + String(repeating: "x", count: 2 << 20) + "\n")
        let start = monotonicNanoseconds()
        let (_, d) = ConfigurationLoader.validate(root: dir)
        // A hang guard, not a stopwatch: reading /dev/zero never ends (it grew `check` to 12 GB).
        #expect(monotonicNanoseconds() - start < 120_000_000_000)
        #expect(d.contains { $0.file == "probes/tay-trang/zero.conf" && $0.message.contains("not a regular file") }, "\(diagnosticsText(d))")
        #expect(d.contains { $0.file == "probes/vung-ang/huge.conf" && $0.message.contains("larger than") }, "\(diagnosticsText(d))")
    }

    // Point 6: NUL, a lone CR and invalid UTF-8 in names were accepted.
    @Test func controlCharactersAndInvalidUTF8AreRefusedWithTheirLine() async throws {
        let dir = try await copyShippedConfig()
        defer { removeTree(dir) }
        let site = "\(dir)/probes/tay-trang/site.conf"
        let lines = try FileSystem.readText(site).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let nameLine = try #require(lines.firstIndex { $0.hasPrefix("name = ") }) + 1
        try edit(site, replacing: "name = Cụm", with: "name = C\u{0}ụm")
        try edit("\(dir)/alerts/contacts.conf", replacing: "name = ", with: "name = A\rB ")
        var bytes = Array(try FileSystem.readText("\(dir)/probes/vung-ang/site.conf").utf8)
        let nl = try #require(bytes.firstIndex(of: 10))
        bytes.insert(contentsOf: [0xC3, 0x28], at: nl)  // invalid UTF-8 at the end of line 1
        try FileSystem.writeAtomically("\(dir)/probes/vung-ang/site.conf", String(decoding: [], as: UTF8.self))
        let fd = open("\(dir)/probes/vung-ang/site.conf", O_WRONLY | O_TRUNC)
        _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
        let (_, d) = ConfigurationLoader.validate(root: dir)
        #expect(d.contains { $0.file == "probes/tay-trang/site.conf" && $0.line == nameLine && $0.message.contains("U+0000") }, "\(diagnosticsText(d))")
        #expect(d.contains { $0.file == "alerts/contacts.conf" && $0.message.contains("U+000D") }, "\(diagnosticsText(d))")
        #expect(d.contains { $0.file == "probes/vung-ang/site.conf" && $0.line == 1 && $0.message.contains("UTF-8") }, "\(diagnosticsText(d))")
        // Only the real error: no follow-on "missing [site] section" at line 0 (#19 review, s5).
        #expect(!d.contains { $0.file == "probes/vung-ang/site.conf" && $0.line == 0 }, "\(diagnosticsText(d))")
    }

    // #19 review, s5: `closed |` (a closed day with an empty reason) was accepted.
    @Test func closedDayWithoutReasonIsRefused() async throws {
        let dir = try await copyShippedConfig()
        defer { removeTree(dir) }
        try append("\(dir)/probes/tay-trang/schedule.conf", "\n[exceptions]\n2026-12-24 = closed |\n2026-12-25 = closed\n2026-12-26 = closed | Bảo trì màn hình\n")
        let (config, d) = ConfigurationLoader.validate(root: dir)
        for day in ["2026-12-24", "2026-12-25"] {
            let e = d.first { $0.file == "probes/tay-trang/schedule.conf" && $0.key == day }
            #expect(e?.line ?? 0 > 0 && e?.text?.key == "config.schedule.closed_reason", "\(diagnosticsText(d))")
            #expect(e?.description.contains("phải ghi lý do") == true && e?.description.contains("must give its reason") == true, "\(diagnosticsText(d))")
        }
        #expect(!d.contains { $0.key == "2026-12-26" }, "\(diagnosticsText(d))")
        expectEqual(config.site("tay-trang")?.schedule.exceptions[CivilDate(parsing: "2026-12-26")!], .closed(reason: "Bảo trì màn hình"))
    }

    // #19 review, s5: a content public key holding garbage, an empty file, or the private key
    // copied over the .pub passed `check`; only the probe found it at run time.
    @Test func malformedContentPublicKeyIsRefused() async throws {
        let dir = try await copyShippedConfig()
        defer { removeTree(dir) }
        try FileSystem.makeDirectories("\(dir)/keys")
        try FileSystem.writeAtomically("\(dir)/keys/department-ha-tinh.pub", publicKeyPEM)
        let (config, d0) = ConfigurationLoader.validate(root: dir)
        #expect(d0.isEmpty, "\(diagnosticsText(d0))")
        for (what, text) in [("garbage", "hello\n"), ("empty", ""), ("private key", privateKeyPEM), ("public key", publicKeyPEM)] {
            try FileSystem.writeAtomically("\(dir)/keys/department-dien-bien.pub", text)
            let x = CrossReferences.diagnostics(config).filter { $0.key == "public_key" }
            if what == "public key" { #expect(x.isEmpty, "\(diagnosticsText(x))"); continue }
            let e = try #require(x.first, "\(what) accepted")
            #expect(e.file == "probes/tay-trang/checks.conf" && e.line > 0 && e.text?.key == "config.content_key.invalid", "\(what): \(e)")
            #expect(e.description.contains("không phải khóa công khai Ed25519") && e.description.contains("is not an Ed25519 public key"), "\(what): \(e)")
        }
    }

    // #19 review, s5: `check` was ok with the database in a folder that cannot exist and with the
    // secrets file missing while [web] needs its link key.
    @Test func daemonFilesAreChecked() async throws {
        let dir = try await copyShippedConfig()
        defer { removeTree(dir) }
        try FileSystem.writeAtomically("\(dir)/plain-file", "x")
        let conf = "\(dir)/watchpost.conf"
        let shipped = try FileSystem.readText(conf)
        func daemonFiles(database: String, secrets: String, web: Bool, env: [String: String] = [:]) throws -> (errors: [ConfigDiagnostic], warnings: [Message]) {
            var text = shipped.replacing(try Regex("(?m)^database = .*$"), with: "database = \(database)")
                .replacing(try Regex("(?m)^secrets = .*$"), with: "secrets = \(secrets)")
            if web { text += "\n[web]\nlisten = 127.0.0.1:8080\n" }
            try FileSystem.writeAtomically(conf, text)
            let (config, d) = ConfigurationLoader.validate(root: dir)
            #expect(d.isEmpty, "\(diagnosticsText(d))")
            return CrossReferences.daemonFiles(config, environment: { env[$0] })
        }
        // A folder under a regular file can never be made.
        let under = try daemonFiles(database: "\(dir)/plain-file/db/w.db", secrets: "\(dir)/none.conf", web: false)
        let e = try #require(under.errors.first { $0.key == "database" }, "\(under)")
        #expect(e.file == "watchpost.conf" && e.line > 1 && e.text?.key == "config.database.folder_missing", "\(e)")
        #expect(e.description.contains("không tạo được") && e.description.contains("cannot be made"), "\(e)")
        // A folder `run` will make (as it makes var/): a warning, not an error.
        let later = try daemonFiles(database: "\(dir)/var/sub/w.db", secrets: "\(dir)/none.conf", web: false)
        #expect(later.errors.isEmpty, "\(later.errors)")
        #expect(later.warnings.contains { $0.key == "config.database.folder_made" } && later.warnings.contains { $0.key == "config.secrets.file_unused" })
        // [web] needs the link key: a missing secrets file is an error at its line, unless the environment gives it.
        let web = try daemonFiles(database: "\(dir)/w.db", secrets: "\(dir)/none.conf", web: true)
        let s = try #require(web.errors.first { $0.key == "secrets" }, "\(web)")
        #expect(s.line > 1 && s.text?.key == "config.secrets.file_missing" && s.description.contains("web.link_key"), "\(s)")
        #expect(try daemonFiles(database: "\(dir)/w.db", secrets: "\(dir)/none.conf", web: true, env: ["WATCHPOST_LINK_KEY": "k"]).errors.isEmpty)
        try FileSystem.writeAtomically("\(dir)/secrets.conf", "", mode: 0o600)
        #expect(try daemonFiles(database: "\(dir)/w.db", secrets: "\(dir)/secrets.conf", web: true).errors.isEmpty)
        // #19 review s6: `database = /tmp`, an existing folder, passed; `run` then could not open it.
        for folder in [dir, "\(dir)/"] {
            let isFolder = try daemonFiles(database: folder, secrets: "\(dir)/secrets.conf", web: false)
            let f = try #require(isFolder.errors.first { $0.key == "database" }, "\(folder): \(isFolder)")
            #expect(f.file == "watchpost.conf" && f.line > 1 && f.text?.key == "config.database.not_a_file", "\(f)")
            #expect(f.description.contains("là một thư mục") && f.description.contains("is a folder"), "\(f)")
        }
        // #19 review s7: `/dev/null` (not a folder) was told to add /watchpost.db to it.
        let device = try daemonFiles(database: "/dev/null", secrets: "\(dir)/secrets.conf", web: false)
        let n = try #require(device.errors.first { $0.key == "database" }, "\(device)")
        #expect(n.text?.key == "config.database.not_regular" && n.description.contains("không phải tệp thường") && !n.description.contains("/dev/null/"), "\(n)")
    }

    // #19 review s6: special hours with an empty reason (`06:00-22:00 |`) were accepted, while
    // `closed |` was refused.
    @Test func specialHoursWithAnEmptyReasonAreRefused() async throws {
        let dir = try await copyShippedConfig()
        defer { removeTree(dir) }
        // #19 review s7: `06:00-22:00 | |` and `closed | |` took '|' as the reason.
        try append("\(dir)/probes/tay-trang/schedule.conf", "\n[exceptions]\n2026-12-24 = 06:00-22:00 |\n2026-12-25 = 06:00-22:00 |   \n2026-12-26 = 06:00-22:00 | Kỷ niệm\n2026-12-27 = 06:00-22:00 | |\n2026-12-28 = closed | |\n")
        let (config, d) = ConfigurationLoader.validate(root: dir)
        let closed = d.first { $0.file == "probes/tay-trang/schedule.conf" && $0.key == "2026-12-28" }
        #expect(closed?.line ?? 0 > 0 && closed?.text?.key == "config.schedule.closed_reason", "\(diagnosticsText(d))")
        for day in ["2026-12-24", "2026-12-25", "2026-12-27"] {
            let e = d.first { $0.file == "probes/tay-trang/schedule.conf" && $0.key == day }
            #expect(e?.line ?? 0 > 0 && e?.text?.key == "config.schedule.empty_reason", "\(diagnosticsText(d))")
            #expect(e?.description.contains("chưa ghi lý do") == true && e?.description.contains("write the reason") == true, "\(diagnosticsText(d))")
        }
        #expect(!d.contains { $0.key == "2026-12-26" }, "\(diagnosticsText(d))")
        #expect(config.site("tay-trang")?.schedule.exceptions[CivilDate(parsing: "2026-12-26")!] != nil)
    }

    // Point 6: `192.0.2.300` was a valid host.
    @Test func impossibleIPv4AddressesAreRefused() async throws {
        for bad in ["192.0.2.300", "10.1.2", "1.2.3.4.5", "256.1.1.1", "1..2.3"] { #expect(!isValidHost(bad), "\(bad)") }
        for good in ["192.0.2.30", "127.0.0.1", "mail.example.org", "::1", "host-1.lan"] { #expect(isValidHost(good), "\(good)") }
        let dir = try await copyShippedConfig()
        defer { removeTree(dir) }
        try edit("\(dir)/probes/tay-trang/checks.conf", replacing: "host = 192.0.2.20", with: "host = 192.0.2.300")
        let (_, d) = ConfigurationLoader.validate(root: dir)
        #expect(d.contains { $0.file == "probes/tay-trang/checks.conf" && $0.key == "host" }, "\(diagnosticsText(d))")
    }

    // Point 6: plugins, keys, certificates and responders' names were never looked up.
    @Test func crossReferencesAreChecked() async throws {
        let dir = try await copyShippedConfig()
        defer { removeTree(dir) }
        // The shipped names resolve once the Department's key is installed.
        try FileSystem.makeDirectories("\(dir)/keys")
        for k in ["department-dien-bien.pub", "department-ha-tinh.pub"] { try FileSystem.writeAtomically("\(dir)/keys/\(k)", publicKeyPEM) }
        let (clean, d0) = ConfigurationLoader.validate(root: dir)
        #expect(d0.isEmpty)
        #expect(CrossReferences.diagnostics(clean).isEmpty, "\(diagnosticsText(CrossReferences.diagnostics(clean)))")

        FileSystem.remove("\(dir)/keys/department-dien-bien.pub")
        try edit("\(dir)/probes/vung-ang/checks.conf", replacing: "command = contrib/plugins/check_disk_free", with: "command = contrib/plugins/check_disk_fre")
        let responders = "\(dir)/probes/tay-trang/responders.conf"
        try edit(responders, replacing: "check = led-controller", with: "check = led-controler")
        try edit(responders, replacing: "content.unexpected-file", with: "content.unexpected-files")
        try edit(responders, replacing: "on_kinds = content, player", with: "on_kinds = contnet, player")
        try edit(responders, replacing: "enabled = false", with: "enabled = true")
        try FileSystem.writeAtomically("\(dir)/web.key", "k", mode: 0o644)
        try append("\(dir)/watchpost.conf", "\n[web]\nlisten = 127.0.0.1:8443\ntls_certificate = missing.pem\ntls_key = web.key\n")
        let (config, d) = ConfigurationLoader.validate(root: dir)
        #expect(d.isEmpty, "\(diagnosticsText(d))")
        let x = CrossReferences.diagnostics(config)
        let text = diagnosticsText(x)
        #expect(x.contains { $0.file == "probes/tay-trang/checks.conf" && $0.key == "public_key" && $0.line > 0 }, "\(text)")
        // The missing key names the exact file to create and the command that makes it (gap 5).
        let key = try #require(x.first { $0.key == "public_key" })
        expectEqual(key.text?.key, "config.content_key.missing")
        #expect(key.description.contains("\(dir)/keys/department-dien-bien.pub") && key.description.contains("watchpost manifest keygen --out department-dien-bien")
                && key.description.contains("Sở Thông tin và Truyền thông") && key.message.contains("Department of Information and Communications"), "\(key)")
        #expect(x.contains { $0.file == "probes/vung-ang/checks.conf" && $0.key == "command" && $0.message.contains("check_disk_fre") }, "\(text)")
        #expect(x.contains { $0.file == "probes/tay-trang/responders.conf" && $0.key == "check" && $0.message.contains("did you mean 'led-controller'") }, "\(text)")
        #expect(x.contains { $0.file == "probes/tay-trang/responders.conf" && $0.key == "on_findings" && $0.message.contains("content.unexpected-files") }, "\(text)")
        // An on_kinds typo skipped every content incident: the blackout silently off (#19 review, s5).
        #expect(x.contains { $0.file == "probes/tay-trang/responders.conf" && $0.key == "on_kinds" && $0.message.contains("contnet") && $0.message.contains("did you mean 'content'") }, "\(text)")
        #expect(x.contains { $0.file == "watchpost.conf" && $0.key == "tls_certificate" }, "\(text)")
        #expect(x.contains { $0.file == "watchpost.conf" && $0.key == "tls_key" && $0.message.contains("mode 644") }, "\(text)")
    }
}

@Suite("Secrets hardening (#19)")
struct HardeningSecretsTests {
    func write(_ text: String, mode: UInt32 = 0o600) throws -> String {
        let path = "\(try makeTemporaryFolder("watchpost-secrets-h"))/secrets.conf"
        try FileSystem.writeAtomically(path, text, mode: mode)
        return path
    }

    func refusal(_ text: String, env: [String: String] = [:]) throws -> WatchpostError? {
        let path = try write(text)
        defer { unlink(path) }
        do { _ = try Secrets.load(file: path, environment: { env[$0] }); return nil } catch { return error }
    }

    // Point 7: the example's placeholder link key and a three-character key were accepted.
    @Test func placeholderAndWeakLinkKeysAreRefused() throws {
        let example = try FileSystem.readText("\(packageRoot)/secrets.conf.example")
        #expect(example.contains(Secrets.exampleLinkKey), "the example's placeholder moved: update Secrets.exampleLinkKey")
        let placeholder = try #require(try refusal("[web]\nlink_key = \(Secrets.exampleLinkKey)\n"))
        #expect(placeholder.message.contains("placeholder"))
        expectEqual(placeholder.hint?.contains("openssl rand -hex 32"), true)
        for weak in ["abc", "0123456789abcdef0123456789abcdef", String(repeating: "a", count: 200), "password-password-password-password"] {
            try expectEqual(refusal("[web]\nlink_key = \(weak)\n")?.message.contains("too weak"), true, "\(weak)")
        }
        #expect(try refusal("", env: ["WATCHPOST_LINK_KEY": "short"]) != nil, "the environment is held to the same rule")
        #expect(try refusal("[web]\nlink_key = 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\n") == nil)
        #expect(try refusal("[web]\nlink_key = n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg=\n") == nil, "base64 of 32 random bytes")
    }

    // Regression: a random `openssl rand -hex 32` key that happens not to use all 16 hex digits
    // (one time in four) was refused as "too weak (about 248 bits)", so the README's own command
    // made `watchpost check` and the end-to-end tests fail at random.
    @Test func everyRandomKeyOfTheReadmeCommandIsAccepted() async throws {
        try await onOwnThread { try everyRandomKeyOfTheReadmeCommandIsAcceptedOnOwnThread() }
    }

    /// The body of `everyRandomKeyOfTheReadmeCommandIsAccepted`, run on a thread of its own (WatchpostTestSupport/OwnThread.swift).
    func everyRandomKeyOfTheReadmeCommandIsAcceptedOnOwnThread() throws {
        let fifteenDigits = String(repeating: "0123456789abcde", count: 5).prefix(64)
        #expect(Secrets.estimatedBits(String(fifteenDigits)) >= Secrets.linkKeyBits, "64 hex digits, one digit never used")
        var generator = SystemRandomNumberGenerator()
        let digits = Array("0123456789abcdef")
        for _ in 0..<5000 {
            let key = String((0..<64).map { _ in digits[Int(generator.next() % 16)] })
            #expect(Secrets.estimatedBits(key) >= Secrets.linkKeyBits, "\(key)")
        }
    }

    @Test func placeholderMailPasswordsAreRefused() throws {
        for section in ["smtp", "imap"] {
            let e = try #require(try refusal("[\(section)]\npassword = change-me\n"))
            #expect(e.message.contains("\(section).password"))
            expectEqual(e.hint?.contains("WATCHPOST_\(section.uppercased())_PASSWORD"), true)
        }
    }

    // Point 11: a malformed line was echoed in full by `check` and in the log.
    @Test func malformedLineIsReportedByLineNumberOnly() throws {
        let e = try #require(try refusal("[smtp]\npassword = fine\nhunter2-pasted-alone\n"))
        #expect(e.description.contains(":3:"))
        #expect(!e.description.contains("hunter2"))
        #expect(!(e.hint ?? "").contains("hunter2"))
    }

    // Point 11: the secrets file's owner was not checked.
    @Test func fileOwnedBySomeoneElseIsRefused() throws {
        try #require(getuid() == 0, "this test gives the file to another user and needs root (CI runs as root)")
        let path = try write("[smtp]\npassword = fine\n")
        defer { unlink(path) }
        expectEqual(chown(path, 4242, 4242), 0)
        do { _ = try Secrets.load(file: path, environment: { _ in nil }); Issue.record("accepted a file owned by uid 4242") } catch {
            #expect(error.message.contains("owned by user id 4242"))
            expectEqual(error.hint?.contains("run: chown"), true)
        }
    }

    @Test func secretsFileMustBeRegular() throws {
        let path = "\(try makeTemporaryFolder("watchpost-secrets-fifo"))/secrets.conf"
        expectEqual(mkfifo(path, 0o600), 0)
        defer { unlink(path) }
        #expect(throws: WatchpostError.self) { try Secrets.load(file: path, environment: { _ in nil }) }
    }
}

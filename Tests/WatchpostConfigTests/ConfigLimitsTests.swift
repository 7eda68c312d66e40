// Issue #19, review s8: three configuration mistakes that `watchpost check` accepted — a retry
// delay that starts longer than its maximum, a 300-character check id, and a duration with a
// unit given twice (`1s1s`, read as 2 s). Each is refused now with `file:line`.
import Testing
import WatchpostTestSupport
import WatchpostCore
@testable import WatchpostConfig
import Posix

@Suite("Configuration limits (#19)")
struct ConfigLimitsTests {
    private func text(_ d: [ConfigDiagnostic]) -> String { d.map(\.description).joined(separator: "\n") }

    // Before: `interval = 30s30s` was read as 1 minute.
    @Test func aUnitGivenTwiceIsNotADuration() async throws {
        #expect(Seconds(parsing: "1s1s") == nil)
        #expect(Seconds(parsing: "1h30m1h") == nil)
        expectEqual(Seconds(parsing: "250ms"), Seconds(milliseconds: 250))
        expectEqual(Seconds(parsing: "1h30m"), .minutes(90))
        expectEqual(Seconds(parsing: "1d2h3m4s5ms")?.milliseconds, 93_784_005)
        let dir = try await copyShippedConfig()
        defer { removeTree(dir) }
        try edit("\(dir)/probes/tay-trang/site.conf", replacing: "interval = 30s", with: "interval = 30s30s")
        let (_, d) = ConfigurationLoader.validate(root: dir)
        #expect(d.contains { $0.file == "probes/tay-trang/site.conf" && $0.key == "interval" && $0.line > 0 && $0.message.contains("each unit once") }, "\(text(d))")
    }

    // Before: accepted, and every retry waited retry_max (the first delay was cut to it).
    @Test func retryInitialLongerThanRetryMaxIsRefused() async throws {
        for (mail, line) in [("retry_initial = 1h\nretry_max = 1m\n", "retry_initial"), ("retry_initial = 45m\n", "retry_initial"), ("retry_max = 10s\n", "retry_max")] {
            let dir = try await copyShippedConfig()
            defer { removeTree(dir) }
            try FileSystem.writeAtomically("\(dir)/watchpost.conf", try FileSystem.readText("\(dir)/watchpost.conf") + "\n[mail]\n" + mail)
            let (_, d) = ConfigurationLoader.validate(root: dir)
            #expect(d.contains { $0.file == "watchpost.conf" && $0.key == line && $0.line > 0 && $0.message.contains("retry_max") }, "\(mail): \(text(d))")
        }
        let dir = try await copyShippedConfig()
        defer { removeTree(dir) }
        try FileSystem.writeAtomically("\(dir)/watchpost.conf", try FileSystem.readText("\(dir)/watchpost.conf") + "\n[mail]\nretry_initial = 1m\nretry_max = 1m\n")
        let (_, d) = ConfigurationLoader.validate(root: dir)
        #expect(!d.contains { $0.key.hasPrefix("retry_") }, "\(text(d))")
    }

    // Before: a 300-character id was accepted (it names the check in mail subjects, URLs and metrics).
    @Test func aCheckIdLongerThanSixtyFourCharactersIsRefused() async throws {
        for (length, refused) in [(300, true), (65, true), (64, false)] {
            let id = String(repeating: "a", count: length)
            let dir = try await copyShippedConfig()
            defer { removeTree(dir) }
            try edit("\(dir)/probes/tay-trang/checks.conf", replacing: "[check box-disk]", with: "[check \(id)]\nkind = exec\ncommand = /bin/true\n\n[check box-disk]")
            let (_, d) = ConfigurationLoader.validate(root: dir)
            let found = d.contains { $0.file == "probes/tay-trang/checks.conf" && $0.key == "check" && $0.line > 0 && $0.message.contains("64") }
            expectEqual(found, refused, "\(length) characters: \(text(d))")
        }
    }

    // #19 review s9: a typo in a site's [availability] `checks` or `power_check` passed `check`
    // (and a reload); every uptime report of the site then failed with a 500 naming the file.
    @Test func availabilityNamesChecksOfTheSite() async throws {
        let shipped = "checks = led-controller, content, playing-now, ups, uplink"
        let cases: [(old: String, new: String, key: String, says: String)] = [
            (shipped, "checks = led-controller, contnet, playing-now, ups, uplink", "checks", "no check 'contnet' at this site (did you mean 'content'?)"),
            // #19 review s10: a check listed twice was accepted.
            (shipped, "checks = led-controller, content, playing-now, ups, uplink, ups", "checks", "'ups' is listed twice in checks"),
            ("power_check = ups", "power_check = usp", "power_check", "no check 'usp'"),
            ("power_check = ups", "power_check = uplink", "power_check", "not a UPS"),
        ]
        for c in cases {
            let dir = try await copyShippedConfig()
            defer { removeTree(dir) }
            let file = "\(dir)/probes/tay-trang/site.conf"
            try edit(file, replacing: c.old, with: c.new)
            let line = try #require(try FileSystem.readText(file).split(separator: "\n", omittingEmptySubsequences: false).firstIndex { $0 == c.new }) + 1
            let (_, d) = ConfigurationLoader.validate(root: dir)
            #expect(d.contains { $0.file == "probes/tay-trang/site.conf" && $0.key == c.key && $0.line == line && $0.message.contains(c.says) }, "\(c.new): \(text(d))")
        }
        let dir = try await copyShippedConfig()
        defer { removeTree(dir) }
        let (_, d) = ConfigurationLoader.validate(root: dir)
        #expect(!d.contains { $0.key == "checks" || $0.key == "power_check" }, "the shipped sites: \(text(d))")
    }

    // #19 review s10: a disabled check named in [availability] was accepted without a word; it
    // never runs, so the report left it out of the site's availability (and a disabled UPS
    // check gave no minutes on battery). Refused at the key's line, saying why.
    @Test func availabilityRefusesADisabledCheck() async throws {
        let dir = try await copyShippedConfig()
        defer { removeTree(dir) }
        let checks = "\(dir)/probes/tay-trang/checks.conf", site = "\(dir)/probes/tay-trang/site.conf"
        try edit(checks, replacing: "[check uplink]\n", with: "[check uplink]\nenabled = false\n")
        try edit(checks, replacing: "[check ups]\n", with: "[check ups]\nenabled = false\n")
        let lines = try FileSystem.readText(site).split(separator: "\n", omittingEmptySubsequences: false)
        let checksLine = try #require(lines.firstIndex { $0.hasPrefix("checks = ") }) + 1
        let powerLine = try #require(lines.firstIndex { $0.hasPrefix("power_check = ") }) + 1
        let (_, d) = ConfigurationLoader.validate(root: dir)
        for id in ["uplink", "ups"] {
            #expect(d.contains { $0.file == "probes/tay-trang/site.conf" && $0.key == "checks" && $0.line == checksLine
                                 && $0.message.contains("check '\(id)' is disabled (enabled = false): a check that does not run cannot count toward the site's availability") },
                    "\(id): \(text(d))")
        }
        #expect(d.contains { $0.file == "probes/tay-trang/site.conf" && $0.key == "power_check" && $0.line == powerLine
                             && $0.message.contains("UPS check 'ups' is disabled") }, "\(text(d))")
    }

    // #19 review s9: only check and site ids were bounded; an organisation, a person, a
    // responder, a report or a chain could be named with 300 characters or a space.
    @Test func everyIdKeepsTheOneRule() async throws {
        let long = String(repeating: "x", count: 65)
        let cases: [(file: String, old: String, new: String)] = [
            ("alerts/contacts.conf", "[organisation bdbp-tay-trang]", "[organisation \(long)]\nname = X\nroles = technician\n\n[organisation bdbp-tay-trang]"),
            ("alerts/contacts.conf", "[person lo-thi-mai]", "[person lo thi mai]"),
            ("probes/tay-trang/reports.conf", "[report yearly]", "[report \(long)]\nevery = ad-hoc\nrecipients = bdbp-tay-trang\nbasis = x\n\n[report yearly]"),
            ("probes/tay-trang/responders.conf", "[responder content-blackout]", "[responder \(long)]"),
        ]
        for c in cases {
            let dir = try await copyShippedConfig()
            defer { removeTree(dir) }
            try edit("\(dir)/\(c.file)", replacing: c.old, with: c.new)
            let (_, d) = ConfigurationLoader.validate(root: dir)
            #expect(d.contains { $0.file == c.file && $0.line > 0 && $0.message.contains("is not an id") && $0.message.contains("64") }, "\(c.new): \(text(d))")
        }
        let dir = try await copyShippedConfig()
        defer { removeTree(dir) }
        _ = await shell("cp '\(dir)/alerts/chains/tay-trang.conf' '\(dir)/alerts/chains/\(long).conf'")
        let (_, d) = ConfigurationLoader.validate(root: dir)
        #expect(d.contains { $0.file == "alerts/chains/\(long).conf" && $0.line > 0 && $0.message.contains("64") }, "\(text(d))")
    }

    // #19 s9: the bound of a report range (556ac30: the web and the API) did not hold for the
    // console's --from/--to: `--from 1970-01-01 --to 9999-12-31` ran past 60 s and 380 MB (and
    // here, without a database, said "no database" instead of the rule).
    @Test(.timeLimit(.minutes(2)))
    func theConsoleRefusesAReportRangeOverTenYears() async throws {
        let watchpost = try TestPaths.watchpost()
        let dir = try await copyShippedConfig()
        defer { removeTree(dir) }
        for (from, to) in [("1970-01-01", "9999-12-31"), ("0000-01-01", "9999-12-31"), ("2016-01-01", "2026-12-31")] {
            let (rc, out) = await shell("'\(watchpost)' report --site tay-trang --from \(from) --to \(to) --format txt --config '\(dir)' 2>&1")
            #expect(rc != 0 && out.contains("3,660") && out.contains("3.660"), "--from \(from) --to \(to): exit \(rc): \(out)")
        }
        // `--period A..B` outside the bound said only "is not a period" (#19 review s9): the rule,
        // in Vietnamese and English, from the catalogue.
        for period in ["1960-01-01..1961-01-01", "2010-01-01..2026-01-01", "2026-13"] {
            let (rc, out) = await shell("'\(watchpost)' report --site tay-trang --period \(period) --format txt --config '\(dir)' 2>&1")
            #expect(rc != 0 && out.contains("trong các năm 1970–9999") && out.contains("within 1970–9999") && out.contains("3,660"), "--period \(period): exit \(rc): \(out)")
        }
    }
}

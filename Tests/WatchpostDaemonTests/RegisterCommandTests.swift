import Testing
import WatchpostCore
import WatchpostTestSupport

/// The register commands as a person runs them (issue #18): `equipment put` changes only what it
/// is given, and a refusal lists every mistake, each on its own line with its option, the same
/// checks the web forms make (a repair's incident must exist, a closed inspection takes no action).
@Suite("Register commands")
struct RegisterCommandTests {
    func makeSite() async throws -> TestSite {
        let site = try await TestSite(checks: 1)
        let (rc, out) = await shell("cp '\(packageRoot)/probes/tay-trang/registers.conf' '\(packageRoot)/probes/tay-trang/inspection.conf' '\(site.dir)/probes/tay-trang/'")
        try #require(rc == 0, "\(out)")
        // Who records is an account whose role may write (the one policy, as on the web).
        for (login, role) in [("kt", "technician"), ("so", "department")] {
            let (code, text) = await shell("printf '%s\\n' 'Mat-khau-thu-nghiem-2026' | '\(watchpost)' user add \(login) --role \(role) --name '\(login)' --config '\(site.dir)' 2>&1")
            try #require(code == 0, "\(text)")
        }
        return site
    }

    func run(_ site: TestSite, _ arguments: String) async -> (status: Int32, output: String) {
        await shell("'\(watchpost)' \(arguments)\(arguments.contains("--by ") ? "" : " --by kt") --config '\(site.dir)' 2>&1")
    }

    /// Review of #18, session 5: `--by` was free text, so a technician answered feedback "as the
    /// Department" and names that are no account were accepted. Before the fix both commands
    /// below succeeded (rc 0).
    @Test func theRegisterCommandsApplyTheOnePolicyToTheAccountThatActs() async throws {
        let site = try await makeSite()
        var r = await run(site, "feedback add --channel phone --about content --text 'Phụ đề sai'")
        expectEqual(r.status, 0, "\(r.output)")
        r = await run(site, "feedback answer 1 --answer 'tự trả lời' --by kt")
        #expect(r.status != 0 && r.output.contains("Chỉ Sở Thông tin và Truyền thông trả lời ý kiến"), "\(r.output)")
        r = await run(site, "inspection add --kind surprise --bodies 'Sở TT&TT' --by 'bất kỳ ai'")
        #expect(r.status != 0 && r.output.contains("không phải tài khoản trên máy này"), "\(r.output)")
        r = await run(site, "feedback answer 1 --answer 'Đã sửa phụ đề' --by so")
        expectEqual(r.status, 0, "\(r.output)")
        // A list is read by anyone on the box.
        await expectEqual(run(site, "feedback list --by 'bất kỳ ai'").status, 0)
    }

    @Test func equipmentPutChangesOnlyTheFieldsGiven() async throws {
        let site = try await makeSite()
        defer { site.cleanup() }
        var r = await run(site, "equipment put am-thanh --name 'Bộ âm thanh lưu động' --serial SN-1 --location 'Đồn BP' --lendable")
        expectEqual(r.status, 0, "\(r.output)")
        r = await run(site, "equipment put am-thanh --state faulty")
        expectEqual(r.status, 0, "\(r.output)")
        r = await run(site, "equipment list --format csv")
        #expect(r.output.contains("am-thanh,Bộ âm thanh lưu động,SN-1,Đồn BP,Hỏng,có / yes"), "\(r.output)")
        r = await run(site, "equipment put am-thanh --not-lendable --location Kho")
        r = await run(site, "equipment list --format csv")
        #expect(r.output.contains("am-thanh,Bộ âm thanh lưu động,SN-1,Kho,Hỏng,,"), "\(r.output)")
        // A new item needs its name; both lendability flags at once are refused, together.
        r = await run(site, "equipment put ups-1 --lendable --not-lendable")
        #expect(r.status != 0 && r.output.contains("  --name: Chưa nhập") && r.output.contains("  --lendable: Chỉ chọn một"), "\(r.output)")
        #expect(!(await run(site, "equipment list --format csv").output.contains("ups-1")))
    }

    @Test func aRefusalListsEveryMistakeEachOnItsOwnLine() async throws {
        let site = try await makeSite()
        defer { site.cleanup() }
        var r = await run(site, "repair add --date 2026-02-30 --cost 'một triệu' --incident 999")
        #expect(r.status != 0)
        for line in ["  --date: “2026-02-30” không phải ngày", "  --cost: “một triệu” không phải số nguyên", "  --what: Chưa nhập", "  --who: Chưa nhập"] {
            #expect(r.output.contains(line), "no line '\(line)' in:\n\(r.output)")
        }
        r = await run(site, "repair add --what 'Thay card' --who KT --incident 999")
        #expect(r.status != 0 && r.output.contains("  --incident: Không tìm thấy sự cố số 999"), "\(r.output)")
        r = await run(site, "inspection add --kind hàng-năm --date 2026-13-01 --bodies ''")
        for option in ["--kind", "--date", "--bodies"] { #expect(r.output.contains("  \(option): "), "no \(option) in:\n\(r.output)") }
        // A closed inspection takes no more follow-up actions.
        r = await run(site, "inspection add --kind surprise --bodies 'Sở TT&TT'")
        let id = r.output.trimmingWhitespace()
        #expect(r.status == 0 && Int(id) != nil, "\(r.output)")
        await expectEqual(run(site, "inspection close \(id)").status, 0)
        r = await run(site, "inspection action \(id) --text 'Thay card' --owner KT --due 2099-01-01")
        #expect(r.status != 0 && r.output.contains("  --id: Biên bản kiểm tra số \(id) đã đóng lúc") && r.output.contains("không thêm được việc khắc phục"), "\(r.output)")
    }
}

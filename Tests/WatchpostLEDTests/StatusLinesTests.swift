// What a person reads of a NovaStar poll besides the findings: the `model` fact of an id not in
// the table, and `watchpost probe led`'s lines under the result — each in Vietnamese first, then
// English, from the catalogue (issue #20: both were English only until session 10).
import Testing
import WatchpostTestSupport
import WatchpostCore
import Posix
@testable import WatchpostLED
@testable import WatchpostSimulators

@Suite("NovaStar status for people")
struct NovaStarStatusLinesTests {
    @Test("an unknown model id's fact and note read in both languages")
    func unknownModelFactIsBilingual() {
        var s = NovaStarEvaluationTests.status()
        s.modelId = 0x7777
        s.model = NovaStarNames.senderModel(0x7777)
        s.modelKnown = false
        let facts = NovaStarEvaluator.evaluate(s, settings: NovaStarEvaluationTests.settings, scheduledOn: true, inMaintenance: false,
                                               baseline: nil, commanded: .init()).facts
        expectEqual(facts["model"], "kiểu máy chưa biết (mã 0x7777) / unknown model (id 0x7777)")
        expectEqual(facts["model_note"], "mã kiểu máy không có trong bảng của Watchpost; ghi nguyên mã đọc được / model id not in Watchpost's table; reported as is")
        expectEqual(facts["model_id"], "0x7777")
        // A known id keeps its name alone.
        expectEqual(NovaStarNames.senderModel(0x620C), "VX1000")
    }

    /// The facts of a poll that lists cards or reads a register: words from the catalogue, read from
    /// the status's typed fields (the input selection's byte), never from its English JSON text.
    @Test("the LED facts read in both languages, from typed fields")
    func factsAreBilingual() {
        var s = NovaStarEvaluationTests.status(cards: 3) { cs in
            cs[2].online = false
            cs.append(CardStatus(port: 1, index: 0, configured: false, online: true))
        }
        s.inputSelection = "automatic (0x12)"
        s.inputSelectionCode = 0x12
        s.firmware = ControllerStatus.notReported
        func facts(_ s: ControllerStatus) -> [String: String] {
            NovaStarEvaluator.evaluate(s, settings: NovaStarEvaluationTests.settings, scheduledOn: true, inMaintenance: false,
                                       baseline: nil, commanded: .init()).facts
        }
        var f = facts(s)
        expectEqual(f["input_selection"], "tự động (mã 0x12) / automatic (code 0x12)")
        expectEqual(f["firmware"], "bộ điều khiển không báo / not reported")
        expectEqual(f["cards.cards-missing"], "cổng 1, card 3 / port 1 card 3")
        expectEqual(f["extra_cards"], "cổng 2, card 1 / port 2 card 1")
        // The byte decides, whatever the text says.
        s.inputSelection = "manual"
        f = facts(s)
        expectEqual(f["input_selection"], "tự động (mã 0x12) / automatic (code 0x12)")
        s.inputSelectionCode = 0x5A
        expectEqual(facts(s)["input_selection"], "thủ công / manual")
        s.inputSelectionCode = nil
        expectEqual(facts(s)["input_selection"], "bộ điều khiển không báo / not reported")
        // Every `cards.<code>` fact the roll-up can write has a name in the catalogue.
        for code in ["cards-missing", "temperature", "humidity", "voltage", "fan-stopped", "smoke", "door-open"] {
            #expect(Catalogue.contains(MessageKey("cli.fact.cards." + code)), "cli.fact.cards.\(code)")
        }
    }

    /// `watchpost probe led` against the simulator: an unknown model, three cards expected and
    /// two answering, the second blacked out and showing the red test pattern.
    @Test("watchpost probe led prints every line in Vietnamese, then in English")
    func probeLedLinesAreCatalogued() async throws {
        let device = NovaStarDevice(cardsPerPort: [2])
        device.update {
            $0.model = 0x7777
            $0.ports[0][1].kill = 0xFF
            $0.ports[0][1].testPattern = 2
        }
        let server = NovaStarServer(device: device)
        let port = try await server.startTCP(host: "127.0.0.1", port: 0)
        defer { server.stop() }
        let r = try await runProgram(try TestPaths.builtBinary("watchpost"),
                                     arguments: ["probe", "led", "--host", "127.0.0.1", "--port", String(port), "--cards", "3", "--timeout", "2s"],
                                     timeout: .seconds(60))
        expectEqual(r.exitCode, 2, "\(r.output)")
        let lines = r.output.split(separator: "\n").map(String.init)
        /// The line `vi` and, right after it, its translation `en`.
        func pair(_ vi: String, _ en: String) {
            guard let i = lines.firstIndex(where: { $0.hasPrefix(vi) }) else {
                Issue.record("no line starting \"\(vi)\" in:\n\(r.output)")
                return
            }
            #expect(i + 1 < lines.count && lines[i + 1].hasPrefix(en), "after \"\(lines[i])\" comes \"\(i + 1 < lines.count ? lines[i + 1] : "")\", not \"\(en)…\"")
        }
        pair("  Bộ điều khiển 127.0.0.1:\(port): kiểu máy chưa biết (mã 0x7777), firmware 3.7.1.0",
             "  Controller 127.0.0.1:\(port): unknown model (id 0x7777), firmware 3.7.1.0")
        pair("  Có tín hiệu vào; nguồn đang dùng: DVI; chọn nguồn: thủ công", "  Input signal present; input in use: DVI; selection: manual")
        pair("  Cổng ra 1: 2/3 card nhận hoạt động, đường chính", "  Output port 1: 2 of 3 receiving cards online, primary path")
        // (The simulator's temperatures drift; the rest of a card's line is fixed.)
        pair("    cổng 1, card 1: mã kiểu 0x4550; firmware 4.6.2.0; độ sáng 75,3%; ",
             "    port 1 card 1: model 0x4550; firmware 4.6.2.0; brightness 75.3%; ")
        pair("    cổng 1, card 2: mã kiểu 0x4550; firmware 4.6.2.0; độ sáng 75,3%; TẮT HÌNH; MẪU THỬ đỏ; ",
             "    port 1 card 2: model 0x4550; firmware 4.6.2.0; brightness 75.3%; BLACK; TEST PATTERN red; ")
        #expect(lines.contains { $0.hasPrefix("    cổng 1, card 1: ") && $0.hasSuffix(" °C; độ ẩm 45%; 5,00 V") }, "\(r.output)")
        pair("    cổng 1, card 3: MẤT KẾT NỐI (chi tiết kỹ thuật:", "    port 1 card 3: MISSING (technical detail:")
        // The finding names the pattern in the reader's language too.
        #expect(r.output.contains("mẫu thử \"đỏ\""), "\(r.output)")
        // The `model` fact under the result, named from the catalogue.
        #expect(r.output.contains("  kiểu máy / model: kiểu máy chưa biết (mã 0x7777) / unknown model (id 0x7777)"), "\(r.output)")
        // The other facts a person reads: named and valued in both languages (session 11; before,
        // "input_selection: manual" and "cards.cards-missing: port 1 card 3").
        #expect(r.output.contains("  chọn nguồn tín hiệu / input selection: thủ công / manual\n"), "\(r.output)")
        #expect(r.output.contains("  card nhận mất kết nối / receiving cards missing: cổng 1, card 3 / port 1 card 3\n"), "\(r.output)")
        // Nothing of the old English-only lines is left.
        for old in ["  controller ", "  input signal ", "  output port ", ": MISSING (timeout", "BLACK, ", "input_selection:", "cards.cards-missing:"] {
            #expect(!r.output.contains(old), "\"\(old)\" in:\n\(r.output)")
        }
    }
}

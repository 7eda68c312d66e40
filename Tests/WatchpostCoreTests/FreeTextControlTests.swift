import Testing
import WatchpostTestSupport
@testable import WatchpostCore

/// `FreeText.containsControlBesidesLineFeedAndTab` answers from the UTF-8 bytes when it can; it
/// must give the scalar rule's answer for every text, including the multi-byte controls (C1 and
/// the bidirectional ones) and the harmless characters that share their first byte.
struct FreeTextControlTests {
    static func byScalars(_ s: String) -> Bool {
        s.unicodeScalars.contains { FreeText.isControl($0) && $0 != "\n" && $0 != "\t" }
    }

    @Test func theByteCheckAgreesWithTheScalarRule() {
        let texts = [
            "", "plain ascii", "line\nfeed\tand tab", "{\n  \"summary\" : \"All 100 targets answer\"\n}",
            "Cả 100 địa chỉ đều phản hồi; chậm nhất 127.0.0.1", "nhiệt độ 45 °C", "3–5 phút … “trích”",
            "bell\u{07}", "escape\u{1B}[31m", "cr\r\nlf", "del\u{7F}", "nel\u{85}x", "c1 \u{9B}", "nbsp\u{A0}ok",
            "override\u{202E}x", "embed\u{202A}", "isolate\u{2066}", "pop\u{2069}", "zero width\u{200B}", "line sep\u{2028}",
            "đ\u{202D}", "\u{2069}", "\u{9F}", "\u{80}", "\u{1F}", "\u{20}",
        ]
        for t in texts {
            expectEqual(FreeText.containsControlBesidesLineFeedAndTab(t), Self.byScalars(t), "\(t.unicodeScalars.map { String($0.value, radix: 16) })")
        }
        // Every scalar of the first 0x3000 (past both bidirectional ranges), alone and inside text.
        var wrong: [UInt32] = []
        for v in UInt32(0)..<0x3000 {
            guard let u = Unicode.Scalar(v) else { continue }
            let t = "a" + String(Character(u)) + "ê"
            if FreeText.containsControlBesidesLineFeedAndTab(t) != Self.byScalars(t) { wrong.append(v) }
        }
        #expect(wrong.isEmpty, "\(wrong.map { String($0, radix: 16) })")
    }
}

import Testing
import WatchpostTestSupport
import WatchpostCore
import WatchpostMail

@Suite("Reply parsing")
struct ReplyParserTests {
    func reply(_ body: String, subject: String = "Re: [NGHIÊM TRỌNG] Tây Trang") -> ParsedReply {
        ReplyParser.parse(ParsedMail(Array("From: a@b.org\r\nSubject: \(subject)\r\n\r\n\(body)".utf8)))
    }

    @Test func commandsAreCaseAndAccentTolerant() {
        expectEqual(reply("ACK").command, .acknowledge)
        expectEqual(reply("ack.").command, .acknowledge)
        expectEqual(reply("  Acknowledged, on my way").command, .acknowledge)
        expectEqual(reply("TIẾP NHẬN").command, .acknowledge)
        expectEqual(reply("Tiếp nhận: đã cử người").command, .acknowledge)
        expectEqual(reply("XÁC NHẬN").command, .acknowledge)
        expectEqual(reply("xac nhan").command, .acknowledge)
        expectEqual(reply("Xác nhận: đã cử người").command, .acknowledge)
        expectEqual(reply("RESOLVED").command, .resolve)
        expectEqual(reply("Đã xử lý xong").command, .resolve)
        expectEqual(reply("da xu ly").command, .resolve)
        expectEqual(reply("Tôi sẽ kiểm tra").command, .note)
        expectEqual(reply("Acker will look").command, .note, "a word that only starts with ACK is not a command")
        expectEqual(ReplyParser.fold("Xác Nhận — đã"), "XAC NHAN DA")
    }

    @Test func noteIsTheRestOfTheFirstParagraph() {
        let r = reply("XÁC NHẬN: đã cử kỹ thuật viên\nsẽ tới lúc 9 giờ.\n\nCảm ơn\n\n> original")
        expectEqual(r.command, .acknowledge)
        expectEqual(r.note, "đã cử kỹ thuật viên sẽ tới lúc 9 giờ.")
        let plain = reply("Điện lưới đã có lại.\nĐang theo dõi.\n\n> quoted")
        expectEqual(plain.command, .note)
        expectEqual(plain.note, "Điện lưới đã có lại. Đang theo dõi.")
        // The quoted original stops the paragraph.
        expectEqual(reply("ACK\n> Mã xác nhận: v1.x.y").note, "")
    }

    @Test func tokensAreFoundInQuotedTextAndSubject() {
        let t1 = "v1.NDJ8MXxicEB0YXl0cmFuZy5leGFtcGxlLm9yZ3wxNzk2MDg2MjEx.abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
        let r = reply("ACK\n\n> Mã xác nhận / Acknowledgement code: \(t1)\n> more", subject: "Re: x")
        expectEqual(r.tokens, [t1])
        #expect(reply("nothing here v1.short.x").tokens.isEmpty)
        expectEqual(reply("ACK", subject: "Re: [\(t1)]").tokens, [t1])
    }
}

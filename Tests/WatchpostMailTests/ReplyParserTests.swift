import Testing
import WatchpostCore
import WatchpostMail

@Suite("Reply parsing")
struct ReplyParserTests {
    func reply(_ body: String, subject: String = "Re: [NGHIÊM TRỌNG] Tây Trang") -> ParsedReply {
        ReplyParser.parse(ParsedMail(Array("From: a@b.org\r\nSubject: \(subject)\r\n\r\n\(body)".utf8)))
    }

    @Test func commandsAreCaseAndAccentTolerant() {
        #expect(reply("ACK").command == .acknowledge)
        #expect(reply("ack.").command == .acknowledge)
        #expect(reply("  Acknowledged, on my way").command == .acknowledge)
        #expect(reply("TIẾP NHẬN").command == .acknowledge)
        #expect(reply("Tiếp nhận: đã cử người").command == .acknowledge)
        #expect(reply("XÁC NHẬN").command == .acknowledge)
        #expect(reply("xac nhan").command == .acknowledge)
        #expect(reply("Xác nhận: đã cử người").command == .acknowledge)
        #expect(reply("RESOLVED").command == .resolve)
        #expect(reply("Đã xử lý xong").command == .resolve)
        #expect(reply("da xu ly").command == .resolve)
        #expect(reply("Tôi sẽ kiểm tra").command == .note)
        #expect(reply("Acker will look").command == .note, "a word that only starts with ACK is not a command")
        #expect(ReplyParser.fold("Xác Nhận — đã") == "XAC NHAN DA")
    }

    @Test func noteIsTheRestOfTheFirstParagraph() {
        let r = reply("XÁC NHẬN: đã cử kỹ thuật viên\nsẽ tới lúc 9 giờ.\n\nCảm ơn\n\n> original")
        #expect(r.command == .acknowledge)
        #expect(r.note == "đã cử kỹ thuật viên sẽ tới lúc 9 giờ.")
        let plain = reply("Điện lưới đã có lại.\nĐang theo dõi.\n\n> quoted")
        #expect(plain.command == .note)
        #expect(plain.note == "Điện lưới đã có lại. Đang theo dõi.")
        // The quoted original stops the paragraph.
        #expect(reply("ACK\n> Mã xác nhận: v1.x.y").note == "")
    }

    @Test func tokensAreFoundInQuotedTextAndSubject() {
        let t1 = "v1.NDJ8MXxicEB0YXl0cmFuZy5leGFtcGxlLm9yZ3wxNzk2MDg2MjEx.abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
        let r = reply("ACK\n\n> Mã xác nhận / Acknowledgement code: \(t1)\n> more", subject: "Re: x")
        #expect(r.tokens == [t1])
        #expect(reply("nothing here v1.short.x").tokens.isEmpty)
        #expect(reply("ACK", subject: "Re: [\(t1)]").tokens == [t1])
    }
}

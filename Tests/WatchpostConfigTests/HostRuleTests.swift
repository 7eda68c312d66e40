// The one host rule (on bytes: host names are ASCII, internationalised ones arrive as punycode)
// for names, IPv4 and IPv6 addresses and the mistakes around them. A second copy of the rules on
// Characters, for non-ASCII names, was removed (#19 review s9): it let `１::` (fullwidth digit)
// pass as IPv6, since `Character.isHexDigit` is true for fullwidth digits.
import Testing
import WatchpostTestSupport
@testable import WatchpostConfig

@Suite("Host names and addresses")
struct HostRuleTests {
    @Test func oneRuleOnTheBytesAndNothingButASCII() {
        let long = String(repeating: "a", count: 63), tooLong = String(repeating: "a", count: 64)
        let table: [(String, Bool)] = [
            ("192.0.2.30", true), ("127.0.0.1", true), ("0.0.0.0", true), ("255.255.255.255", true), ("256.1.1.1", false),
            ("192.0.2.300", false), ("10.1.2", false), ("1.2.3.4.5", false), ("1..2.3", false), ("01.02.003.4", true),
            ("0001.2.3.4", false), ("1.2.3.", false), (".1.2.3", false), ("mail.example.org", true), ("host-1.lan", true),
            ("-host.lan", false), ("host-.lan", true), ("a", true), ("", false), ("::1", true), ("fe80::1", true),
            ("FE80::ABCD:1", true), ("::ffff:192.0.2.1", true), ("fe80::1%eth0", false), ("g::1", false), ("[::1]", false),
            ("a_b.lan", false), ("a b", false), ("a\r\nb", false), ("xn--vit-nam-7va.vn", true), ("host.", false),
            ("host..lan", false), ("1", false), ("1a.2b", true), ("example.123", false), (long + ".lan", true),
            (tooLong + ".lan", false), (String(repeating: "a.", count: 126) + "a", true), (String(repeating: "a.", count: 127) + "a", false),
            ("\u{7F}", false), ("a/b", false), ("a:b", true),
            // Not ASCII: refused. Fullwidth digits and letters are not hex digits of an address,
            // a Vietnamese name is not a host name (its punycode is).
            ("１::", false), ("::１", false), ("１９２.０.２.１", false), ("cửa-khẩu.vn", false), ("ｅｘａｍｐｌｅ.vn", false),
        ]
        for (name, valid) in table {
            expectEqual(isValidHost(name), valid, "\(name.debugDescription)")
            expectEqual(isValidASCIIHost(Array(name.utf8)), valid, "\(name.debugDescription)")
        }
    }
}

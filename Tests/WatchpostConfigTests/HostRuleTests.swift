// The host rule on bytes (what every ASCII name and address takes) says what the rule on
// Characters says, for names, IPv4 and IPv6 addresses and the mistakes around them.
import Testing
@testable import WatchpostConfig

@Suite("Host names and addresses")
struct HostRuleTests {
    @Test func theRuleOnBytesIsTheRuleOnCharacters() {
        let long = String(repeating: "a", count: 63), tooLong = String(repeating: "a", count: 64)
        let names = ["192.0.2.30", "127.0.0.1", "0.0.0.0", "255.255.255.255", "256.1.1.1", "192.0.2.300", "10.1.2", "1.2.3.4.5", "1..2.3",
                     "01.02.003.4", "0001.2.3.4", "1.2.3.", ".1.2.3", "mail.example.org", "host-1.lan", "-host.lan", "host-.lan", "a", "",
                     "::1", "fe80::1", "FE80::ABCD:1", "::ffff:192.0.2.1", "fe80::1%eth0", "g::1", "[::1]", "a_b.lan", "a b", "a\r\nb",
                     "xn--vit-nam-7va.vn", "host.", "host..lan", "1", "1a.2b", "example.123", long + ".lan", tooLong + ".lan",
                     String(repeating: "a.", count: 126) + "a", String(repeating: "a.", count: 127) + "a", "\u{7F}", "a/b", "a:b"]
        for name in names {
            #expect(isValidASCIIHost(Array(name.utf8)) == isValidHostByCharacters(name), "\(name.debugDescription)")
            #expect(isValidHost(name) == isValidHostByCharacters(name), "\(name.debugDescription)")
        }
        // Not ASCII: the rule on Characters (a Vietnamese name is not a host name).
        #expect(!isValidHost("cửa-khẩu.vn"))
        #expect(isValidHost("192.0.2.30") && !isValidHost("192.0.2.300") && isValidHost("::1") && !isValidHost(""))
    }
}

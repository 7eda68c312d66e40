// Pure parts of the network probes: statistics, thresholds, parsing, configuration checks.
import Testing
import WatchpostTestSupport
import WatchpostCore
import WatchpostConfig
@testable import WatchpostNetwork
@testable import WatchpostNetworkHTTP
@testable import Posix

@Suite struct NetworkStatisticsTests {
    @Test func statisticsMatchPing() throws {
        // iputils ping: mdev = sqrt(mean(x²) − mean(x)²); for 1, 2, 3 ms that is sqrt(14/3 − 4).
        let s = PingStatistics(sent: 4, roundTripsMilliseconds: [1, 2, 3])
        expectEqual(s.minimum, 1)
        expectEqual(s.maximum, 3)
        expectEqual(s.average, 2)
        #expect(abs(s.deviation! - (14.0 / 3 - 4).squareRoot()) < 1e-9)
        expectEqual(s.lossPercent, 25)
        let none = PingStatistics(sent: 3, roundTripsMilliseconds: [])
        expectEqual(none.lossPercent, 100)
        #expect(none.average == nil)
    }

    @Test func thresholdsJudgeLossThenRoundTrip() {
        var t = PingThresholds()
        t.lossWarning = 20; t.lossCritical = 60
        t.rttWarning = Seconds(milliseconds: 100); t.rttCritical = Seconds(milliseconds: 300)
        #expect(t.judge(PingStatistics(sent: 5, roundTripsMilliseconds: [1, 1, 1, 1, 1]), target: "gw").isEmpty)
        let lossy = t.judge(PingStatistics(sent: 5, roundTripsMilliseconds: [1, 1, 1]), target: "gw")
        #expect(lossy.map(\.status) == [.warning] && lossy[0].code == "loss")
        let dead = t.judge(PingStatistics(sent: 5, roundTripsMilliseconds: []), target: "gw")
        #expect(dead.map(\.status) == [.critical] && dead[0].message.contains("100% loss"))
        let slow = t.judge(PingStatistics(sent: 2, roundTripsMilliseconds: [350, 400]), target: "gw")
        #expect(slow.map(\.code) == ["rtt"] && slow[0].status == .critical)
        let warnSlow = t.judge(PingStatistics(sent: 2, roundTripsMilliseconds: [150, 150]), target: "gw")
        expectEqual(warnSlow.map(\.status), [.warning])
    }

    @Test func certificateDatesParse() throws {
        let t = try #require(HTTPProbe.parseCertificateDate("Mar  1 00:00:00 2020 GMT"))
        expectEqual(t, Instant.parse("2020-03-01T00:00:00Z"))
        expectEqual(HTTPProbe.parseCertificateDate("Dec 31 23:59:59 2026 GMT"), Instant.parse("2026-12-31T23:59:59Z"))
        #expect(HTTPProbe.parseCertificateDate("garbage") == nil)
        #expect(HTTPProbe.parseCertificateDate("Foo  1 00:00:00 2020 GMT") == nil)
    }

    @Test func statusSetsAndURLs() throws {
        let set = try #require(StatusCodeSet(parsing: "200-299, 301"))
        #expect(set.contains(204) && set.contains(301) && !set.contains(302) && !set.contains(500))
        #expect(StatusCodeSet(parsing: "600") == nil)
        #expect(StatusCodeSet(parsing: "300-200") == nil)
        let u = try #require(WebAddress(parsing: "https://[::1]:8443/status?x=1"))
        #expect(u.host == "::1" && u.port == 8443 && u.tls)
        expectEqual(WebAddress(parsing: "http://192.0.2.11/")?.port, 80)
        #expect(WebAddress(parsing: "ftp://x/") == nil)
        #expect(WebAddress(parsing: "http://user@host/") == nil)
    }

    @Test func addressesRoundTrip() throws {
        expectEqual(IPAddress(parsing: "192.0.2.1")?.description, "192.0.2.1")
        expectEqual(IPAddress(parsing: "2001:db8::1")?.description, "2001:db8::1")
        #expect(IPAddress(parsing: "gateway.example") == nil)
        #expect(IPAddress(parsing: "2001:db8::1")!.isIPv6)
    }
}

@Suite struct ICMPWireTests {
    @Test func checksumIsRFC1071() {
        // Echo request id 0x1234 seq 1, no payload: 0xffff − (0x0800 + 0x1234 + 0x0001) = 0xe5ca.
        let packet: [UInt8] = [8, 0, 0, 0, 0x12, 0x34, 0x00, 0x01]
        expectEqual(ICMPEcho.internetChecksum(packet, count: 8), 0xe5ca)
        // A packet carrying its checksum sums to zero.
        let withSum: [UInt8] = [8, 0, 0xe5, 0xca, 0x12, 0x34, 0x00, 0x01]
        expectEqual(ICMPEcho.internetChecksum(withSum, count: 8), 0)
    }

    @Test func rawRepliesAndErrorsDecode() throws {
        // IPv4 header (20 bytes, IHL 5) + echo reply id 0xbeef seq 7.
        var reply = [UInt8](repeating: 0, count: 28)
        reply[0] = 0x45
        reply[20] = 0; reply[24] = 0xbe; reply[25] = 0xef; reply[27] = 7
        let r = try #require(ICMPEcho.parseICMP(reply, count: reply.count, ipv6: false, raw: true, ident: 0xbeef))
        expectEqual(r.sequence, 7)
        // Another process's reply (different identifier) is ignored on a raw socket…
        #expect(ICMPEcho.parseICMP(reply, count: reply.count, ipv6: false, raw: true, ident: 0x1111) == nil)
        // …but a datagram socket's identifier is the kernel's, so it is not compared.
        let dgram = Array(reply[20...])
        expectEqual(ICMPEcho.parseICMP(dgram, count: dgram.count, ipv6: false, raw: false, ident: 0x1111)?.sequence, 7)
        // Host unreachable quoting our echo request (seq 9).
        var err = [UInt8](repeating: 0, count: 20 + 8 + 20 + 8)
        err[0] = 0x45; err[20] = 3; err[21] = 1
        err[28] = 0x45; err[48] = 8; err[52] = 0xbe; err[53] = 0xef; err[55] = 9
        let e = try #require(ICMPEcho.parseICMP(err, count: err.count, ipv6: false, raw: true, ident: 0xbeef))
        expectEqual(e.sequence, 9)
        guard case .error(let text) = e.kind else { Issue.record("expected an error"); return }
        expectEqual(text, "host unreachable")
        // A truncated packet is rejected, not read past its end.
        #expect(ICMPEcho.parseICMP(err, count: 30, ipv6: false, raw: true, ident: 0xbeef) == nil)
        // ICMPv6 echo reply (129), no IP header.
        let v6: [UInt8] = [129, 0, 0, 0, 0xbe, 0xef, 0, 3]
        expectEqual(ICMPEcho.parseICMP(v6, count: 8, ipv6: true, raw: true, ident: 0xbeef)?.sequence, 3)
    }
}

@Suite struct NetworkConfigTests {
    func diagnostics(_ text: String) -> [String] {
        let ini = INIFile(path: "checks.conf", text: text)
        let s = ini.sections[0]
        let schema = CheckKinds.schema(s.string("kind"))!
        let all = SectionSchema(type: "check", named: true, keys: CheckKinds.commonKeys).validate(s, extraKeys: schema.keys) + schema.validate(s)
        return all.map(\.englishDescription)
    }

    @Test func goodNetworkChecksPass() {
        #expect(diagnostics("[check uplink]\nkind = icmp\ntargets = 192.0.2.1, 2001:db8::1\ncount = 5\ntimeout = 10s\n").isEmpty)
        #expect(diagnostics("[check mail]\nkind = tcp\ntargets = 192.0.2.25:587, [2001:db8::25]:25\n").isEmpty)
        #expect(diagnostics("[check web]\nkind = http\nurl = https://192.0.2.80/\nexpect_status = 200-299\nexpect_body = OK\n").isEmpty)
    }

    @Test func mistakesAreNamedWithTheirLine() {
        let tooShort = diagnostics("[check uplink]\nkind = icmp\ntargets = 192.0.2.1\ncount = 5\ntimeout = 2s\n")
        expectEqual(tooShort, ["checks.conf:5: timeout: 2s is shorter than the echoes need (4 × echo_interval 1s + echo_timeout 1s = 5s)"])
        #expect(diagnostics("[check m]\nkind = tcp\nhost = 192.0.2.25\nport = 587\n").isEmpty)
        expectEqual(diagnostics("[check m]\nkind = tcp\nhost = 192.0.2.25\n"), ["checks.conf:1: port: host needs a port"])
        expectEqual(diagnostics("[check m]\nkind = tcp\n"), ["checks.conf:1: targets: required in [check m] but missing (or host and port)"])
        expectEqual(diagnostics("[check m]\nkind = tcp\ntargets = 192.0.2.25\n"), ["checks.conf:3: targets: '192.0.2.25' needs a port, e.g. 192.0.2.25:80 (IPv6: [::1]:80)"])
        expectEqual(diagnostics("[check w]\nkind = http\nurl = ftp://192.0.2.80/\n"), ["checks.conf:3: url: 'ftp://192.0.2.80/' is not an http:// or https:// URL"])
        expectEqual(diagnostics("[check u]\nkind = icmp\ntargets = 192.0.2.1\nloss_warning = 90\nloss_critical = 50\n").first?.contains("WARNING must come before CRITICAL"), true)
        expectEqual(diagnostics("[check u]\nkind = icmp\ntargets = 192.0.2.1\necho_intervall = 1s\n"), ["checks.conf:4: echo_intervall: unknown key in [check u] (did you mean 'echo_interval'?)"])
        expectEqual(diagnostics("[check u]\nkind = icmp\ntargets = bad host!\n").first?.contains("is not a host name"), true)
    }
}

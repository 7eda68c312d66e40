// The probes against real peers: loopback (ICMP, TCP, a python3 HTTP server, openssl s_server
// with a certificate made in the test) and network namespaces joined by veth pairs (a host that
// drops packets, packet loss, an unreachable hop, the unprivileged datagram socket path).
import Testing
import WatchpostTestSupport
import WatchpostCore
import WatchpostNetwork
import WatchpostNetworkHTTP
import Posix
import FoundationEssentials
import WatchpostHost

func context(_ seconds: Int64 = 10) -> ProbeContext {
    let clock = SystemClock()
    return ProbeContext(clock: clock, deadline: clock.now() + .seconds(seconds))
}

@Suite struct LoopbackProbeTests {
    @Test func icmpReachesLoopbackOnBothFamilies() async throws {
        try requireRoot(needsRoot)
        var s = ICMPProbe.Settings(targets: ["127.0.0.1", "::1"])
        s.count = 3
        s.echoInterval = Seconds(milliseconds: 50)
        let r = await ICMPProbe(settings: s).run(context())
        expectEqual(r.status, .ok, "\(r.summary)")
        expectEqual(r.measurement("loss[127.0.0.1]"), 0)
        expectEqual(r.measurement("loss[::1]"), 0)
        let avg = try #require(r.measurement("rtt_avg[::1]"))
        // In milliseconds (a unit mistake would give thousands or thousandths); loopback answers
        // in well under a second even when the machine is loaded.
        #expect(avg > 0 && avg < 1000, "rtt_avg \(avg) ms")
        // Datagram when ping_group_range includes root's group, raw otherwise (`1 0` here).
        let range = (try? FileSystem.readText("/proc/sys/net/ipv4/ping_group_range")) ?? ""
        let bounds = range.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }).compactMap { Int($0) }
        let datagramAllowed = bounds.count == 2 && bounds[0] <= 0 && 0 <= bounds[1]
        expectEqual(r.facts["socket"], (datagramAllowed ? "datagram" : "raw"))
    }

    // Sequentially 200 × 1 s = 200 s, past the time limit; at once about 1 s.
    @Test(.timeLimit(.minutes(1))) func twoHundredTargetsRunConcurrently() async throws {
        try requireRoot(needsRoot)
        // 200 loopback addresses, 2 echoes each, 1 s apart: sequentially that would be 200 × 1 s,
        // which the test's time limit fails; concurrently it is one interval plus one round of spacing.
        var s = ICMPProbe.Settings(targets: (1...200).map { "127.0.1.\($0)" })
        s.count = 2
        s.echoInterval = Seconds(milliseconds: 1000)
        s.echoTimeout = Seconds(milliseconds: 500)
        let r = await ICMPProbe(settings: s).run(context())
        expectEqual(r.status, .ok, "\(r.summary)")
        expectEqual(r.measurement("targets_answering"), 200)
    }

    /// `watchpost-probe net` runs echoes to IP addresses on its calling thread
    /// (`ICMPProbe.runOnThisThread`): the result the async run gives, and nothing done when a
    /// target is a name (resolving it takes the blocking pool's deadline).
    @Test func icmpOnTheCallingThreadGivesTheAsyncResult() async throws {
        try requireRoot(needsRoot)
        var s = ICMPProbe.Settings(targets: ["127.0.0.1", "::1", "127.0.0.2"])
        s.count = 2
        s.echoInterval = Seconds(milliseconds: 50)
        // The echo loop blocks its thread: on a thread of the test's own, not a shared one.
        let here = try await onOwnThread { try #require(ICMPProbe(settings: s).runOnThisThread(context())) }
        let pooled = await ICMPProbe(settings: s).run(context())
        expectEqual(here.status, .ok, "\(here.summary)")
        expectEqual(here.status, pooled.status)
        expectEqual(here.facts, pooled.facts)
        expectEqual(here.findings.map(\.code), pooled.findings.map(\.code))
        expectEqual(here.measurements.map(\.name), pooled.measurements.map(\.name))
        expectEqual(here.measurement("targets_answering"), 3)
        // A numeric target of the other family is refused the same way (no echo, a dns finding).
        s.family = .ipv4
        let refused = try await onOwnThread { try #require(ICMPProbe(settings: s).runOnThisThread(context())) }
        let refusedPooled = await ICMPProbe(settings: s).run(context())
        expectEqual(refused.findings.map(\.code), ["dns"])
        expectEqual(refused.facts, refusedPooled.facts)
        expectEqual(refused.findings.map(\.detail), refusedPooled.findings.map(\.detail))
        #expect(ICMPProbe(settings: .init(targets: ["127.0.0.1", "localhost"])).runOnThisThread(context()) == nil)
    }

    @Test func nameFailureIsReportedAsDNSNotLoss() async throws {
        var s = ICMPProbe.Settings(targets: ["no-such-host.invalid"])
        s.resolveTimeout = .seconds(3)
        let r = await ICMPProbe(settings: s).run(context())
        expectEqual(r.status, .critical)
        expectEqual(r.findings.map(\.code), ["dns"])
        #expect(r.measurement("loss") == nil)
        expectEqual(r.facts["failed_hop"], "no-such-host.invalid")
        let t = await TCPProbe(settings: .init(targets: ["no-such-host.invalid:80"])).run(context())
        expectEqual(t.findings.map(\.code), ["dns"])
        let h = await HTTPProbe(settings: .init(urls: ["http://no-such-host.invalid/"])).run(context())
        expectEqual(h.findings.map(\.code), ["dns"])
    }

    @Test func tcpOpenAndClosedPorts() async throws {
        let dir = try await Shell.tempDir()
        let server = try await TestHTTPServer.start(in: dir)
        // A port nothing listens on: bind-and-close is racy, port 1 needs root to listen on.
        let r = await TCPProbe(settings: .init(targets: ["127.0.0.1:\(server.port)", "[::1]:1", "127.0.0.1:1"])).run(context())
        expectEqual(r.status, .critical)
        #expect(r.measurement("connect_time[127.0.0.1:\(server.port)]") != nil)
        expectEqual(r.findings.filter { $0.status.isProblem }.map(\.code), ["refused", "refused"])
        expectEqual(r.facts["failed_hop"], "[::1]:1, 127.0.0.1:1")
        let ok = await TCPProbe(settings: .init(targets: ["127.0.0.1:\(server.port)"])).run(context())
        expectEqual(ok.status, .ok, "\(ok.summary)")
        await server.stop()
        _ = try? await Shell.run("rm -rf \(dir)")
    }

    @Test func httpStatusBodyAndTimeToFirstByte() async throws {
        let dir = try await Shell.tempDir()
        let server = try await TestHTTPServer.start(in: dir)
        let base = "http://127.0.0.1:\(server.port)"
        var good = HTTPProbe.Settings(urls: ["\(base)/ok"])
        good.expectBody = "test page: OK"
        let ok = await HTTPProbe(settings: good).run(context())
        expectEqual(ok.status, .ok, "\(ok.summary)")
        expectEqual(ok.measurement("status"), 200)
        #expect((ok.measurement("ttfb") ?? -1) >= 0)

        let five = await HTTPProbe(settings: .init(urls: ["\(base)/500"])).run(context())
        expectEqual(five.status, .critical)
        expectEqual(five.findings.map(\.code), ["status"])
        #expect(five.summary.contains("HTTP 500 (expected 200-399)"))

        var body = HTTPProbe.Settings(urls: ["\(base)/ok"])
        body.expectBody = "Cổng Tây Trang"
        await expectEqual(HTTPProbe(settings: body).run(context()).findings.map(\.code), ["body"])

        // /slow answers after 1.5 s: past the warning limit, far under the critical one. The probe
        // must end when the answer has come, not wait out the critical limit: with that limit at
        // 120 s, a probe still running after 60 s waited for it. (A 5 s limit and a 4.5 s bound
        // left a loaded machine 3 s of room: 3.6 s was seen at load 17.)
        var slow = HTTPProbe.Settings(urls: ["\(base)/slow", "\(base)/ok"])
        slow.ttfbWarning = Seconds(milliseconds: 500)
        slow.ttfbCritical = .seconds(120)
        let started = monotonicNanoseconds()
        let s = await HTTPProbe(settings: slow).run(context(180))
        expectEqual(s.status, .warning, "\(s.summary)")
        #expect(s.findings.map(\.code) == ["ttfb"] && s.summary.contains("/slow"))
        #expect(Double(monotonicNanoseconds() - started) / 1e9 < 60, "the probe waited for the critical limit instead of the answer")

        // A request that outlives the probe's deadline is cut at the deadline.
        let cut = await HTTPProbe(settings: .init(urls: ["\(base)/slow"])).run(ProbeContext(clock: SystemClock(), deadline: SystemClock().now() + Seconds(milliseconds: 400)))
        expectEqual(cut.findings.map(\.code), ["timeout"])
        await server.stop()
        _ = try? await Shell.run("rm -rf \(dir)")
    }

    @Test func expiredAndExpiringCertificates() async throws {
        try requireTool("openssl", debianPackage: "openssl")
        let dir = try await Shell.tempDir()
        // A certificate that expired in 2020, and one that expires in 20 days, both for
        // 127.0.0.1, made with the openssl CLI (`openssl ca` accepts explicit dates).
        let make = """
        set -e; cd \(dir); touch index.txt; echo 01 > serial
        printf '[ca]\\ndefault_ca = d\\n[d]\\ndatabase = ./index.txt\\nserial = ./serial\\nnew_certs_dir = .\\ndefault_md = sha256\\npolicy = p\\ncopy_extensions = copy\\nunique_subject = no\\n[p]\\ncommonName = supplied\\n' > ca.cnf
        for n in old soon; do
          openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout $n.key -out $n.csr -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 2>/dev/null
        done
        openssl ca -batch -config ca.cnf -selfsign -keyfile old.key -in old.csr -out old.pem -startdate 20200101000000Z -enddate 20200301000000Z 2>/dev/null
        openssl ca -batch -config ca.cnf -selfsign -keyfile soon.key -in soon.csr -out soon.pem -days 20 2>/dev/null
        """
        try await Shell.must(make)
        let p1 = try freeTCPPort(), p2 = try freeTCPPort()
        let old = try await Shell.background("exec openssl s_server -quiet -www -accept 127.0.0.1:\(p1) -cert \(dir)/old.pem -key \(dir)/old.key")
        let soon = try await Shell.background("exec openssl s_server -quiet -www -accept 127.0.0.1:\(p2) -cert \(dir)/soon.pem -key \(dir)/soon.key")
        try await waitForPort(p1)
        try await waitForPort(p2)

        var expired = HTTPProbe.Settings(urls: ["https://127.0.0.1:\(p1)/"])
        expired.caFile = "\(dir)/old.pem"
        let e = await HTTPProbe(settings: expired).run(context())
        expectEqual(e.status, .critical)
        expectEqual(e.findings.map(\.code), ["tls-expiry"], "\(e.findings)")
        #expect(e.summary.contains("certificate expired") && e.summary.contains("certificate has expired"), "\(e.summary)")
        #expect((e.measurement("cert_days") ?? 0) < -365)

        var expiring = HTTPProbe.Settings(urls: ["https://127.0.0.1:\(p2)/"])
        expiring.caFile = "\(dir)/soon.pem"
        let w = await HTTPProbe(settings: expiring).run(context())
        expectEqual(w.status, .warning, "\(w.summary)")
        expectEqual(w.findings.map(\.code), ["tls-expiry"])
        #expect(w.measurement("cert_days") == 19 || w.measurement("cert_days") == 20)

        // Without the CA file the certificate is not trusted, and that is what is said.
        let untrusted = await HTTPProbe(settings: .init(urls: ["https://127.0.0.1:\(p2)/"])).run(context())
        expectEqual(untrusted.findings.map(\.code), ["tls-verify"])
        await Shell.stop(old)
        await Shell.stop(soon)
        _ = try? await Shell.run("rm -rf \(dir)")
    }
}

@Suite(.serialized) struct NamespaceProbeTests {
    @Test func reachableHostDroppingHostAndClosedPort() async throws {
        try requireRoot(needsRoot)
        let ns = try await NamespacePair.create()
        do {
            let (up, _) = try await ns.probe("--target 198.51.100.2,2001:db8:1::2 --count 3 --interval 50ms")
            expectEqual(up.status, .ok, "\(up.summary)")
            expectEqual(up.measurement("loss[2001:db8:1::2]"), 0)

            // The server drops every echo request and TCP port 81: a host behind a filter.
            try await ns.inServer("nft add table inet t")
            try await ns.inServer("nft 'add chain inet t in { type filter hook input priority 0; }'")
            try await ns.inServer("nft add rule inet t in icmp type echo-request drop")
            try await ns.inServer("nft add rule inet t in tcp dport 81 drop")
            let (dropped, _) = try await ns.probe("--target 198.51.100.2 --count 3 --interval 50ms --timeout 300ms")
            expectEqual(dropped.status, .critical)
            expectEqual(dropped.measurement("loss"), 100)
            expectEqual(dropped.findings.map(\.code), ["loss"])

            let (closed, _) = try await ns.probe("--target 198.51.100.2 --port 80 --timeout 1s")
            expectEqual(closed.findings.map(\.code), ["refused"])
            // The probe's own 500 ms, not the kernel's SYN retries (minutes, past probe()'s 30 s
            // deadline, which fails the test).
            let (filtered, _) = try await ns.probe("--target 198.51.100.2 --port 81 --timeout 500ms")
            expectEqual(filtered.findings.map(\.code), ["timeout"])
        } catch { await ns.destroy(); throw error }
        await ns.destroy()
    }

    @Test func failedHopIsNamed() async throws {
        try requireRoot(needsRoot)
        let ns = try await NamespacePair.create()
        do {
            // 192.0.2.0/24 is unreachable at the server (the site's router): it answers for the
            // dead target, and the result names it.
            let (r, _) = try await ns.probe("--target 192.0.2.10 --count 2 --interval 50ms")
            expectEqual(r.status, .critical)
            expectEqual(r.findings.map(\.code), ["unreachable"])
            expectEqual(r.facts["reported_by"], "198.51.100.2")
            expectEqual(r.facts["failed_hop"], "192.0.2.10")
            #expect(r.summary.contains("host unreachable (reported by 198.51.100.2)"))
        } catch { await ns.destroy(); throw error }
        await ns.destroy()
    }

    @Test func twoHundredSilentTargetsFinishInAboutOneTimeout() async throws {
        try requireRoot(needsRoot)
        let ns = try await NamespacePair.create()
        do {
            let targets = (1...200).map { "203.0.113.\($0)" }.joined(separator: ",")
            // One 1 s timeout for all 200: sequentially 200 s, past probe()'s 30 s deadline, which
            // fails the test.
            let (r, _) = try await ns.probe("--target \(targets) --count 1 --timeout 1s")
            expectEqual(r.status, .critical)
            expectEqual(r.measurement("targets_answering"), 0)
            expectEqual(r.findings.count, 200)
            let (t, _) = try await ns.probe("--target \(targets) --port 80 --timeout 1s")
            #expect(t.findings.count == 200 && t.findings.allSatisfy { $0.code == "timeout" })
        } catch { await ns.destroy(); throw error }
        await ns.destroy()
    }

    @Test func packetLossIsMeasured() async throws {
        try requireRoot(needsRoot)
        let ns = try await NamespacePair.create()
        do {
            // netem is the usual tool; this kernel may lack it, then nftables numgen drops half.
            let netem = try await Shell.run("ip netns exec \(ns.server) tc qdisc add dev lo root netem loss 50% 2>&1")
            if netem.exitCode == 0 {
                try await ns.inServer("tc qdisc del dev lo root")
            } else {
                print("note: tc netem is not available in this kernel (\(netem.output.trimmingWhitespace())); packet loss is made with nftables numgen instead")
            }
            try await ns.inServer("nft add table inet t")
            try await ns.inServer("nft 'add chain inet t in { type filter hook input priority 0; }'")
            try await ns.inServer("nft add rule inet t in icmp type echo-request numgen random mod 2 0 drop")
            let (r, _) = try await ns.probe("--target 198.51.100.2 --count 100 --interval 10ms --timeout 300ms")
            let loss = try #require(r.measurement("loss"))
            // 100 coin flips (the probe's most): 50 % ± 20 points holds with probability > 0.9999.
            #expect(loss >= 30 && loss <= 70, "loss \(loss) %")
            // The verdict follows check_icmp's default limits (WARNING from 40 %, CRITICAL from 80 %),
            // judged on the loss measured: with 60 flips a fair coin fell under 40 % one run in
            // sixteen and the old unconditional "WARNING" expectation failed (fresh-clone run 3).
            if loss >= 40 {
                #expect(r.status == .warning || r.status == .critical, "loss \(loss) %: \(r.status)")
                #expect(r.findings.contains { $0.code == "loss" })
            } else {
                #expect(r.status == .ok && !r.findings.contains { $0.code == "loss" }, "loss \(loss) % is under the 40 % limit: \(r.status)")
            }
            #expect(r.measurement("rtt_avg") != nil)
        } catch { await ns.destroy(); throw error }
        await ns.destroy()
    }

    @Test func datagramSocketPathWhereThePingGroupRangeAllows() async throws {
        try requireRoot(needsRoot)
        let ns = try await NamespacePair.create()
        do {
            // ping_group_range is per network namespace: refused by default here, then allowed.
            try await Shell.must("ip netns exec \(ns.client) sysctl -qw net.ipv4.ping_group_range='1 0'")
            let (refused, _) = try await ns.probe("--target 198.51.100.2 --socket datagram --count 1")
            expectEqual(refused.status, .unknown)
            expectEqual(refused.findings.map(\.code), ["permission"])
            #expect(refused.summary.contains("net.ipv4.ping_group_range") && refused.summary.contains("CAP_NET_RAW"))
            try await Shell.must("ip netns exec \(ns.client) sysctl -qw net.ipv4.ping_group_range='0 2147483647'")
            let (r, _) = try await ns.probe("--target 198.51.100.2,2001:db8:1::2 --socket datagram --count 3 --interval 20ms")
            expectEqual(r.status, .ok, "\(r.summary)")
            expectEqual(r.facts["socket"], "datagram")
            expectEqual(r.measurement("loss[198.51.100.2]"), 0)
            expectEqual(r.measurement("loss[2001:db8:1::2]"), 0)
        } catch { await ns.destroy(); throw error }
        await ns.destroy()
    }
}

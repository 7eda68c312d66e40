// Test fixtures: shell commands, background servers (Debian's python3 and openssl), and network
// namespaces joined by a veth pair — the project's own test hosts. Traffic goes only to loopback
// or to these namespaces.
import WatchpostCore
import Posix
import FoundationEssentials
import Synchronization
import WatchpostTestSupport

/// A tiny HTTP server (Debian's python3): `/` and `/ok` answer 200 with a known body, `/500`
/// answers 500, `/slow` waits 1.5 s first.
struct TestHTTPServer {
    let pid: Int
    let port: Int

    static let script = """
    import http.server, sys, time
    class H(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            if self.path.startswith('/slow'): time.sleep(1.5)
            code = 500 if self.path.startswith('/500') else 200
            body = b'Watchpost test page: OK' if code == 200 else b'internal error'
            self.send_response(code)
            self.send_header('Content-Length', str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        def log_message(self, *a): pass
    s = http.server.ThreadingHTTPServer(('127.0.0.1', 0), H)
    open(sys.argv[1] + '.tmp', 'w').write(str(s.server_address[1]))
    import os; os.rename(sys.argv[1] + '.tmp', sys.argv[1])
    s.serve_forever()
    """

    static func start(in dir: String) async throws -> TestHTTPServer {
        try FileSystem.writeAtomically("\(dir)/server.py", script)
        let python = try await debianPython()
        let pid = try await Shell.background("exec \(python) \(dir)/server.py \(dir)/port")
        do {
            try await waitUntil("the test HTTP server writes its port to \(dir)/port", within: 60) { () async in
                (try? FileSystem.readText("\(dir)/port")).flatMap { Int($0) } != nil
            }
            guard let port = Int(try FileSystem.readText("\(dir)/port")) else { throw FixtureError("no port in \(dir)/port") }
            try await waitForPort(port)
            return TestHTTPServer(pid: pid, port: port)
        } catch {
            await Shell.stop(pid)
            throw error
        }
    }

    func stop() async { await Shell.stop(pid) }
}

/// Two network namespaces joined by a veth pair: `client` (198.51.100.1, 2001:db8:1::1) and
/// `server` (198.51.100.2, 2001:db8:1::2), which also routes for two documentation prefixes:
/// 203.0.113.0/24 is a blackhole there (packets vanish silently: hosts that drop everything) and
/// 192.0.2.0/24 is unreachable there (it answers with ICMP "host unreachable": a failed hop).
struct NamespacePair {
    let client: String
    let server: String

    static let counter = Counter()
    final class Counter: Sendable {
        private let n = Atomic<Int>(0)
        func next() -> Int { n.wrappingAdd(1, ordering: .relaxed).oldValue }
    }

    static func create() async throws -> NamespacePair {
        try requireTool("ip", debianPackage: "iproute2")
        try requireTool("nft", debianPackage: "nftables")
        try requireTool("ping", debianPackage: "iputils-ping")
        try requireTool("sysctl", debianPackage: "procps")
        let tag = "wpn\(CurrentProcess.id % 100_000)x\(counter.next())"
        let pair = NamespacePair(client: "\(tag)c", server: "\(tag)s")
        let c = pair.client, s = pair.server
        let setup = """
        set -e
        ip netns add \(c); ip netns add \(s)
        ip -n \(c) link set lo up; ip -n \(s) link set lo up
        ip link add \(tag)a netns \(c) type veth peer name \(tag)b netns \(s)
        ip -n \(c) addr add 198.51.100.1/24 dev \(tag)a; ip -n \(s) addr add 198.51.100.2/24 dev \(tag)b
        ip -n \(c) -6 addr add 2001:db8:1::1/64 dev \(tag)a nodad; ip -n \(s) -6 addr add 2001:db8:1::2/64 dev \(tag)b nodad
        ip -n \(c) link set \(tag)a up; ip -n \(s) link set \(tag)b up
        ip -n \(c) route add default via 198.51.100.2
        ip netns exec \(s) sysctl -qw net.ipv4.ip_forward=1
        ip -n \(s) route add blackhole 203.0.113.0/24
        ip -n \(s) route add unreachable 192.0.2.0/24
        # A fresh veth link takes up to a second to pass IPv6 (link up, neighbour discovery):
        # wait for it here so that the tests measure the probes, not the set-up.
        . '\(TestPaths.packageRoot)/scripts/lib.sh'
        wait_for "IPv6 over the veth pair" 30 ip netns exec \(c) ping -6 -c1 -W1 -q 2001:db8:1::2
        ip netns exec \(c) ping -c1 -W1 -q 198.51.100.2 >/dev/null
        """
        do { try await Shell.must(setup) } catch {
            await pair.destroy()
            throw error
        }
        return pair
    }

    func destroy() async {
        _ = try? await Shell.run("ip netns del \(client) 2>/dev/null; ip netns del \(server) 2>/dev/null; true")
    }

    /// Runs a command inside the server namespace.
    func inServer(_ command: String) async throws { try await Shell.must("ip netns exec \(server) \(command)") }

    /// Runs `watchpost probe net ARGS --json` inside the client namespace and decodes its result.
    func probe(_ args: String, timeout: Seconds = .seconds(30)) async throws -> (CheckResult, Seconds) {
        let started = monotonicNanoseconds()
        let watchpost = try TestPaths.watchpost()
        let o = try await Shell.run("ip netns exec \(client) \(watchpost) probe net \(args) --json 2>&1", timeout: timeout)
        let took = Seconds(milliseconds: Int64((monotonicNanoseconds() - started) / 1_000_000))
        guard let brace = o.output.firstIndex(of: "{") else { throw FixtureError("no JSON from probe net \(args): \(o.output)") }
        let result = try JSONDecoder().decode(CheckResult.self, from: Data(o.output[brace...].utf8))
        return (result, took)
    }
}

/// Why a test that needs root cannot run here.
let needsRoot = "it opens raw ICMP sockets and creates network namespaces with ip netns"

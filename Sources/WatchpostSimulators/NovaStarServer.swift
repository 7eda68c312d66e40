// Serves a simulated NovaStar device: TCP (one thread per connection), a pseudo-terminal (the
// serial path), UDP discovery and a Unix control socket for fault injection. Every loop runs on
// a thread of its own and polls with a short deadline so that `stop()` ends it promptly.
import WatchpostCore
import WatchpostLED
import Posix
import Synchronization

public final class NovaStarServer: Sendable {
    public let device: NovaStarDevice
    private let stopped = Atomic<Bool>(false)
    private let running = Atomic<Int>(0)
    private static let tick: Int64 = 100

    public init(device: NovaStarDevice) { self.device = device }

    public func stop() { stopped.store(true, ordering: .sequentiallyConsistent) }
    public var isStopped: Bool { stopped.load(ordering: .sequentiallyConsistent) }
    /// Loops still running (the tests wait for 0 after `stop()`).
    public var activeLoops: Int { running.load(ordering: .sequentiallyConsistent) }

    /// Runs `body` on a thread of its own. The body sets up its socket, calls `ready` with the
    /// value to return (or throws), then loops until `stop()`; everything it opens stays on its thread.
    private func spawn<T: Sendable>(_ body: @escaping @Sendable (NovaStarServer, @Sendable (T) -> Void) throws -> Void) async throws -> T {
        try await withCheckedThrowingContinuation { (c: CheckedContinuation<T, any Error>) in
            running.add(1, ordering: .sequentiallyConsistent)
            Task.detached {
                _ = try? await runOnOwnThread { [self] in
                    defer { running.subtract(1, ordering: .sequentiallyConsistent) }
                    let resumed = Atomic<Bool>(false)
                    do {
                        try body(self) { value in
                            if !resumed.exchange(true, ordering: .sequentiallyConsistent) { c.resume(returning: value) }
                        }
                    } catch {
                        if !resumed.exchange(true, ordering: .sequentiallyConsistent) { c.resume(throwing: error) }
                    }
                }
            }
        }
    }

    /// Listens on host:port (0 = any free port) and returns the bound port.
    public func startTCP(host: String = "127.0.0.1", port: Int = 0) async throws -> Int {
        try await spawn { server, ready in
            let listener = try TCPListener(host: host, port: port)
            ready(listener.port)
            while !server.isStopped {
                guard let conn = try? listener.accept(deadline: .after(milliseconds: Self.tick)) else { continue }
                let cfd = conn.release()
                server.running.add(1, ordering: .sequentiallyConsistent)
                // Straight from this accept thread: no Task hop that waits for a cooperative thread.
                do {
                    try startOwnThread {
                        defer { server.running.subtract(1, ordering: .sequentiallyConsistent) }
                        server.serve(StreamDescriptor(fd: cfd))
                    }
                } catch {
                    server.running.subtract(1, ordering: .sequentiallyConsistent)
                    StreamDescriptor(fd: cfd).close()
                }
            }
        }
    }

    /// Opens a pseudo-terminal and answers on its master side; returns the slave path the client
    /// opens as a serial port. `link` (optional) becomes a symlink to it, like /dev/ttyUSB0.
    public func startPTY(link: String? = nil) async throws -> String {
        try await spawn { server, ready in
            let pty = try PseudoTerminal()
            if let link { try FileSystem.symlink(pty.slavePath, at: link) }
            ready(pty.slavePath)
            server.serve(pty.master, keepOpen: true)
            if let link { FileSystem.remove(link) }
        }
    }

    /// Answers `rqProMI:` datagrams with `rpProMI:<description>`.
    public func startDiscovery(host: String = "127.0.0.1", port: Int = NovaStarDiscovery.port) async throws {
        try await spawn { server, ready in
            let sock = try UDPSocket(bindHost: host, port: port)
            ready(())
            while !server.isStopped {
                guard let d = try? sock.receive(deadline: .after(milliseconds: Self.tick)) else { continue }
                if d.bytes == NovaStarDiscovery.request {
                    let answer = NovaStarDiscovery.answerPrefix + Array(server.device.snapshot().discovery.utf8)
                    try? sock.send(answer, to: d.host, port: d.port)
                }
            }
        }
    }

    /// A Unix socket that takes one fault-injection command per line and answers with the state.
    public func startControl(path: String) async throws {
        try await spawn { server, ready in
            let l = try UnixSocket.listen(path: path)
            ready(())
            defer { UnixSocket.remove(path: path) }
            while !server.isStopped {
                guard let conn = try? UnixSocket.accept(l, deadline: .after(milliseconds: Self.tick)) else { continue }
                var text: [UInt8] = []
                let deadline = MonotonicDeadline.after(milliseconds: 2000)
                while !text.contains(0x0A), text.count < 4096, let chunk = try? conn.readSome(deadline: deadline) { text += chunk }
                var replies: [String] = []
                for line in String(decoding: text, as: UTF8.self).split(separator: "\n") {
                    let cmd = line.trimmingWhitespace()
                    if cmd.isEmpty { continue }
                    do { replies.append("ok: " + (try server.device.apply(cmd))) } catch { replies.append("error: \(error)") }
                }
                try? conn.writeAll(Array((replies.joined(separator: "\n") + "\n").utf8), deadline: .after(milliseconds: 1000))
                conn.close()
            }
        }
    }

    /// Sends one command to a running simulator's control socket and returns its answer.
    public static func control(path: String, command: String) throws -> String {
        let c = try UnixSocket.connect(path: path)
        try c.writeAll(Array((command + "\n").utf8), deadline: .after(milliseconds: 2000))
        var out: [UInt8] = []
        let deadline = MonotonicDeadline.after(milliseconds: 3000)
        while true {
            do { out += try c.readSome(deadline: deadline) } catch { break }
        }
        return String(decoding: out, as: UTF8.self).trimmingWhitespace()
    }

    /// Answers requests on one stream until the peer goes away (or, for a pty, until `stop()`).
    func serve(_ conn: StreamDescriptor, keepOpen: Bool = false) {
        var decoder = FrameDecoder(kind: .request, maxDataLength: 65_535 - NovaStarFrame.overhead)
        while !isStopped {
            let bytes: [UInt8]
            do { bytes = try conn.readSome(deadline: .after(milliseconds: Self.tick)) } catch {
                if case .timedOut = error { continue }
                if keepOpen { decoder.reset(); continue }
                return
            }
            decoder.append(bytes)
            while let request = decoder.next() {
                switch device.reply(to: request) {
                case .silence: continue
                case .close:
                    if keepOpen { decoder.reset(); continue }
                    conn.close()
                    return
                case .bytes(let b):
                    do { try conn.writeAll(b, deadline: .after(milliseconds: 2000)) } catch { if !keepOpen { return } }
                }
            }
        }
        if !keepOpen { conn.close() }
    }
}

// The SMTP sink: scripts/mail-sink.py on Debian's aiosmtpd (python3-aiosmtpd), listening on a
// kernel-chosen loopback port and saving each message as <dir>/<n>.eml.
import Posix
import Glibc

public final class MailSink {
    public let port: Int
    public let dir: String
    public let pid: pid_t
    public let logPath: String

    /// Starts the sink on `port` (a fresh kernel-chosen one when nil) saving into `dir`;
    /// `arguments` are mail-sink.py's (--reject, --tempfail, --mode, --tls…). Unless told not to,
    /// waits until it accepts connections (a sink in --mode hang/garbage does too).
    public init(port: Int? = nil, dir: String, arguments: [String] = [], waitReady: Bool = true) async throws {
        let python = try await requirePythonModule("aiosmtpd", debianPackage: "python3-aiosmtpd")
        self.port = try port ?? freeTCPPort()
        self.dir = dir
        logPath = "\(dir).log"
        pid = try spawnProcess(python, ["\(TestPaths.packageRoot)/scripts/mail-sink.py", "--listen", "127.0.0.1:\(self.port)", "--dir", dir] + arguments,
                               log: logPath)
        if waitReady {
            let port = self.port, logPath = self.logPath
            do {
                try await waitForPort(port, detail: { "the SMTP sink's log:\n" + ((try? FileSystem.readText(logPath)) ?? "") })
            } catch {
                killAndReap(pid)
                throw error
            }
        }
    }

    /// The saved messages, oldest first.
    public var messages: [[UInt8]] {
        let files = ((try? FileSystem.listDirectory(dir)) ?? []).filter { $0.hasSuffix(".eml") }.sorted { a, b in
            (Int(a.dropLast(4)) ?? 0, a) < (Int(b.dropLast(4)) ?? 0, b)
        }
        return files.compactMap { try? FileSystem.readText("\(dir)/\($0)") }.map { Array($0.utf8) }
    }

    public func stopNow() { killAndReap(pid) }
    deinit { killAndReap(pid) }
}

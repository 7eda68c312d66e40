// HTTPServer is the one module that touches GNU libmicrohttpd: the embedded web server's
// listener, request parsing limits, TLS, and handing requests to Swift handlers. No C type
// leaves this file; callers see `HTTPRequest`, `HTTPResponse` and an async handler.
//
// Threading model (why suspended connections, not thread-per-connection): libmicrohttpd runs
// its own epoll thread(s) that accept, read and parse. When a request is complete, the access
// handler *suspends* the connection and starts a Swift `Task` for the async handler, then
// returns at once, so the epoll thread is never blocked by Swift code, a database read or a
// slow handler. When the handler finishes, the task stores the response and resumes the
// connection (`MHD_resume_connection` is documented safe from any thread); libmicrohttpd calls
// the access handler again on its own thread, which queues the response. Each request carries
// the moment its head arrived, and the server measures from it to the moment its answer is
// handed to libmicrohttpd (`answerTimes`): the handler's deadline is counted from that arrival,
// because the wait for a cooperative thread before the handler starts and the hand-over after
// it are the client's wait too (#13/#19 s11). A slow or malformed
// client only ever occupies one epoll slot until the connection timeout, bounded by the
// connection limits; it never holds a thread. Thread-per-connection would tie a whole thread
// (and its stack) to each slow client and cap throughput on this 2-core box.
import CMicroHTTPD
import Posix
import Synchronization

/// The linked libmicrohttpd's version ("0.9.75"), asked at run time (MHD_get_version).
public enum MicroHTTPD {
    public static var libraryVersion: String {
        guard let v = MHD_get_version() else { return "unknown" }
        return String(cString: v)
    }
}

public struct HTTPServerError: Error, Sendable, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}

/// One request, fully read (headers and body).
public struct HTTPRequest: Sendable {
    public var method: String
    /// The path without the query string, percent-decoded.
    public var path: String
    public var query: [String: String]
    /// Query parameters given more than once, sorted (`query` holds the last value of each):
    /// the application refuses them rather than guess which one was meant.
    public var repeatedQueryNames: [String]
    /// Header names in lower case.
    public var headers: [String: String]
    public var body: [UInt8]
    public var clientAddress: String
    public var isTLS: Bool
    /// When the server had the request's head (`monotonicNanoseconds()`): the moment from which
    /// the client waits for the answer, before any handler ran.
    public var receivedNanoseconds: UInt64

    public init(method: String, path: String, query: [String: String] = [:], headers: [String: String] = [:], body: [UInt8] = [],
                clientAddress: String = "127.0.0.1", isTLS: Bool = false, repeatedQueryNames: [String] = [],
                receivedNanoseconds: UInt64 = monotonicNanoseconds()) {
        self.method = method
        self.path = path
        self.query = query
        self.repeatedQueryNames = repeatedQueryNames
        self.headers = Dictionary(headers.map { ($0.key.lowercased(), $0.value) }, uniquingKeysWith: { _, b in b })
        self.body = body
        self.clientAddress = clientAddress
        self.isTLS = isTLS
        self.receivedNanoseconds = receivedNanoseconds
    }

    /// Milliseconds since the request arrived (0 for a request stamped later than now).
    public var millisecondsSinceReceived: Int64 {
        let now = monotonicNanoseconds()
        return now > receivedNanoseconds ? Int64((now - receivedNanoseconds) / 1_000_000) : 0
    }

    public func header(_ name: String) -> String? { headers[name.lowercased()] }

    /// Cookies from the `Cookie` header.
    public var cookies: [String: String] {
        guard let raw = header("cookie") else { return [:] }
        var out: [String: String] = [:]
        for part in raw.split(separator: ";") {
            let kv = part.split(separator: "=", maxSplits: 1)
            guard kv.count == 2 else { continue }
            out[String(kv[0]).trimmingSpaces] = String(kv[1]).trimmingSpaces
        }
        return out
    }
}

extension String {
    var trimmingSpaces: String {
        var s = Substring(self)
        while s.first == " " || s.first == "\t" { s = s.dropFirst() }
        while s.last == " " || s.last == "\t" { s = s.dropLast() }
        return String(s)
    }
}

public struct HTTPResponse: Sendable {
    public var status: Int
    public var headers: [(String, String)]
    public var body: [UInt8]

    public init(status: Int, headers: [(String, String)] = [], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    public init(status: Int, contentType: String, text: String, headers: [(String, String)] = []) {
        self.init(status: status, headers: [("Content-Type", contentType)] + headers, body: Array(text.utf8))
    }

    public func header(_ name: String) -> String? { headers.last { $0.0.lowercased() == name.lowercased() }?.1 }
}

public typealias HTTPHandler = @Sendable (HTTPRequest) async -> HTTPResponse

public struct HTTPServerSettings: Sendable, Equatable {
    /// Numeric IPv4 or IPv6 address to listen on ("127.0.0.1", "0.0.0.0", "::").
    public var host: String
    /// 0 picks a free port (tests); `HTTPServer.port` tells which.
    public var port: Int
    /// PEM certificate chain and private key; both set switches on HTTPS.
    public var tlsCertificatePEM: String?
    public var tlsKeyPEM: String?
    /// An idle or slow connection is closed after this many seconds without progress.
    public var connectionTimeoutSeconds: Int = 15
    public var maxConnections: Int = 512
    // Few enough per address that nine addresses trickling connections cannot take all of
    // `maxConnections` (issue #19).
    public var maxConnectionsPerAddress: Int = 16
    /// Largest request body accepted; larger ones get 413.
    public var maxBodyBytes: Int = 64 * 1024
    /// Memory per connection for headers and buffers; oversized headers get 431.
    public var connectionMemoryBytes: Int = 32 * 1024
    /// libmicrohttpd epoll threads.
    public var threads: Int = 1
    /// The body of the 503 sent while the server stops (the caller's language).
    public var shuttingDownText = "shutting down\n"
    /// How long `stop()` waits for handlers still running. The handler itself must answer in
    /// time (WatchpostWeb answers 503 for a request past its deadline).
    public var handlerTimeoutSeconds: Int = 15

    public init(host: String, port: Int, tlsCertificatePEM: String? = nil, tlsKeyPEM: String? = nil) {
        self.host = host
        self.port = port
        self.tlsCertificatePEM = tlsCertificatePEM
        self.tlsKeyPEM = tlsKeyPEM
    }
}

/// An opaque libmicrohttpd pointer carried across threads.
/// `@unchecked Sendable` is safe: the pointer is never dereferenced in Swift; it is only handed
/// back to libmicrohttpd calls that are documented thread-safe (`MHD_resume_connection` "at any
/// time", `MHD_quiesce_daemon`/`MHD_stop_daemon` once, after every connection was resumed), and
/// the object it names outlives every holder (a suspended connection is never freed by the library;
/// the daemon is stopped only after all in-flight requests finished).
struct CHandle: @unchecked Sendable {
    let pointer: OpaquePointer
}

/// The state of one request on one connection.
final class RequestContext: Sendable {
    enum Phase: Sendable {
        case receiving(body: [UInt8], tooLarge: Bool)
        case processing
        case answered(HTTPResponse)
    }
    let phase = Mutex<Phase>(.receiving(body: [], tooLarge: false))
    /// libmicrohttpd makes the context at its first call for the request: its head has arrived.
    let received = monotonicNanoseconds()
    /// Set when the request went to the handler: counted in flight until libmicrohttpd reports
    /// the request completed (its answer sent, or the connection gone).
    let dispatched = Atomic<Bool>(false)
}

/// How long requests waited from their arrival until their answer was handed to libmicrohttpd,
/// as a histogram (what `/metrics` shows, and what the tests hold to the request deadline).
public final class AnswerTimes: Sendable {
    /// Upper bounds of the histogram's buckets, in seconds (each bucket counts the answers up to
    /// its bound, Prometheus style; the last, +Inf, is `count`).
    public static let bucketBounds: [Double] = [0.1, 0.5, 1, 2, 5, 10, 13, 15, 20, 30]

    public struct Snapshot: Sendable, Equatable {
        /// Answers handed over so far.
        public var count: Int
        public var sumSeconds: Double
        /// Answers handed over within each of `AnswerTimes.bucketBounds` (cumulative).
        public var withinBounds: [Int]
        /// The longest wait of any answer, in milliseconds.
        public var slowestMilliseconds: Int64
    }

    private let state = Mutex(Snapshot(count: 0, sumSeconds: 0, withinBounds: Array(repeating: 0, count: AnswerTimes.bucketBounds.count),
                                       slowestMilliseconds: 0))

    public init() {}

    public var snapshot: Snapshot { state.withLock { $0 } }

    func record(nanoseconds: UInt64) {
        let seconds = Double(nanoseconds) / 1e9
        state.withLock { s in
            s.count += 1
            s.sumSeconds += seconds
            for (i, bound) in AnswerTimes.bucketBounds.enumerated() where seconds <= bound { s.withinBounds[i] += 1 }
            s.slowestMilliseconds = max(s.slowestMilliseconds, Int64(nanoseconds / 1_000_000))
        }
    }
}

/// A running HTTP(S) server. It stops when `stop()` is called (or when it is deinitialised).
public final class HTTPServer: Sendable {
    let settings: HTTPServerSettings
    let handler: HTTPHandler
    /// The libmicrohttpd daemon, and the connections answered before it was known.
    private let daemon = Mutex(Listener())
    private struct Listener {
        var handle: CHandle?
        /// libmicrohttpd accepts and dispatches from inside `watchpost_mhd_start`, before it
        /// returns the handle: a request answered in that window (a /healthz answers at once)
        /// was never resumed — `resume(_:)` took the missing handle for a stopped listener — and
        /// its connection stayed suspended for good (#21 review s7). Such resumes wait here.
        var starting = true
        var pending: [CHandle] = []
    }
    private let stopping = Atomic<Bool>(false)
    private let inFlight = Atomic<Int>(0)
    /// Requests handed to the handler and their suspended connections. libmicrohttpd aborts the
    /// whole process when it is stopped with a connection still suspended ("MHD_stop_daemon()
    /// called while we have suspended connections"), so `stop()` closes this door under the
    /// lock first and then waits for, or answers, every request still in it.
    private let dispatch = Mutex(Dispatched())
    private struct Dispatched {
        var open = true
        var requests: [ObjectIdentifier: (RequestContext, CHandle)] = [:]
    }
    private let boundPort = Atomic<Int>(0)
    private let handedOver = AnswerTimes()
    /// How long the requests handed to the handler waited, from their arrival to their answer
    /// queued on the connection (the client's first byte follows as fast as the network allows).
    public var answerTimes: AnswerTimes.Snapshot { handedOver.snapshot }
    /// The TCP port listened on.
    public var port: Int { boundPort.load(ordering: .relaxed) }
    public var isTLS: Bool { settings.tlsCertificatePEM != nil && settings.tlsKeyPEM != nil }

    public static var tlsSupported: Bool { watchpost_mhd_tls_supported() != 0 }

    /// Why this certificate chain and private key would not load as the server's TLS pair (not
    /// PEM, or the key is not the certificate's), in the TLS library's words; nil when they load.
    /// Tried without listening on anything: `watchpost check` asks it, and the daemon before it
    /// stops a running listener for new settings.
    public static func tlsPairProblem(certificatePEM: String, keyPEM: String) -> String? {
        guard tlsSupported else { return "this libmicrohttpd was built without TLS support" }
        var reason = [CChar](repeating: 0, count: 256)
        let loads = certificatePEM.withCString { cert in
            keyPEM.withCString { key in watchpost_mhd_tls_pair_loads(cert, key, &reason, reason.count) }
        }
        if loads != 0 { return nil }
        let text = String(decoding: reason.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return text.isEmpty ? "the TLS library refused the certificate or the key" : text
    }

    public init(settings: HTTPServerSettings, handler: @escaping HTTPHandler) throws(HTTPServerError) {
        self.settings = settings
        self.handler = handler
        guard (0...65535).contains(settings.port) else { throw HTTPServerError(message: "port \(settings.port) is out of range") }
        if (settings.tlsCertificatePEM == nil) != (settings.tlsKeyPEM == nil) {
            throw HTTPServerError(message: "TLS needs both a certificate and a private key")
        }
        if settings.tlsCertificatePEM != nil, !HTTPServer.tlsSupported {
            throw HTTPServerError(message: "this libmicrohttpd was built without TLS support")
        }
        let me = Unmanaged.passUnretained(self).toOpaque()
        let started: OpaquePointer? = settings.host.withCString { host in
            withOptionalCString(settings.tlsCertificatePEM) { cert in
                withOptionalCString(settings.tlsKeyPEM) { key in
                    var s = watchpost_mhd_settings(
                        host: host, port: UInt16(settings.port),
                        connection_timeout_seconds: UInt32(settings.connectionTimeoutSeconds),
                        connection_limit: UInt32(settings.maxConnections),
                        per_ip_connection_limit: UInt32(settings.maxConnectionsPerAddress),
                        connection_memory_limit: settings.connectionMemoryBytes,
                        thread_pool_size: UInt32(max(1, settings.threads)),
                        cert_pem: cert, key_pem: key)
                    return watchpost_mhd_start(&s, accessHandler, me, completedHandler, me)
                }
            }
        }
        guard let started else {
            daemon.withLock { $0.starting = false; $0.pending = [] }
            let numeric = settings.host.contains(":") || settings.host.split(separator: ".").count == 4
            throw HTTPServerError(message: numeric
                ? "cannot listen on \(settings.host):\(settings.port) (address in use, not on this machine, or the TLS certificate/key is not valid PEM)"
                : "listen address '\(settings.host)' must be a numeric IPv4 or IPv6 address")
        }
        daemon.withLock { l in
            l.handle = CHandle(pointer: started)
            l.starting = false
            for connection in l.pending { MHD_resume_connection(connection.pointer) }
            l.pending = []
        }
        boundPort.store(Int(watchpost_mhd_bound_port(started)), ordering: .relaxed)
    }

    deinit {
        if let d = daemon.withLock({ $0.handle }) { MHD_stop_daemon(d.pointer) }
    }

    /// Stops accepting connections, lets in-flight handlers finish (at most the handler timeout),
    /// then shuts the listener down. Safe to call more than once; returns when libmicrohttpd's
    /// threads have ended, even when the calling task is cancelled.
    public func stop() async {
        guard !stopping.exchange(true, ordering: .sequentiallyConsistent) else { return }
        // Not cancellable: services are stopped from cancelled tasks, and a stop cut short there
        // (the blocking pool drops a job whose caller is cancelled) left libmicrohttpd serving
        // keep-alive connections into a released server — a SIGSEGV at a reload (issue #18/#21
        // review). An unstructured task does not inherit the caller's cancellation.
        await Task { await self.stopListener() }.value
    }

    private func stopListener() async {
        guard let d = daemon.withLock({ $0.handle }) else { return }
        // No request is suspended from here on: a request completed after this answers 503 at once.
        dispatch.withLock { $0.open = false }
        watchpost_mhd_quiesce(d.pointer)
        await waitForRequestsInFlight(seconds: settings.handlerTimeoutSeconds + 1)
        // A handler still running past its time gets the 503 for it, so that no connection stays suspended.
        let late = dispatch.withLock { Array($0.requests.values) }
        for (ctx, handle) in late { answer(ctx, handle, shuttingDown) }
        if !late.isEmpty { await waitForRequestsInFlight(seconds: 5) }
        guard inFlight.load(ordering: .sequentiallyConsistent) == 0 else {
            // Stopping now would abort the process; keep the listener (and this object, which its
            // threads call) alive instead. Not reached while handlers answer within their deadline.
            _ = Unmanaged.passRetained(self)
            return
        }
        // From here no handler resumes a connection (`resume(_:)` checks under this lock).
        daemon.withLock { $0.handle = nil }
        // MHD_stop_daemon joins its threads: keep that off Swift's shared task threads. Should
        // the pool refuse the job, it is called here all the same: it must run, once.
        do { try await runBlocking { MHD_stop_daemon(d.pointer) } } catch { MHD_stop_daemon(d.pointer) }
    }

    private func waitForRequestsInFlight(seconds: Int) async {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while inFlight.load(ordering: .sequentiallyConsistent) > 0, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(10))
        }
    }

    /// Gives a dispatched request its answer (the first one wins) and resumes its connection.
    fileprivate func answer(_ ctx: RequestContext, _ handle: CHandle, _ response: HTTPResponse) {
        let first: Bool = ctx.phase.withLock { phase in
            guard case .processing = phase else { return false }
            phase = .answered(response)
            return true
        }
        guard first else { return }
        resume(handle)
    }

    private var shuttingDown: HTTPResponse {
        HTTPResponse(status: 503, contentType: "text/plain; charset=utf-8", text: settings.shuttingDownText, headers: [("Connection", "close"), ("Retry-After", "5")])
    }

    /// Hands a suspended connection back to libmicrohttpd with its answer; while the listener
    /// is still starting, as soon as it has started; not when it was stopped meanwhile (its
    /// connections are gone then).
    fileprivate func resume(_ connection: CHandle) {
        daemon.withLock { l in
            if let _ = l.handle {
                MHD_resume_connection(connection.pointer)
            } else if l.starting {
                l.pending.append(connection)
            }
        }
    }

    // MARK: - Called on libmicrohttpd's threads

    fileprivate func access(connection: OpaquePointer, url: String, method: String, upload: UnsafePointer<CChar>?,
                            uploadSize: UnsafeMutablePointer<Int>, context slot: UnsafeMutablePointer<UnsafeMutableRawPointer?>) -> MHD_Result {
        if slot.pointee == nil {
            let ctx = RequestContext()
            slot.pointee = Unmanaged.passRetained(ctx).toOpaque()
            if stopping.load(ordering: .relaxed) { return queue(connection, shuttingDown) }
            // Refuse an announced oversized body before reading (and before 100-continue).
            if let len = lookupHeader(connection, "Content-Length").flatMap({ Int($0) }), len > settings.maxBodyBytes {
                ctx.phase.withLock { $0 = .answered(tooLarge) }
                return queue(connection, tooLarge)
            }
            return .YES
        }
        let ctx = Unmanaged<RequestContext>.fromOpaque(slot.pointee!).takeUnretainedValue()
        let size = uploadSize.pointee
        if size > 0 {
            let max = settings.maxBodyBytes
            let exceeded: Bool = ctx.phase.withLock { phase in
                guard case .receiving(var body, let big) = phase else { return false }
                if big || body.count + size > max { phase = .receiving(body: [], tooLarge: true); return true }
                phase = .receiving(body: [], tooLarge: false)  // avoid a copy while appending
                upload!.withMemoryRebound(to: UInt8.self, capacity: size) { body.append(contentsOf: UnsafeBufferPointer(start: $0, count: size)) }
                phase = .receiving(body: body, tooLarge: false)
                return false
            }
            uploadSize.pointee = 0
            if exceeded { return queue(connection, tooLarge) }
            return .YES
        }
        // The request is complete (or we were resumed with the answer).
        enum Next { case dispatch([UInt8]), answer(HTTPResponse), tooBig, nothing }
        let next: Next = ctx.phase.withLock { phase in
            switch phase {
            case .receiving(let body, let big):
                if big { return .tooBig }
                phase = .processing
                return .dispatch(body)
            case .processing: return .nothing
            case .answered(let r): return .answer(r)
            }
        }
        switch next {
        case .tooBig: return queue(connection, tooLarge)
        case .answer(let r):
            let queued = queue(connection, r)
            // A handler's answer (or stop()'s 503 for it), handed over now.
            if ctx.dispatched.load(ordering: .sequentiallyConsistent) { handedOver.record(nanoseconds: monotonicNanoseconds() &- ctx.received) }
            return queued
        case .nothing: return .YES
        case .dispatch(let body):
            let arguments = pairs(connection, .GET_ARGUMENT_KIND)
            let request = HTTPRequest(
                method: method, path: url, query: Dictionary(arguments, uniquingKeysWith: { _, last in last }), headers: values(connection, .HEADER_KIND),
                body: body, clientAddress: clientAddress(connection), isTLS: watchpost_mhd_is_tls(connection) != 0,
                repeatedQueryNames: repeatedNames(arguments), receivedNanoseconds: ctx.received)
            let handle = CHandle(pointer: connection)
            // Suspended only while the door is open, under the same lock `stop()` closes it with.
            let dispatched: Bool = dispatch.withLock { d in
                guard d.open else { return false }
                inFlight.add(1, ordering: .sequentiallyConsistent)
                ctx.dispatched.store(true, ordering: .sequentiallyConsistent)
                d.requests[ObjectIdentifier(ctx)] = (ctx, handle)
                MHD_suspend_connection(connection)
                return true
            }
            guard dispatched else { return queue(connection, shuttingDown) }
            let handler = self.handler
            // No timer per request here: the handler answers within its own deadline, counted from
            // `receivedNanoseconds` (the web application races each request with the program's one
            // deadline primitive). A
            // timer task per request, cancelled when the request won, kept its allocation until
            // it would have fired — 15 s of requests' worth of memory under load (issue #21).
            Task { self.answer(ctx, handle, await handler(request)) }
            return .YES
        }
    }

    private var tooLarge: HTTPResponse {
        HTTPResponse(status: 413, contentType: "text/plain; charset=utf-8", text: "request body larger than \(settings.maxBodyBytes) bytes\n",
                     headers: [("Connection", "close")])
    }

    private func queue(_ connection: OpaquePointer, _ r: HTTPResponse) -> MHD_Result {
        let response: OpaquePointer? = r.body.withUnsafeBytes { raw in
            MHD_create_response_from_buffer(raw.count, UnsafeMutableRawPointer(mutating: raw.baseAddress), .RESPMEM_MUST_COPY)
        }
        guard let response else { return .NO }
        defer { MHD_destroy_response(response) }
        for (k, v) in r.headers {
            // Header values never carry CR/LF: a value with one is dropped rather than split.
            if k.utf8.contains(where: { $0 == 13 || $0 == 10 }) || v.utf8.contains(where: { $0 == 13 || $0 == 10 }) { continue }
            _ = MHD_add_response_header(response, k, v)
        }
        return MHD_queue_response(connection, UInt32(r.status), response)
    }

    fileprivate func completed(context slot: UnsafeMutablePointer<UnsafeMutableRawPointer?>) {
        guard let p = slot.pointee else { return }
        let ctx = Unmanaged<RequestContext>.fromOpaque(p).takeUnretainedValue()
        if ctx.dispatched.exchange(false, ordering: .sequentiallyConsistent) {
            dispatch.withLock { $0.requests[ObjectIdentifier(ctx)] = nil }
            inFlight.subtract(1, ordering: .sequentiallyConsistent)
        }
        Unmanaged<RequestContext>.fromOpaque(p).release()
        slot.pointee = nil
    }
}

private func withOptionalCString<T>(_ s: String?, _ body: (UnsafePointer<CChar>?) -> T) -> T {
    guard let s else { return body(nil) }
    return s.withCString { body($0) }
}

/// Collects key/value pairs through libmicrohttpd's iterator.
private final class PairCollector {
    var pairs: [(String, String)] = []
}

/// Every key/value pair of one kind, in the order received, each whole: with their lengths, not
/// as C strings, which end at the first NUL byte (#19 review s8: `limit=5%00` was read as `5`,
/// and `Bearer <token>` followed by a NUL and more as the token).
private func pairs(_ connection: OpaquePointer, _ kind: MHD_ValueKind) -> [(String, String)] {
    let box = PairCollector()
    let cls = Unmanaged.passUnretained(box).toOpaque()
    _ = MHD_get_connection_values_n(connection, kind, { cls, _, key, keySize, value, valueSize in
        guard let cls, let key else { return .YES }
        let box = Unmanaged<PairCollector>.fromOpaque(cls).takeUnretainedValue()
        let name = String(decoding: UnsafeRawBufferPointer(start: UnsafeRawPointer(key), count: keySize), as: UTF8.self)
        let text = value.map { String(decoding: UnsafeRawBufferPointer(start: UnsafeRawPointer($0), count: valueSize), as: UTF8.self) } ?? ""
        box.pairs.append((name, text))
        return .YES
    }, cls)
    return withExtendedLifetime(box) { box.pairs }
}

/// Header names in lower case; a header given twice has its values joined with ", ".
private func values(_ connection: OpaquePointer, _ kind: MHD_ValueKind) -> [String: String] {
    Dictionary(pairs(connection, kind).map { ($0.0.lowercased(), $0.1) }, uniquingKeysWith: { a, b in a + ", " + b })
}

/// The names that occur more than once among `pairs`, sorted.
private func repeatedNames(_ pairs: [(String, String)]) -> [String] {
    var seen: Set<String> = []
    var repeated: Set<String> = []
    for (name, _) in pairs where !seen.insert(name).inserted { repeated.insert(name) }
    return repeated.sorted()
}

private func lookupHeader(_ connection: OpaquePointer, _ name: String) -> String? {
    MHD_lookup_connection_value(connection, .HEADER_KIND, name).map { String(cString: $0) }
}

private func clientAddress(_ connection: OpaquePointer) -> String {
    var buf = [CChar](repeating: 0, count: 64)
    watchpost_mhd_client_address(connection, &buf, buf.count)
    return String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

private let accessHandler: MHD_AccessHandlerCallback = { cls, connection, url, method, _, upload, uploadSize, conCls in
    guard let cls, let connection, let uploadSize, let conCls else { return .NO }
    let server = Unmanaged<HTTPServer>.fromOpaque(cls).takeUnretainedValue()
    return server.access(connection: connection, url: url.map { String(cString: $0) } ?? "/", method: method.map { String(cString: $0) } ?? "GET",
                         upload: upload, uploadSize: uploadSize, context: conCls)
}

private let completedHandler: MHD_RequestCompletedCallback = { cls, _, conCls, _ in
    guard let cls, let conCls else { return }
    Unmanaged<HTTPServer>.fromOpaque(cls).takeUnretainedValue().completed(context: conCls)
}


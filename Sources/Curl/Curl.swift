// Curl is the one module that touches libcurl. It wraps an easy handle: typed options (through
// the CCurlShim C target, since curl_easy_setopt is variadic), request bodies from memory,
// response bodies and headers into memory, info queries and typed errors carrying libcurl's
// detailed message. `perform()` blocks: callers run it through Posix.runBlocking.
import CCurl
import CCurlShim
import Synchronization

public struct CurlError: Error, Sendable, CustomStringConvertible {
    public let code: Int32
    /// libcurl's name for the code, e.g. "Couldn't connect to server".
    public let name: String
    /// The detailed message from CURLOPT_ERRORBUFFER, often naming the server's reply.
    public let detail: String
    public init(code: Int32, name: String, detail: String) { self.code = code; self.name = name; self.detail = detail }
    public var description: String { detail.isEmpty ? "\(name) (curl \(code))" : "\(detail) (curl \(code): \(name))" }

    public static let couldNotResolve: Int32 = 6
    public static let couldNotConnect: Int32 = 7
    public static let operationTimedOut: Int32 = 28
    public static let peerFailedVerification: Int32 = 60
    public static let useSSLFailed: Int32 = 64
    public static let loginDenied: Int32 = 67
    public static let sendError: Int32 = 55
    public static let receiveError: Int32 = 56
    public static let weirdServerReply: Int32 = 8
}

/// Process-wide libcurl set-up. Must run before any thread uses libcurl.
public enum Curl {
    private static let initialised = Mutex(false)

    public static func globalInit() {
        initialised.withLock { done in
            if !done { curl_global_init(Int(CURL_GLOBAL_DEFAULT)); done = true }
        }
    }

    public static var version: String { String(cString: curl_version()) }

    /// The linked libcurl's own version number ("7.88.1"), asked at run time.
    public static var libraryVersion: String {
        let full = String(cString: curl_version())   // "libcurl/7.88.1 OpenSSL/3.0.15 …"
        let first = full.split(separator: " ").first.map(String.init) ?? full
        return first.hasPrefix("libcurl/") ? String(first.dropFirst("libcurl/".count)) : first
    }
}

/// State shared with libcurl's C callbacks through their userdata pointer.
private final class TransferBuffers {
    var upload: [UInt8] = []
    var uploadOffset = 0
    var body: [UInt8] = []
    var headers: [UInt8] = []
    var maxBody = 16 * 1024 * 1024
    var firstByteNanos: UInt64 = 0
}

/// One libcurl easy handle. Reusing a handle for several transfers reuses its connection
/// (SMTP batches, repeated HTTP checks).
public final class CurlEasy {
    fileprivate let handle: UnsafeMutableRawPointer
    private var lists: [UnsafeMutablePointer<curl_slist>] = []
    private var errorBuffer = [CChar](repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
    private let buffers = TransferBuffers()
    private var strings: [[CChar]] = []

    public init() throws(CurlError) {
        Curl.globalInit()
        guard let h = curl_easy_init() else { throw CurlError(code: -1, name: "curl_easy_init failed", detail: "") }
        handle = h
        try configureDefaults()
    }

    deinit {
        curl_easy_cleanup(handle)
        for l in lists { curl_slist_free_all(l) }
    }

    private func configureDefaults() throws(CurlError) {
        try check(ccurl_setopt_long(handle, CURLOPT_NOSIGNAL, 1))  // signals and threads do not mix
        try errorBuffer.withUnsafeMutableBufferPointer { p throws(CurlError) in
            try check(ccurl_setopt_pointer(handle, CURLOPT_ERRORBUFFER, p.baseAddress))
        }
        let userdata = Unmanaged.passUnretained(buffers).toOpaque()
        try check(ccurl_setopt_pointer(handle, CURLOPT_WRITEDATA, userdata))
        try check(ccurl_setopt_callback(handle, CURLOPT_WRITEFUNCTION, { ptr, size, n, ud in
            let b = Unmanaged<TransferBuffers>.fromOpaque(ud!).takeUnretainedValue()
            let count = size * n
            if b.body.count + count > b.maxBody { return 0 }  // aborts the transfer: body too large
            b.body.append(contentsOf: UnsafeRawBufferPointer(start: ptr, count: count))
            return count
        }))
        try check(ccurl_setopt_pointer(handle, CURLOPT_HEADERDATA, userdata))
        try check(ccurl_setopt_callback(handle, CURLOPT_HEADERFUNCTION, { ptr, size, n, ud in
            let b = Unmanaged<TransferBuffers>.fromOpaque(ud!).takeUnretainedValue()
            b.headers.append(contentsOf: UnsafeRawBufferPointer(start: ptr, count: size * n))
            return size * n
        }))
        try check(ccurl_setopt_pointer(handle, CURLOPT_READDATA, userdata))
        try check(ccurl_setopt_callback(handle, CURLOPT_READFUNCTION, { ptr, size, n, ud in
            let b = Unmanaged<TransferBuffers>.fromOpaque(ud!).takeUnretainedValue()
            let count = min(size * n, b.upload.count - b.uploadOffset)
            if count > 0 {
                b.upload.withUnsafeBytes { src in
                    UnsafeMutableRawPointer(ptr!).copyMemory(from: src.baseAddress! + b.uploadOffset, byteCount: count)
                }
                b.uploadOffset += count
            }
            return count
        }))
    }

    private func check(_ rc: CURLcode) throws(CurlError) {
        guard rc != CURLE_OK else { return }
        throw CurlError(code: Int32(rc.rawValue), name: String(cString: curl_easy_strerror(rc)),
                        detail: String(decoding: errorBuffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
    }

    // MARK: Options

    public enum StringOption: Sendable {
        case url, mailFrom, userName, password, caInfo, customRequest, userAgent, interface, loginOptions, resolve
        /// The proxy to use; the empty string means none, whatever http_proxy says.
        case proxy
    }

    public func set(_ option: StringOption, _ value: String) throws(CurlError) {
        if option == .resolve { try setList(.resolve, [value]); return }
        let opt: CURLoption
        switch option {
        case .url: opt = CURLOPT_URL
        case .mailFrom: opt = CURLOPT_MAIL_FROM
        case .userName: opt = CURLOPT_USERNAME
        case .password: opt = CURLOPT_PASSWORD
        case .caInfo: opt = CURLOPT_CAINFO
        case .customRequest: opt = CURLOPT_CUSTOMREQUEST
        case .userAgent: opt = CURLOPT_USERAGENT
        case .interface: opt = CURLOPT_INTERFACE
        case .loginOptions: opt = CURLOPT_LOGIN_OPTIONS
        case .resolve: opt = CURLOPT_RESOLVE
        case .proxy: opt = CURLOPT_PROXY
        }
        // libcurl copies strings (since 7.17), but keep ours alive for the handle's life anyway.
        let c = Array(value.utf8CString)
        strings.append(c)
        try check(c.withUnsafeBufferPointer { ccurl_setopt_string(handle, opt, $0.baseAddress) })
    }

    public enum ListOption: Sendable { case mailRecipients, httpHeaders, resolve }

    public func setList(_ option: ListOption, _ values: [String]) throws(CurlError) {
        var list: UnsafeMutablePointer<curl_slist>?
        for v in values { list = curl_slist_append(list, v) }
        if let l = list { lists.append(l) }
        let opt: CURLoption = switch option {
        case .mailRecipients: CURLOPT_MAIL_RCPT
        case .httpHeaders: CURLOPT_HTTPHEADER
        case .resolve: CURLOPT_RESOLVE
        }
        try check(ccurl_setopt_slist(handle, opt, list))
    }

    public enum UseSSL: Int, Sendable { case none = 0, tryTLS = 1, control = 2, all = 3 }

    public func setUseSSL(_ level: UseSSL) throws(CurlError) { try check(ccurl_setopt_long(handle, CURLOPT_USE_SSL, level.rawValue)) }
    /// Overall transfer timeout.
    public func setTimeout(milliseconds: Int) throws(CurlError) { try check(ccurl_setopt_long(handle, CURLOPT_TIMEOUT_MS, milliseconds)) }
    public func setConnectTimeout(milliseconds: Int) throws(CurlError) { try check(ccurl_setopt_long(handle, CURLOPT_CONNECTTIMEOUT_MS, milliseconds)) }
    public func setVerifyPeer(_ on: Bool) throws(CurlError) {
        try check(ccurl_setopt_long(handle, CURLOPT_SSL_VERIFYPEER, on ? 1 : 0))
        try check(ccurl_setopt_long(handle, CURLOPT_SSL_VERIFYHOST, on ? 2 : 0))
    }
    public func setFollowRedirects(_ on: Bool, max: Int = 5) throws(CurlError) {
        try check(ccurl_setopt_long(handle, CURLOPT_FOLLOWLOCATION, on ? 1 : 0))
        try check(ccurl_setopt_long(handle, CURLOPT_MAXREDIRS, max))
    }
    public func setCertificateInfo(_ on: Bool) throws(CurlError) { try check(ccurl_setopt_long(handle, CURLOPT_CERTINFO, on ? 1 : 0)) }
    public func setNoBody(_ on: Bool) throws(CurlError) { try check(ccurl_setopt_long(handle, CURLOPT_NOBODY, on ? 1 : 0)) }
    public func setVerbose(_ on: Bool) throws(CurlError) { try check(ccurl_setopt_long(handle, CURLOPT_VERBOSE, on ? 1 : 0)) }
    public func setMaxResponseBytes(_ n: Int) { buffers.maxBody = n }
    /// Back to the protocol's default request (after a CURLOPT_CUSTOMREQUEST).
    public func clearCustomRequest() throws(CurlError) { try check(ccurl_setopt_string(handle, CURLOPT_CUSTOMREQUEST, nil)) }
    public func setUploadEnabled(_ on: Bool) throws(CurlError) { try check(ccurl_setopt_long(handle, CURLOPT_UPLOAD, on ? 1 : 0)) }
    public func setInfileSize(_ n: Int) throws(CurlError) { try check(ccurl_setopt_off_t(handle, CURLOPT_INFILESIZE_LARGE, curl_off_t(n))) }
    /// With CURLOPT_CONNECT_ONLY the handle connects (and does TLS) and stops: for TCP checks.
    public func setConnectOnly(_ on: Bool) throws(CurlError) { try check(ccurl_setopt_long(handle, CURLOPT_CONNECT_ONLY, on ? 1 : 0)) }
    public func setAllowRecipientFailures(_ on: Bool) throws(CurlError) {
        try check(ccurl_setopt_long(handle, CURLOPT_MAIL_RCPT_ALLLOWFAILS, on ? 1 : 0))
    }
    public func setLong(_ option: CurlLongOption, _ value: Int) throws(CurlError) {
        try check(ccurl_setopt_long(handle, CURLoption(rawValue: option.rawValue), value))
    }

    /// Raw option numbers for the few options not given a named setter above.
    public struct CurlLongOption: Sendable {
        public let rawValue: UInt32
        public static let ipResolve = CurlLongOption(rawValue: CURLOPT_IPRESOLVE.rawValue)
        public static let tcpNoDelay = CurlLongOption(rawValue: CURLOPT_TCP_NODELAY.rawValue)
        public static let forbidReuse = CurlLongOption(rawValue: CURLOPT_FORBID_REUSE.rawValue)
        public static let freshConnect = CurlLongOption(rawValue: CURLOPT_FRESH_CONNECT.rawValue)
        public static let httpGet = CurlLongOption(rawValue: CURLOPT_HTTPGET.rawValue)
        public static let port = CurlLongOption(rawValue: CURLOPT_PORT.rawValue)
        /// Seconds to wait for an FTP/SMTP/IMAP server's reply before giving up.
        public static let serverResponseTimeout = CurlLongOption(rawValue: CURLOPT_SERVER_RESPONSE_TIMEOUT.rawValue)
    }

    /// The bytes an upload (SMTP message body, HTTP PUT/POST) sends.
    public func setUploadBody(_ bytes: [UInt8]) {
        buffers.upload = bytes
        buffers.uploadOffset = 0
    }

    // MARK: Transfer

    /// Runs the transfer. Blocks until done: call it off the shared task threads.
    public func perform() throws(CurlError) {
        prepareTransfer()
        try check(curl_easy_perform(handle))
    }

    fileprivate func prepareTransfer() {
        buffers.body.removeAll(keepingCapacity: true)
        buffers.headers.removeAll(keepingCapacity: true)
        buffers.uploadOffset = 0
        errorBuffer[0] = 0
    }

    /// The error for a finished multi transfer's code (nil when it succeeded).
    fileprivate func error(for rc: CURLcode) -> CurlError? {
        do throws(CurlError) { try check(rc); return nil } catch { return error }
    }

    public var responseBody: [UInt8] { buffers.body }
    public var responseHeaders: String { String(decoding: buffers.headers, as: UTF8.self) }

    /// HTTP status, or the last SMTP/IMAP reply code.
    public var responseCode: Int {
        var v = 0
        _ = ccurl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &v)
        return v
    }

    public enum TimeInfo: Sendable { case total, nameLookup, connect, appConnect, startTransfer }

    /// Seconds from the start of the transfer to the given point.
    public func time(_ what: TimeInfo) -> Double {
        var v = 0.0
        let info: CURLINFO = switch what {
        case .total: CURLINFO_TOTAL_TIME
        case .nameLookup: CURLINFO_NAMELOOKUP_TIME
        case .connect: CURLINFO_CONNECT_TIME
        case .appConnect: CURLINFO_APPCONNECT_TIME
        case .startTransfer: CURLINFO_STARTTRANSFER_TIME
        }
        _ = ccurl_getinfo_double(handle, info, &v)
        return v
    }

    public var primaryIP: String? {
        var p: UnsafeMutablePointer<CChar>?
        guard ccurl_getinfo_string(handle, CURLINFO_PRIMARY_IP, &p) == CURLE_OK, let s = p else { return nil }
        return String(cString: s)
    }

    /// Certificate chain fields (CURLOPT_CERTINFO must be on): one dictionary per certificate,
    /// e.g. "Expire date" → "Jan  1 00:00:00 2027 GMT".
    public var certificateInfo: [[String: String]] {
        var ci: UnsafeMutablePointer<curl_certinfo>?
        guard ccurl_getinfo_certinfo(handle, &ci) == CURLE_OK, let info = ci else { return [] }
        var out: [[String: String]] = []
        for i in 0..<Int(info.pointee.num_of_certs) {
            var fields: [String: String] = [:]
            var node = info.pointee.certinfo[i]
            while let n = node {
                let line = String(cString: n.pointee.data)
                if let colon = line.firstIndex(of: ":") {
                    fields[String(line[..<colon])] = String(line[line.index(after: colon)...])
                }
                node = n.pointee.next
            }
            out.append(fields)
        }
        return out
    }
}

/// Many transfers at once on one thread (libcurl's multi interface): the HTTP checks of a site run
/// concurrently without a thread each. Each handle keeps its own timeouts. Blocking: call it off
/// the shared task threads.
public enum CurlMulti {
    /// Runs every handle to completion (or until each one's own timeout) and returns one result
    /// per handle, in order. At most `maxConcurrent` transfers are active at a time.
    public static func performAll(_ easies: [CurlEasy], maxConcurrent: Int = 64) -> [CurlError?] {
        var results = [CurlError?](repeating: nil, count: easies.count)
        guard !easies.isEmpty else { return results }
        guard let multi = curl_multi_init() else {
            return easies.map { _ in CurlError(code: -1, name: "curl_multi_init failed", detail: "") }
        }
        defer { curl_multi_cleanup(multi) }
        var indexOf: [UnsafeMutableRawPointer: Int] = [:]
        var next = 0
        var active = 0
        func addMore() {
            while next < easies.count && active < maxConcurrent {
                let e = easies[next]
                e.prepareTransfer()
                indexOf[e.handle] = next
                let rc = curl_multi_add_handle(multi, e.handle)
                if rc != CURLM_OK {
                    results[next] = CurlError(code: -1, name: String(cString: curl_multi_strerror(rc)), detail: "curl_multi_add_handle")
                } else {
                    active += 1
                }
                next += 1
            }
        }
        addMore()
        var running: Int32 = 0
        while active > 0 {
            let rc = curl_multi_perform(multi, &running)
            if rc != CURLM_OK {
                for (h, i) in indexOf where results[i] == nil {
                    results[i] = CurlError(code: -1, name: String(cString: curl_multi_strerror(rc)), detail: "curl_multi_perform")
                    curl_multi_remove_handle(multi, h)
                }
                return results
            }
            var queued: Int32 = 0
            while let msg = curl_multi_info_read(multi, &queued) {
                guard msg.pointee.msg == CURLMSG_DONE, let h = msg.pointee.easy_handle, let i = indexOf[h] else { continue }
                results[i] = easies[i].error(for: msg.pointee.data.result)
                curl_multi_remove_handle(multi, h)
                indexOf[h] = nil
                active -= 1
            }
            addMore()
            if active > 0 {
                var fds: Int32 = 0
                curl_multi_poll(multi, nil, 0, 100, &fds)
            }
        }
        return results
    }
}

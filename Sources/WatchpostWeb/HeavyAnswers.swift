// Answers made from many rows (the broadcast log as JSON, CSV or a page) are read AND rendered
// through `HeavyReads`: on the bounded blocking pool, a few at once in the daemon, fairly across
// client addresses, stopped between rows once the request's deadline passes (#19 review s9: the
// JSON of 2 concurrent `/api/v1/plays` on 2.3 M plays held the cooperative threads, and with
// them the watchdog's ping, for 32.6 s). A request that finds them all busy waits briefly, then
// gets 503 with Retry-After and the catalogue's words.
import WatchpostCore
import WatchpostStore
import HTTPServer

/// The answer that replaces a heavy read's result (busy, past the deadline, a storage error).
struct RefusedAnswer: Error, Sendable {
    let response: HTTPResponse
}

extension WebApp {
    /// Seconds a client refused for busy heavy reads is told to wait (Retry-After).
    static let heavyRetryAfterSeconds: Int64 = 5

    /// Runs `body` (the query and the rendering of its rows) as a heavy read for `who`.
    func heavyRead<T: Sendable>(_ who: Caller, api: Bool, action: String, _ body: @escaping @Sendable (HeavyRead) throws -> T) async -> Result<T, RefusedAnswer> {
        do {
            return .success(try await heavyReads.run(address: who.address, body))
        } catch {
            return .failure(refusal(error, who, api: api, action: action))
        }
    }

    /// Runs `body` (a report's reads through the store it is given, and its rendering) as a heavy
    /// read for `who`: on the blocking pool, a few at once (HeavyReads.run(address:reading:)).
    func heavyReport(_ who: Caller, api: Bool, action: String, _ body: @escaping @Sendable (Store) async -> HTTPResponse) async -> HTTPResponse {
        do {
            return try await heavyReads.run(address: who.address, reading: body)
        } catch {
            return refusal(error, who, api: api, action: action).response
        }
    }

    func refusal(_ error: HeavyReadFailure, _ who: Caller, api: Bool, action: String) -> RefusedAnswer {
        switch error {
        case .busy:
            let words = Catalogue.bilingual(Message("web.heavy_reads_busy", ["seconds": .int(WebApp.heavyRetryAfterSeconds)]))
            let retry = [("Retry-After", String(WebApp.heavyRetryAfterSeconds))]
            logger.info("web: large read refused, as many are running as the daemon allows", [("action", action), ("address", who.address)])
            return RefusedAnswer(response: api ? apiError(503, "busy", words, headers: retry)
                                 : HTTPResponse(status: 503, contentType: "text/plain; charset=utf-8", text: words + "\n", headers: retry))
        case .stopped:
            // The request's deadline passed: `handle` answers it with its own 503.
            let words = Catalogue.bilingual(Message("web.request_deadline", ["seconds": .int(settings.requestDeadline.wholeSeconds)]))
            return RefusedAnswer(response: HTTPResponse(status: 503, contentType: "text/plain; charset=utf-8", text: words + "\n",
                                                        headers: [("Retry-After", String(WebApp.heavyRetryAfterSeconds))]))
        case .storage(let e):
            return RefusedAnswer(response: api ? apiError(500, "server-error", e.message) : serverError(who, e))
        }
    }
}

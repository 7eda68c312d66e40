// Query-string values read with limits: a number outside its range, a value not in its list or a
// value given in an unusable form is refused with a 400 and a sentence saying what is allowed,
// never passed on (a `limit=-1` once reached `prefix(-1)` and stopped the daemon).
import WatchpostCore
import HTTPServer

/// Why a query parameter was refused; `reason` is shown to the caller.
struct QueryRefusal: Error, Sendable, Equatable {
    var reason: String
}

enum QueryParameters {
    /// Longest value accepted for any parameter; anything longer is refused before it is parsed.
    static let maximumLength = 64

    /// What is wrong with a request's query as a whole, before any parameter is read: a
    /// parameter given twice (which one was meant?), or a name or value holding a control
    /// character — a NUL byte once cut `limit=5%00` to `5` (#19 review s8). Nil when sound.
    static func problem(_ r: HTTPRequest) -> Message? {
        // The path too: a `%00` once let `/api/v1/incidents%00x` answer as `/api/v1/incidents`
        // (libmicrohttpd hands the decoded path over as a C string; the shim now turns a decoded
        // NUL into DEL so that it is seen here).
        if r.path.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) {
            return Message("web.path.control")
        }
        if let name = r.repeatedQueryNames.first {
            return Message("web.query.repeated", ["name": .text(String(name.prefix(maximumLength)))])
        }
        for (name, value) in r.query.sorted(by: { $0.key < $1.key }) where (name + value).unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) {
            let shown = String(String.UnicodeScalarView(name.unicodeScalars.filter { $0.value >= 0x20 && $0.value != 0x7F }).prefix(maximumLength))
            return Message("web.query.control", ["name": .text(shown)])
        }
        return nil
    }

    /// A whole number written the one way: ASCII digits only, at most 18, no leading zero (no
    /// sign, space, other digits or padding: `+5`, `５` and `05` are refused, not read as 5 — one
    /// value, one spelling, as for tokens).
    static func wholeNumber(_ raw: String) -> Int? {
        guard !raw.isEmpty, raw.utf8.count <= 18, raw.utf8.allSatisfy({ (0x30...0x39).contains($0) }),
              raw.utf8.count == 1 || raw.utf8.first != UInt8(ascii: "0") else { return nil }
        return Int(raw)
    }

    /// A whole number in `range`, or `fallback` when the parameter is absent.
    static func integer(_ query: [String: String], _ name: String, in range: ClosedRange<Int>, default fallback: Int) -> Result<Int, QueryRefusal> {
        guard let raw = query[name] else { return .success(fallback) }
        guard raw.utf8.count <= maximumLength, let n = wholeNumber(raw), range.contains(n) else {
            return .failure(QueryRefusal(reason: "'\(name)' must be a whole number from \(range.lowerBound) to \(range.upperBound), written without a sign or leading zeros"))
        }
        return .success(n)
    }

    /// One of `allowed`, or nil when the parameter is absent.
    static func oneOf(_ query: [String: String], _ name: String, _ allowed: [String]) -> Result<String?, QueryRefusal> {
        guard let raw = query[name] else { return .success(nil) }
        guard allowed.contains(raw) else {
            return .failure(QueryRefusal(reason: "'\(name)' must be one of \(allowed.joined(separator: ", "))"))
        }
        return .success(raw)
    }
}

// Query-string values read with limits: a number outside its range, a value not in its list or a
// value given in an unusable form is refused with a 400 and a sentence saying what is allowed,
// never passed on (a `limit=-1` once reached `prefix(-1)` and stopped the daemon).

/// Why a query parameter was refused; `reason` is shown to the caller.
struct QueryRefusal: Error, Sendable, Equatable {
    var reason: String
}

enum QueryParameters {
    /// Longest value accepted for any parameter; anything longer is refused before it is parsed.
    static let maximumLength = 64

    /// A whole number in `range`, or `fallback` when the parameter is absent.
    static func integer(_ query: [String: String], _ name: String, in range: ClosedRange<Int>, default fallback: Int) -> Result<Int, QueryRefusal> {
        guard let raw = query[name] else { return .success(fallback) }
        guard raw.utf8.count <= maximumLength, let n = Int(raw), range.contains(n) else {
            return .failure(QueryRefusal(reason: "'\(name)' must be a whole number from \(range.lowerBound) to \(range.upperBound)"))
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

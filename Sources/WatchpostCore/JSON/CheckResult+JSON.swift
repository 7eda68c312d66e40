// A probe's result written as JSON directly, member by member into one buffer, instead of through
// the generic `Encodable` tree: `watchpost-probe net --json` prints a result of 500 measurements,
// and the tree (a box per container, a member array per object, runtime type checks per value)
// was half of the program's instructions (bench/network/README.md). The bytes are exactly those
// of the `Encodable` conformances in Check.swift and Message.swift, keys sorted:
// JSONCodingTests compare both against Foundation's JSONEncoder. A member added to a CodingKeys
// enum there must be added here too (the tests name the first byte that differs).

/// A type that writes its own JSON: the same bytes as its `Encodable` conformance through
/// `JSONCoding` with sorted keys.
public protocol JSONDirectWritable: Encodable {
    func writeJSON(into writer: inout JSONWriter) throws
}

extension JSONCoding {
    /// Encodes a value that writes its own JSON (keys sorted).
    public static func encode<T: JSONDirectWritable>(_ value: T, options: JSONWriteOptions = []) throws -> [UInt8] {
        // snake_case renames the keys, and so reorders them: the generic encoder does that.
        if options.contains(.snakeCaseKeys) { return try encodeWithTree(value, options: options) }
        var writer = JSONWriter(options: options)
        try value.writeJSON(into: &writer)
        return writer.bytes
    }

    /// Encodes a value that writes its own JSON as a string (keys sorted).
    public static func string<T: JSONDirectWritable>(_ value: T, options: JSONWriteOptions = []) throws -> String {
        String(decoding: try encode(value, options: options), as: UTF8.self)
    }
}

extension CheckResult: JSONDirectWritable {
    public func writeJSON(into w: inout JSONWriter) throws {
        // CodingKeys in sorted order: detail, duration, facts, findings, measurements, startedAt, status, summary, text.
        w.beginObject()
        w.key("detail"); w.string(detail)
        w.key("duration"); w.milliseconds(duration.milliseconds)
        w.key("facts"); w.beginObject()
        for (key, value) in facts.sorted(by: { $0.key < $1.key }) { w.key(key); w.string(value) }
        w.endObject()
        w.key("findings"); w.beginArray()
        for finding in findings { w.item(); try finding.writeJSON(into: &w) }
        w.endArray()
        w.key("measurements"); w.beginArray()
        for m in measurements { w.item(); try m.writeJSON(into: &w) }
        w.endArray()
        w.key("startedAt"); w.milliseconds(startedAt.milliseconds)
        w.key("status"); w.int(status.rawValue)
        w.key("summary"); w.string(summary)
        w.key("text"); try text.writeJSON(into: &w)
        w.endObject()
    }
}

extension Finding: JSONDirectWritable {
    public func writeJSON(into w: inout JSONWriter) throws {
        w.beginObject()
        w.key("code"); w.string(code)
        w.key("detail"); w.string(detail)
        w.key("message"); w.string(message)
        w.key("securityRelevant"); w.bool(securityRelevant)
        w.key("status"); w.int(status.rawValue)
        w.key("text"); try text.writeJSON(into: &w)
        w.endObject()
    }
}

extension Measurement: JSONDirectWritable {
    public func writeJSON(into w: inout JSONWriter) throws {
        w.beginObject()
        w.key("name"); w.string(name)
        w.key("unit"); w.string(unit)
        w.key("value"); try w.double(value)
        w.endObject()
    }
}

extension Message: JSONDirectWritable {
    public func writeJSON(into w: inout JSONWriter) throws {
        w.beginObject()
        w.key("key"); w.string(key.rawValue)
        w.key("params"); w.beginObject()
        for (name, value) in params.sorted(by: { $0.key < $1.key }) {
            w.key(name)
            switch value {
            case .text(let s): w.string(s)
            case .int(let n): w.int(n)
            // The keyed form Swift synthesises for `Tagged.number(Double, digits:)`.
            case .number(let v, let digits) where v.isFinite:
                w.beginObject(); w.key("number"); w.beginObject()
                w.key("_0"); try w.double(v)
                w.key("digits"); w.int(digits)
                w.endObject(); w.endObject()
            default: try JSONCoding.write(encoding: value, into: &w)  // the rarer shapes, through their conformance
            }
        }
        w.endObject()
        w.endObject()
    }
}

extension JSONWriter {
    /// An `Instant` or `Seconds`: `{"milliseconds" : n}`, their synthesised form.
    mutating func milliseconds(_ n: Int64) {
        beginObject()
        key("milliseconds"); int(n)
        endObject()
    }
}

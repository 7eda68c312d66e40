// Reading JSON into Watchpost's own Decodable types without Foundation (the counterpart of
// JSONEncoding.swift): a strict RFC 8259 parser into `JSONValue` and a Decoder over it. Bad
// input is a `JSONCodingError` naming the byte offset or the coding path, never a crash; depth
// and size are bounded so a hostile body cannot exhaust the stack.

extension JSONCoding {
    /// Decodes a value from JSON bytes.
    public static func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8]) throws -> T {
        let value = try parse(bytes)
        return try T(from: TreeDecoder(value: value, codingPath: []))
    }

    /// Decodes a value from a JSON string.
    public static func decode<T: Decodable>(_ type: T.Type, from text: String) throws -> T {
        try decode(type, from: Array(text.utf8))
    }

    /// Parses JSON text into a value (a single top-level value, whitespace around it allowed).
    public static func parse(_ bytes: [UInt8]) throws -> JSONValue {
        var p = JSONParser(bytes: bytes)
        p.skipSpace()
        let v = try p.value(depth: 0)
        p.skipSpace()
        guard p.at == bytes.count else { throw JSONCodingError("JSON: unexpected bytes after the value at offset \(p.at)") }
        return v
    }
}

struct JSONParser {
    let bytes: [UInt8]
    var at = 0
    static let maxDepth = 256

    init(bytes: [UInt8]) { self.bytes = bytes }

    mutating func skipSpace() {
        while at < bytes.count, bytes[at] == 0x20 || bytes[at] == 0x0A || bytes[at] == 0x0D || bytes[at] == 0x09 { at += 1 }
    }

    func fail(_ what: String) -> JSONCodingError { JSONCodingError("JSON: \(what) at offset \(at)") }

    mutating func literal(_ word: String, _ v: JSONValue) throws -> JSONValue {
        let w = Array(word.utf8)
        guard at + w.count <= bytes.count, Array(bytes[at..<at + w.count]) == w else { throw fail("unexpected bytes") }
        at += w.count
        return v
    }

    mutating func value(depth: Int) throws -> JSONValue {
        guard depth < Self.maxDepth else { throw fail("nesting deeper than \(Self.maxDepth)") }
        guard at < bytes.count else { throw fail("unexpected end") }
        switch bytes[at] {
        case UInt8(ascii: "n"): return try literal("null", .null)
        case UInt8(ascii: "t"): return try literal("true", .bool(true))
        case UInt8(ascii: "f"): return try literal("false", .bool(false))
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "["):
            at += 1
            var items: [JSONValue] = []
            skipSpace()
            if at < bytes.count, bytes[at] == UInt8(ascii: "]") { at += 1; return .array(items) }
            while true {
                skipSpace()
                items.append(try value(depth: depth + 1))
                skipSpace()
                guard at < bytes.count else { throw fail("unterminated array") }
                if bytes[at] == UInt8(ascii: ",") { at += 1; continue }
                if bytes[at] == UInt8(ascii: "]") { at += 1; return .array(items) }
                throw fail("expected ',' or ']'")
            }
        case UInt8(ascii: "{"):
            at += 1
            var members: [String: JSONValue] = [:]
            skipSpace()
            if at < bytes.count, bytes[at] == UInt8(ascii: "}") { at += 1; return .object(members) }
            while true {
                skipSpace()
                guard at < bytes.count, bytes[at] == UInt8(ascii: "\"") else { throw fail("expected a key") }
                let key = try string()
                skipSpace()
                guard at < bytes.count, bytes[at] == UInt8(ascii: ":") else { throw fail("expected ':'") }
                at += 1
                skipSpace()
                members[key] = try value(depth: depth + 1)
                skipSpace()
                guard at < bytes.count else { throw fail("unterminated object") }
                if bytes[at] == UInt8(ascii: ",") { at += 1; continue }
                if bytes[at] == UInt8(ascii: "}") { at += 1; return .object(members) }
                throw fail("expected ',' or '}'")
            }
        default:
            return .number(try number())
        }
    }

    mutating func number() throws -> String {
        let start = at
        func digits() -> Int { let s = at; while at < bytes.count, bytes[at] >= 0x30, bytes[at] <= 0x39 { at += 1 }; return at - s }
        if at < bytes.count, bytes[at] == UInt8(ascii: "-") { at += 1 }
        guard digits() > 0 else { throw fail("not a JSON value") }
        if at < bytes.count, bytes[at] == UInt8(ascii: ".") { at += 1; guard digits() > 0 else { throw fail("digits expected after '.'") } }
        if at < bytes.count, bytes[at] == UInt8(ascii: "e") || bytes[at] == UInt8(ascii: "E") {
            at += 1
            if at < bytes.count, bytes[at] == UInt8(ascii: "+") || bytes[at] == UInt8(ascii: "-") { at += 1 }
            guard digits() > 0 else { throw fail("digits expected in the exponent") }
        }
        return String(decoding: bytes[start..<at], as: UTF8.self)
    }

    mutating func hex4() throws -> UInt32 {
        guard at + 4 <= bytes.count else { throw fail("short \\u escape") }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let c = bytes[at]
            let d: UInt32
            switch c {
            case 0x30...0x39: d = UInt32(c - 0x30)
            case 0x41...0x46: d = UInt32(c - 0x41 + 10)
            case 0x61...0x66: d = UInt32(c - 0x61 + 10)
            default: throw fail("bad \\u escape")
            }
            v = v << 4 | d
            at += 1
        }
        return v
    }

    mutating func string() throws -> String {
        at += 1  // the opening quote
        var out: [UInt8] = []
        while true {
            guard at < bytes.count else { throw fail("unterminated string") }
            let b = bytes[at]
            if b == UInt8(ascii: "\"") { at += 1; break }
            if b < 0x20 { throw fail("control character in a string") }
            if b != 0x5C { out.append(b); at += 1; continue }
            at += 1
            guard at < bytes.count else { throw fail("unterminated escape") }
            let e = bytes[at]
            at += 1
            switch e {
            case UInt8(ascii: "\""), 0x5C, UInt8(ascii: "/"): out.append(e)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try hex4()
                if (0xD800...0xDBFF).contains(scalar) {
                    guard at + 6 <= bytes.count, bytes[at] == 0x5C, bytes[at + 1] == UInt8(ascii: "u") else { throw fail("lone surrogate") }
                    at += 2
                    let low = try hex4()
                    guard (0xDC00...0xDFFF).contains(low) else { throw fail("bad surrogate pair") }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                }
                guard let u = Unicode.Scalar(scalar) else { throw fail("bad \\u escape") }
                out += Array(String(Character(u)).utf8)
            default: throw fail("bad escape")
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}

struct JSONIndexKey: CodingKey {
    var stringValue: String
    var intValue: Int?
    init(stringValue: String) { self.stringValue = stringValue; intValue = nil }
    init(intValue: Int) { stringValue = String(intValue); self.intValue = intValue }
}

struct TreeDecoder: Decoder {
    let value: JSONValue
    var codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func path() -> String { codingPath.map(\.stringValue).joined(separator: ".") }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard case .object(let members) = value else { throw JSONCodingError("JSON: an object expected at '\(path())'") }
        return KeyedDecodingContainer(KeyedReader<Key>(members: members, codingPath: codingPath))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard case .array(let items) = value else { throw JSONCodingError("JSON: an array expected at '\(path())'") }
        return UnkeyedReader(items: items, codingPath: codingPath)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer { SingleReader(value: value, codingPath: codingPath) }

    static func scalar<T: Decodable>(_ type: T.Type, _ v: JSONValue, path: [any CodingKey]) throws -> T? {
        func bad() -> JSONCodingError { JSONCodingError("JSON: \(T.self) expected at '\(path.map(\.stringValue).joined(separator: "."))'") }
        func integer<I: FixedWidthInteger>(_: I.Type) throws -> I {
            guard case .number(let n) = v else { throw bad() }
            if let i = I(n) { return i }
            // 3.0 and 3e2 are whole numbers too.
            guard let d = Double(n), d.rounded() == d, let i = I(exactly: d) else { throw bad() }
            return i
        }
        switch type {
        case is String.Type:
            guard case .string(let s) = v else { throw bad() }
            return s as? T
        case is Bool.Type:
            guard case .bool(let b) = v else { throw bad() }
            return b as? T
        case is Double.Type:
            guard case .number(let n) = v, let d = Double(n) else { throw bad() }
            return d as? T
        case is Float.Type:
            guard case .number(let n) = v, let d = Float(n) else { throw bad() }
            return d as? T
        case is Int.Type: return try integer(Int.self) as? T
        case is Int64.Type: return try integer(Int64.self) as? T
        case is Int32.Type: return try integer(Int32.self) as? T
        case is Int16.Type: return try integer(Int16.self) as? T
        case is Int8.Type: return try integer(Int8.self) as? T
        case is UInt.Type: return try integer(UInt.self) as? T
        case is UInt64.Type: return try integer(UInt64.self) as? T
        case is UInt32.Type: return try integer(UInt32.self) as? T
        case is UInt16.Type: return try integer(UInt16.self) as? T
        case is UInt8.Type: return try integer(UInt8.self) as? T
        default: return nil
        }
    }

    static func decode<T: Decodable>(_ type: T.Type, _ v: JSONValue, path: [any CodingKey]) throws -> T {
        if let s = try scalar(type, v, path: path) { return s }
        return try T(from: TreeDecoder(value: v, codingPath: path))
    }
}

struct KeyedReader<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let members: [String: JSONValue]
    var codingPath: [any CodingKey]
    var allKeys: [Key] { members.keys.compactMap { Key(stringValue: $0) } }

    func contains(_ key: Key) -> Bool { members[key.stringValue] != nil }

    func value(_ key: Key) throws -> JSONValue {
        guard let v = members[key.stringValue] else {
            throw JSONCodingError("JSON: no '\(key.stringValue)' at '\(codingPath.map(\.stringValue).joined(separator: "."))'")
        }
        return v
    }

    func decodeNil(forKey key: Key) throws -> Bool { (members[key.stringValue] ?? .null) == .null }
    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T { try TreeDecoder.decode(type, try value(key), path: codingPath + [key]) }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
        try TreeDecoder(value: try value(key), codingPath: codingPath + [key]).container(keyedBy: type)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        try TreeDecoder(value: try value(key), codingPath: codingPath + [key]).unkeyedContainer()
    }

    func superDecoder() throws -> any Decoder { TreeDecoder(value: members["super"] ?? .null, codingPath: codingPath) }
    func superDecoder(forKey key: Key) throws -> any Decoder { TreeDecoder(value: members[key.stringValue] ?? .null, codingPath: codingPath + [key]) }
}

struct UnkeyedReader: UnkeyedDecodingContainer {
    let items: [JSONValue]
    var codingPath: [any CodingKey]
    var currentIndex = 0
    var count: Int? { items.count }
    var isAtEnd: Bool { currentIndex >= items.count }

    init(items: [JSONValue], codingPath: [any CodingKey]) {
        self.items = items
        self.codingPath = codingPath
    }

    mutating func next() throws -> (JSONValue, [any CodingKey]) {
        guard !isAtEnd else { throw JSONCodingError("JSON: array at '\(codingPath.map(\.stringValue).joined(separator: "."))' ended early") }
        defer { currentIndex += 1 }
        return (items[currentIndex], codingPath + [JSONIndexKey(intValue: currentIndex)])
    }

    mutating func decodeNil() throws -> Bool {
        guard !isAtEnd, items[currentIndex] == .null else { return false }
        currentIndex += 1
        return true
    }

    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
        let (v, path) = try next()
        return try TreeDecoder.decode(type, v, path: path)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
        let (v, path) = try next()
        return try TreeDecoder(value: v, codingPath: path).container(keyedBy: type)
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        let (v, path) = try next()
        return try TreeDecoder(value: v, codingPath: path).unkeyedContainer()
    }

    mutating func superDecoder() throws -> any Decoder {
        let (v, path) = try next()
        return TreeDecoder(value: v, codingPath: path)
    }
}

struct SingleReader: SingleValueDecodingContainer {
    let value: JSONValue
    var codingPath: [any CodingKey]

    func decodeNil() -> Bool { value == .null }
    func decode<T: Decodable>(_ type: T.Type) throws -> T { try TreeDecoder.decode(type, value, path: codingPath) }
}

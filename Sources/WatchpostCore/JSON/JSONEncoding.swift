// JSON for Watchpost's own Codable types without Foundation: the store's JSON columns, the web
// API, the CLI's --json and the player's status. Foundation's JSONEncoder/JSONDecoder were the
// only reason the daemon loaded libFoundationEssentials (≈ 3 MB resident, and it keeps the Swift
// runtime from being linked statically); this encoder writes byte for byte what JSONEncoder
// writes with `.sortedKeys` (and optionally `.prettyPrinted`, `.withoutEscapingSlashes`,
// `.convertToSnakeCase`) — JSONTests compare the two on our types. Keys are always sorted:
// JSONEncoder's unsorted order is a per-process hash order, so sorted is the one stable form.

/// A parsed or to-be-written JSON value.
public enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    /// The number exactly as written (integers stay exact; doubles in Swift's shortest form).
    case number(String)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])
}

/// How `JSONCoding.encode` writes.
public struct JSONWriteOptions: OptionSet, Sendable {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }
    /// Two-space indentation, `"key" : value`, as JSONEncoder's `.prettyPrinted`.
    public static let pretty = JSONWriteOptions(rawValue: 1)
    /// `/` as is (JSONEncoder escapes it as `\/` unless `.withoutEscapingSlashes`).
    public static let unescapedSlashes = JSONWriteOptions(rawValue: 2)
    /// Property names in snake_case (JSONEncoder's `.convertToSnakeCase`); dictionary keys as is.
    public static let snakeCaseKeys = JSONWriteOptions(rawValue: 4)
}

public struct JSONCodingError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

public enum JSONCoding {
    /// Encodes a value as JSON bytes (keys sorted).
    public static func encode<T: Encodable>(_ value: T, options: JSONWriteOptions = []) throws -> [UInt8] {
        let encoder = TreeEncoder(snakeCase: options.contains(.snakeCaseKeys))
        try encoder.encodeValue(value)
        var out: [UInt8] = []
        out.reserveCapacity(256)
        write(encoder.root.resolved, into: &out, options: options, indent: 0)
        return out
    }

    /// Encodes a value as a JSON string (keys sorted).
    public static func string<T: Encodable>(_ value: T, options: JSONWriteOptions = []) throws -> String {
        String(decoding: try encode(value, options: options), as: UTF8.self)
    }

    /// Writes a JSON value as text.
    public static func write(_ value: JSONValue, into out: inout [UInt8], options: JSONWriteOptions, indent: Int) {
        let pretty = options.contains(.pretty)
        func newline(_ level: Int) {
            out.append(0x0A)
            for _ in 0..<(level * 2) { out.append(0x20) }
        }
        switch value {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
        case .number(let n): out.append(contentsOf: n.utf8)
        case .string(let s): writeString(s, into: &out, escapeSlashes: !options.contains(.unescapedSlashes))
        case .array(let items):
            out.append(UInt8(ascii: "["))
            if pretty {
                if items.isEmpty { out.append(0x0A); newline(indent) } else {
                    for (i, item) in items.enumerated() {
                        if i > 0 { out.append(UInt8(ascii: ",")) }
                        newline(indent + 1)
                        write(item, into: &out, options: options, indent: indent + 1)
                    }
                    newline(indent)
                }
            } else {
                for (i, item) in items.enumerated() {
                    if i > 0 { out.append(UInt8(ascii: ",")) }
                    write(item, into: &out, options: options, indent: indent)
                }
            }
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            out.append(UInt8(ascii: "{"))
            // Sorted by key, as JSONEncoder's .sortedKeys (String's < compares by scalars).
            let sorted = members.sorted { $0.key < $1.key }
            if pretty {
                if sorted.isEmpty { out.append(0x0A); newline(indent) } else {
                    for (i, member) in sorted.enumerated() {
                        if i > 0 { out.append(UInt8(ascii: ",")) }
                        newline(indent + 1)
                        writeString(member.key, into: &out, escapeSlashes: !options.contains(.unescapedSlashes))
                        out.append(0x20); out.append(UInt8(ascii: ":")); out.append(0x20)
                        write(member.value, into: &out, options: options, indent: indent + 1)
                    }
                    newline(indent)
                }
            } else {
                for (i, member) in sorted.enumerated() {
                    if i > 0 { out.append(UInt8(ascii: ",")) }
                    writeString(member.key, into: &out, escapeSlashes: !options.contains(.unescapedSlashes))
                    out.append(UInt8(ascii: ":"))
                    write(member.value, into: &out, options: options, indent: indent)
                }
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    static func writeString(_ s: String, into out: inout [UInt8], escapeSlashes: Bool) {
        out.append(UInt8(ascii: "\""))
        // Most strings need no escape: copy them whole (a byte-by-byte append costs a
        // capacity check per byte, and this runs for every key and text of every document).
        if !s.utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == 0x5C || (escapeSlashes && $0 == UInt8(ascii: "/")) }) {
            out.append(contentsOf: s.utf8)
            out.append(UInt8(ascii: "\""))
            return
        }
        func hex(_ v: UInt8) -> UInt8 { v < 10 ? 0x30 + v : 0x57 + v }  // 0-9, a-f
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "\""): out.append(0x5C); out.append(b)
            case 0x5C: out.append(0x5C); out.append(0x5C)
            case UInt8(ascii: "/") where escapeSlashes: out.append(0x5C); out.append(b)
            case 0x08: out.append(0x5C); out.append(UInt8(ascii: "b"))
            case 0x0C: out.append(0x5C); out.append(UInt8(ascii: "f"))
            case 0x0A: out.append(0x5C); out.append(UInt8(ascii: "n"))
            case 0x0D: out.append(0x5C); out.append(UInt8(ascii: "r"))
            case 0x09: out.append(0x5C); out.append(UInt8(ascii: "t"))
            case 0..<0x20: out.append(contentsOf: [0x5C, UInt8(ascii: "u"), 0x30, 0x30, hex(b >> 4), hex(b & 0x0F)])
            default: out.append(b)
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    /// A double as JSONEncoder writes it: Swift's shortest form without a trailing ".0".
    static func number<F: BinaryFloatingPoint & CustomStringConvertible>(_ v: F) throws -> JSONValue {
        guard v.isFinite else { throw JSONCodingError("\(v) cannot be written as JSON (not a finite number)") }
        var s = v.description
        if s.hasSuffix(".0") { s.removeLast(2) }
        return .number(s)
    }

    /// JSONEncoder's `.convertToSnakeCase`: words split at a lower→upper change, and a run of
    /// capitals is one word up to the capital before the next lower-case letter.
    public static func snakeCase(_ key: String) -> String {
        let chars = Array(key)
        guard chars.count > 1 else { return key }
        var words: [Range<Int>] = []
        var wordStart = 0
        var searchStart = 1
        let end = chars.count
        while let upper = (searchStart..<end).first(where: { chars[$0].isUppercase }) {
            words.append(wordStart..<upper)
            guard let lower = (upper..<end).first(where: { chars[$0].isLowercase }) else {
                wordStart = upper
                searchStart = end
                break
            }
            if lower == upper + 1 {
                wordStart = upper
            } else {
                words.append(upper..<(lower - 1))
                wordStart = lower - 1
            }
            searchStart = lower + 1
            if searchStart >= end { break }
        }
        words.append(wordStart..<end)
        return words.map { String(chars[$0]).lowercased() }.joined(separator: "_")
    }
}

/// Marks `[String: V]`: its keys are data, never converted to snake_case (as JSONEncoder).
protocol StringKeyedDictionaryMarker {}
extension Dictionary: StringKeyedDictionaryMarker where Key == String {}

/// A node under construction: containers are reference boxes so nested containers can fill them.
final class JSONNodeBox {
    enum Content { case value(JSONValue), object([String: JSONNodeBox]), array([JSONNodeBox]), empty }
    var content: Content = .empty

    var resolved: JSONValue {
        switch content {
        case .value(let v): return v
        case .object(let members): return .object(members.mapValues(\.resolved))
        case .array(let items): return .array(items.map(\.resolved))
        case .empty: return .object([:])
        }
    }
}

final class TreeEncoder: Encoder {
    let root: JSONNodeBox
    let snakeCase: Bool
    var convertKeys: Bool
    var codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    init(snakeCase: Bool, root: JSONNodeBox = JSONNodeBox(), convertKeys: Bool = true, codingPath: [any CodingKey] = []) {
        self.root = root
        self.snakeCase = snakeCase
        self.convertKeys = convertKeys
        self.codingPath = codingPath
    }

    func encodeValue<T: Encodable>(_ value: T) throws {
        // Only snake_case needs to tell dictionaries apart (their keys are data); the check is a
        // protocol conformance lookup, which scans every conformance record once per new type.
        if snakeCase && value is any StringKeyedDictionaryMarker { convertKeys = false }
        try value.encode(to: self)
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        if case .object = root.content {} else { root.content = .object([:]) }
        return KeyedEncodingContainer(KeyedWriter<Key>(encoder: self, box: root))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        if case .array = root.content {} else { root.content = .array([]) }
        return UnkeyedWriter(encoder: self, box: root)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer { SingleWriter(encoder: self, box: root) }

    func key(_ key: any CodingKey) -> String { snakeCase && convertKeys ? JSONCoding.snakeCase(key.stringValue) : key.stringValue }

    /// The JSON for a primitive, or nil when `value` needs its own encoder.
    static func primitive<T: Encodable>(_ value: T) throws -> JSONValue? {
        // Most values that come here are structs, arrays and dictionaries: reject them by type
        // identity (pointer compares) before trying fourteen dynamic casts.
        let t: any Any.Type = T.self
        guard t == String.self || t == Bool.self || t == Int.self || t == Int64.self || t == Int32.self || t == Int16.self || t == Int8.self
            || t == UInt.self || t == UInt64.self || t == UInt32.self || t == UInt16.self || t == UInt8.self || t == Double.self || t == Float.self
        else { return nil }
        switch value {
        case let v as String: return .string(v)
        case let v as Bool: return .bool(v)
        case let v as Int: return .number(String(v))
        case let v as Int64: return .number(String(v))
        case let v as Int32: return .number(String(v))
        case let v as Int16: return .number(String(v))
        case let v as Int8: return .number(String(v))
        case let v as UInt: return .number(String(v))
        case let v as UInt64: return .number(String(v))
        case let v as UInt32: return .number(String(v))
        case let v as UInt16: return .number(String(v))
        case let v as UInt8: return .number(String(v))
        case let v as Double: return try JSONCoding.number(v)
        case let v as Float: return try JSONCoding.number(v)
        default: return nil
        }
    }

    func child<T: Encodable>(_ value: T, at key: (any CodingKey)?) throws -> JSONNodeBox {
        let box = JSONNodeBox()
        if let p = try Self.primitive(value) { box.content = .value(p); return box }
        let sub = TreeEncoder(snakeCase: snakeCase, root: box, codingPath: key.map { codingPath + [$0] } ?? codingPath)
        try sub.encodeValue(value)
        return box
    }
}

struct KeyedWriter<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let encoder: TreeEncoder
    let box: JSONNodeBox
    var codingPath: [any CodingKey] { encoder.codingPath }

    func set(_ key: Key, _ node: JSONNodeBox) {
        guard case .object(var members) = box.content else { return }
        box.content = .empty
        members[encoder.key(key)] = node
        box.content = .object(members)
    }

    func value(_ v: JSONValue) -> JSONNodeBox { let b = JSONNodeBox(); b.content = .value(v); return b }

    mutating func encodeNil(forKey key: Key) throws { set(key, value(.null)) }
    mutating func encode(_ v: Bool, forKey key: Key) throws { set(key, value(.bool(v))) }
    mutating func encode(_ v: String, forKey key: Key) throws { set(key, value(.string(v))) }
    mutating func encode(_ v: Double, forKey key: Key) throws { set(key, value(try JSONCoding.number(v))) }
    mutating func encode(_ v: Float, forKey key: Key) throws { set(key, value(try JSONCoding.number(v))) }
    mutating func encode(_ v: Int, forKey key: Key) throws { set(key, value(.number(String(v)))) }
    mutating func encode(_ v: Int8, forKey key: Key) throws { set(key, value(.number(String(v)))) }
    mutating func encode(_ v: Int16, forKey key: Key) throws { set(key, value(.number(String(v)))) }
    mutating func encode(_ v: Int32, forKey key: Key) throws { set(key, value(.number(String(v)))) }
    mutating func encode(_ v: Int64, forKey key: Key) throws { set(key, value(.number(String(v)))) }
    mutating func encode(_ v: UInt, forKey key: Key) throws { set(key, value(.number(String(v)))) }
    mutating func encode(_ v: UInt8, forKey key: Key) throws { set(key, value(.number(String(v)))) }
    mutating func encode(_ v: UInt16, forKey key: Key) throws { set(key, value(.number(String(v)))) }
    mutating func encode(_ v: UInt32, forKey key: Key) throws { set(key, value(.number(String(v)))) }
    mutating func encode(_ v: UInt64, forKey key: Key) throws { set(key, value(.number(String(v)))) }
    mutating func encode<T: Encodable>(_ v: T, forKey key: Key) throws { set(key, try encoder.child(v, at: key)) }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        let child = JSONNodeBox()
        child.content = .object([:])
        set(key, child)
        return KeyedEncodingContainer(KeyedWriter<NestedKey>(encoder: TreeEncoder(snakeCase: encoder.snakeCase, root: child, codingPath: codingPath + [key]), box: child))
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        let child = JSONNodeBox()
        child.content = .array([])
        set(key, child)
        return UnkeyedWriter(encoder: TreeEncoder(snakeCase: encoder.snakeCase, root: child, codingPath: codingPath + [key]), box: child)
    }

    mutating func superEncoder() -> any Encoder { superEncoder(forKey: Key(stringValue: "super")!) }

    mutating func superEncoder(forKey key: Key) -> any Encoder {
        let child = JSONNodeBox()
        set(key, child)
        return TreeEncoder(snakeCase: encoder.snakeCase, root: child, codingPath: codingPath + [key])
    }
}

struct UnkeyedWriter: UnkeyedEncodingContainer {
    let encoder: TreeEncoder
    let box: JSONNodeBox
    var codingPath: [any CodingKey] { encoder.codingPath }
    var count: Int { if case .array(let items) = box.content { return items.count }; return 0 }

    func append(_ node: JSONNodeBox) {
        guard case .array(var items) = box.content else { return }
        box.content = .empty
        items.append(node)
        box.content = .array(items)
    }

    mutating func encodeNil() throws { let b = JSONNodeBox(); b.content = .value(.null); append(b) }
    mutating func encode<T: Encodable>(_ v: T) throws { append(try encoder.child(v, at: nil)) }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        let child = JSONNodeBox()
        child.content = .object([:])
        append(child)
        return KeyedEncodingContainer(KeyedWriter<NestedKey>(encoder: TreeEncoder(snakeCase: encoder.snakeCase, root: child, codingPath: codingPath), box: child))
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        let child = JSONNodeBox()
        child.content = .array([])
        append(child)
        return UnkeyedWriter(encoder: TreeEncoder(snakeCase: encoder.snakeCase, root: child, codingPath: codingPath), box: child)
    }

    mutating func superEncoder() -> any Encoder {
        let child = JSONNodeBox()
        append(child)
        return TreeEncoder(snakeCase: encoder.snakeCase, root: child, codingPath: codingPath)
    }
}

struct SingleWriter: SingleValueEncodingContainer {
    let encoder: TreeEncoder
    let box: JSONNodeBox
    var codingPath: [any CodingKey] { encoder.codingPath }

    mutating func encodeNil() throws { box.content = .value(.null) }
    mutating func encode<T: Encodable>(_ v: T) throws {
        if let p = try TreeEncoder.primitive(v) { box.content = .value(p); return }
        try TreeEncoder(snakeCase: encoder.snakeCase, root: box, codingPath: codingPath).encodeValue(v)
    }
}

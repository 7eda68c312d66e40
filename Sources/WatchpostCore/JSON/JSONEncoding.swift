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
        write(encoder.root, into: &out, options: options, indent: 0)
        return out
    }

    /// Encodes a value as a JSON string (keys sorted).
    public static func string<T: Encodable>(_ value: T, options: JSONWriteOptions = []) throws -> String {
        String(decoding: try encode(value, options: options), as: UTF8.self)
    }

    /// Writes a JSON value as text.
    public static func write(_ value: JSONValue, into out: inout [UInt8], options: JSONWriteOptions, indent: Int) {
        switch value {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
        case .number(let n): out.append(contentsOf: n.utf8)
        case .string(let s): writeString(s, into: &out, escapeSlashes: !options.contains(.unescapedSlashes))
        case .array(let items):
            writeArray(items.count, into: &out, options: options, indent: indent) { i, out, level in
                write(items[i], into: &out, options: options, indent: level)
            }
        case .object(let members):
            // Sorted by key, as JSONEncoder's .sortedKeys (String's < compares by scalars).
            let sorted = members.sorted { $0.key < $1.key }
            writeObject(sorted.count, key: { sorted[$0].key }, into: &out, options: options, indent: indent) { i, out, level in
                write(sorted[i].value, into: &out, options: options, indent: level)
            }
        }
    }

    /// Writes a tree the encoder built, without first copying it into a `JSONValue`: members are
    /// sorted by key here, and a key set twice keeps its last value (as a dictionary would).
    static func write(_ box: JSONNodeBox, into out: inout [UInt8], options: JSONWriteOptions, indent: Int) {
        switch box.content {
        case .value(let v): write(v, into: &out, options: options, indent: indent)
        case .empty: writeObject(0, key: { _ in "" }, into: &out, options: options, indent: indent) { _, _, _ in }
        case .array(let items):
            writeArray(items.count, into: &out, options: options, indent: indent) { i, out, level in
                write(items[i], into: &out, options: options, indent: level)
            }
        case .object(var members):
            // The tree is written once: taking the members out lets them be sorted without a copy.
            box.content = .empty
            // By key, then by the order they were set in: of a key set twice, the last one is kept.
            members.sort { $0.key != $1.key ? $0.key < $1.key : $0.order < $1.order }
            var kept = members
            if zip(members, members.dropFirst()).contains(where: { $0.key == $1.key }) {
                kept = []
                for (i, m) in members.enumerated() where i + 1 == members.count || members[i + 1].key != m.key { kept.append(m) }
            }
            writeObject(kept.count, key: { kept[$0].key }, into: &out, options: options, indent: indent) { i, out, level in
                write(kept[i].node, into: &out, options: options, indent: level)
            }
        }
    }

    static func write(_ node: JSONNode, into out: inout [UInt8], options: JSONWriteOptions, indent: Int) {
        switch node {
        case .value(let v): write(v, into: &out, options: options, indent: indent)
        case .box(let b): write(b, into: &out, options: options, indent: indent)
        }
    }

    static func newline(_ level: Int, into out: inout [UInt8]) {
        out.append(0x0A)
        out.append(contentsOf: repeatElement(0x20, count: level * 2))
    }

    /// `[`, the items (two-space indentation when pretty, as JSONEncoder's `.prettyPrinted`), `]`.
    static func writeArray(_ count: Int, into out: inout [UInt8], options: JSONWriteOptions, indent: Int,
                           item: (Int, inout [UInt8], Int) -> Void) {
        let pretty = options.contains(.pretty)
        out.append(UInt8(ascii: "["))
        if pretty {
            if count == 0 { out.append(0x0A); newline(indent, into: &out) } else {
                for i in 0..<count {
                    if i > 0 { out.append(UInt8(ascii: ",")) }
                    newline(indent + 1, into: &out)
                    item(i, &out, indent + 1)
                }
                newline(indent, into: &out)
            }
        } else {
            for i in 0..<count {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                item(i, &out, indent)
            }
        }
        out.append(UInt8(ascii: "]"))
    }

    /// `{`, the members in the order given (`"key" : value` when pretty, `"key":value` otherwise), `}`.
    static func writeObject(_ count: Int, key: (Int) -> String, into out: inout [UInt8], options: JSONWriteOptions, indent: Int,
                            value: (Int, inout [UInt8], Int) -> Void) {
        let pretty = options.contains(.pretty)
        let escapeSlashes = !options.contains(.unescapedSlashes)
        out.append(UInt8(ascii: "{"))
        if pretty {
            if count == 0 { out.append(0x0A); newline(indent, into: &out) } else {
                for i in 0..<count {
                    if i > 0 { out.append(UInt8(ascii: ",")) }
                    newline(indent + 1, into: &out)
                    writeString(key(i), into: &out, escapeSlashes: escapeSlashes)
                    out.append(0x20); out.append(UInt8(ascii: ":")); out.append(0x20)
                    value(i, &out, indent + 1)
                }
                newline(indent, into: &out)
            }
        } else {
            for i in 0..<count {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                writeString(key(i), into: &out, escapeSlashes: escapeSlashes)
                out.append(UInt8(ascii: ":"))
                value(i, &out, indent)
            }
        }
        out.append(UInt8(ascii: "}"))
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

/// A member or item under construction: a finished value (no box of its own: most are numbers
/// and strings), or a container that nested containers may still fill.
enum JSONNode {
    case value(JSONValue)
    case box(JSONNodeBox)
}

/// A container under construction: a reference box so nested containers can fill it. An object
/// keeps its members in the order set (sorted when written) rather than in a dictionary: a
/// `probe net` result is 500 small objects, and hashing and resizing their dictionaries was most
/// of the cost of printing it (bench/network/README.md).
final class JSONNodeBox {
    struct Member {
        var key: String
        /// The order the member was set in: of a key set twice the last one is written.
        var order: Int
        var node: JSONNode
    }
    enum Content { case value(JSONValue), object([Member]), array([JSONNode]), empty }
    var content: Content = .empty

    init() {}
    init(_ content: Content) { self.content = content }
}

final class TreeEncoder: Encoder {
    let root: JSONNodeBox
    let snakeCase: Bool
    var convertKeys: Bool
    /// The encoder of the enclosing container and this one's key in it: the coding path is
    /// built only when asked for (errors), not for every value.
    let parent: TreeEncoder?
    let pathKey: (any CodingKey)?
    var codingPath: [any CodingKey] {
        var path = parent?.codingPath ?? []
        if let pathKey { path.append(pathKey) }
        return path
    }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    init(snakeCase: Bool, root: JSONNodeBox = JSONNodeBox(), convertKeys: Bool = true, parent: TreeEncoder? = nil, key: (any CodingKey)? = nil) {
        self.root = root
        self.snakeCase = snakeCase
        self.convertKeys = convertKeys
        self.parent = parent
        self.pathKey = key
    }

    /// An encoder for a container nested in this one at `key` (nil in an array).
    func nested(_ box: JSONNodeBox, at key: (any CodingKey)?) -> TreeEncoder {
        TreeEncoder(snakeCase: snakeCase, root: box, parent: self, key: key)
    }

    func encodeValue<T: Encodable>(_ value: T) throws {
        // Only snake_case needs to tell dictionaries apart (their keys are data); the check is a
        // protocol conformance lookup, which scans every conformance record once per new type.
        if snakeCase && value is any StringKeyedDictionaryMarker { convertKeys = false }
        try value.encode(to: self)
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        if case .object = root.content {} else { root.content = .object([]) }
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

    func child<T: Encodable>(_ value: T, at key: (any CodingKey)?) throws -> JSONNode {
        if let p = try Self.primitive(value) { return .value(p) }
        let box = JSONNodeBox()
        try nested(box, at: key).encodeValue(value)
        return .box(box)
    }
}

struct KeyedWriter<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let encoder: TreeEncoder
    let box: JSONNodeBox
    var codingPath: [any CodingKey] { encoder.codingPath }

    func set(_ key: Key, _ node: JSONNode) {
        guard case .object(var members) = box.content else { return }
        box.content = .empty
        if members.isEmpty { members.reserveCapacity(4) }
        members.append(JSONNodeBox.Member(key: encoder.key(key), order: members.count, node: node))
        box.content = .object(members)
    }

    mutating func encodeNil(forKey key: Key) throws { set(key, .value(.null)) }
    mutating func encode(_ v: Bool, forKey key: Key) throws { set(key, .value(.bool(v))) }
    mutating func encode(_ v: String, forKey key: Key) throws { set(key, .value(.string(v))) }
    mutating func encode(_ v: Double, forKey key: Key) throws { set(key, .value(try JSONCoding.number(v))) }
    mutating func encode(_ v: Float, forKey key: Key) throws { set(key, .value(try JSONCoding.number(v))) }
    mutating func encode(_ v: Int, forKey key: Key) throws { set(key, .value(.number(String(v)))) }
    mutating func encode(_ v: Int8, forKey key: Key) throws { set(key, .value(.number(String(v)))) }
    mutating func encode(_ v: Int16, forKey key: Key) throws { set(key, .value(.number(String(v)))) }
    mutating func encode(_ v: Int32, forKey key: Key) throws { set(key, .value(.number(String(v)))) }
    mutating func encode(_ v: Int64, forKey key: Key) throws { set(key, .value(.number(String(v)))) }
    mutating func encode(_ v: UInt, forKey key: Key) throws { set(key, .value(.number(String(v)))) }
    mutating func encode(_ v: UInt8, forKey key: Key) throws { set(key, .value(.number(String(v)))) }
    mutating func encode(_ v: UInt16, forKey key: Key) throws { set(key, .value(.number(String(v)))) }
    mutating func encode(_ v: UInt32, forKey key: Key) throws { set(key, .value(.number(String(v)))) }
    mutating func encode(_ v: UInt64, forKey key: Key) throws { set(key, .value(.number(String(v)))) }
    mutating func encode<T: Encodable>(_ v: T, forKey key: Key) throws { set(key, try encoder.child(v, at: key)) }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        let child = JSONNodeBox(.object([]))
        set(key, .box(child))
        return KeyedEncodingContainer(KeyedWriter<NestedKey>(encoder: encoder.nested(child, at: key), box: child))
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        let child = JSONNodeBox(.array([]))
        set(key, .box(child))
        return UnkeyedWriter(encoder: encoder.nested(child, at: key), box: child)
    }

    mutating func superEncoder() -> any Encoder { superEncoder(forKey: Key(stringValue: "super")!) }

    mutating func superEncoder(forKey key: Key) -> any Encoder {
        let child = JSONNodeBox()
        set(key, .box(child))
        return encoder.nested(child, at: key)
    }
}

struct UnkeyedWriter: UnkeyedEncodingContainer {
    let encoder: TreeEncoder
    let box: JSONNodeBox
    var codingPath: [any CodingKey] { encoder.codingPath }
    var count: Int { if case .array(let items) = box.content { return items.count }; return 0 }

    func append(_ node: JSONNode) {
        guard case .array(var items) = box.content else { return }
        box.content = .empty
        items.append(node)
        box.content = .array(items)
    }

    mutating func encodeNil() throws { append(.value(.null)) }
    mutating func encode<T: Encodable>(_ v: T) throws { append(try encoder.child(v, at: nil)) }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        let child = JSONNodeBox(.object([]))
        append(.box(child))
        return KeyedEncodingContainer(KeyedWriter<NestedKey>(encoder: encoder.nested(child, at: nil), box: child))
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        let child = JSONNodeBox(.array([]))
        append(.box(child))
        return UnkeyedWriter(encoder: encoder.nested(child, at: nil), box: child)
    }

    mutating func superEncoder() -> any Encoder {
        let child = JSONNodeBox()
        append(.box(child))
        return encoder.nested(child, at: nil)
    }
}

struct SingleWriter: SingleValueEncodingContainer {
    let encoder: TreeEncoder
    let box: JSONNodeBox
    var codingPath: [any CodingKey] { encoder.codingPath }

    mutating func encodeNil() throws { box.content = .value(.null) }
    mutating func encode<T: Encodable>(_ v: T) throws {
        if let p = try TreeEncoder.primitive(v) { box.content = .value(p); return }
        try TreeEncoder(snakeCase: encoder.snakeCase, root: box, parent: encoder.parent, key: encoder.pathKey).encodeValue(v)
    }
}

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
        try encodeWithTree(value, options: options)
    }

    /// Encodes a value as a JSON string (keys sorted).
    public static func string<T: Encodable>(_ value: T, options: JSONWriteOptions = []) throws -> String {
        String(decoding: try encodeWithTree(value, options: options), as: UTF8.self)
    }

    /// The generic way: the value's `Encodable` conformance builds a tree, written sorted.
    static func encodeWithTree<T: Encodable>(_ value: T, options: JSONWriteOptions) throws -> [UInt8] {
        let encoder = TreeEncoder(snakeCase: options.contains(.snakeCaseKeys))
        try encoder.encodeValue(value)
        var writer = JSONWriter(options: options)
        write(encoder.root, into: &writer)
        return writer.bytes
    }

    /// Writes any value through its `Encodable` conformance at the writer's place (keys sorted,
    /// not snake_case): what a direct writer uses for the rare shapes it does not spell out.
    public static func write<T: Encodable>(encoding value: T, into writer: inout JSONWriter) throws {
        let encoder = TreeEncoder(snakeCase: false)
        try encoder.encodeValue(value)
        write(encoder.root, into: &writer)
    }

    /// Writes a JSON value as text at `indent` levels (appended to `out`).
    public static func write(_ value: JSONValue, into out: inout [UInt8], options: JSONWriteOptions, indent: Int) {
        var writer = JSONWriter(options: options, bytes: out, level: indent)
        out = []  // the writer holds the only reference: its appends do not copy
        write(value, into: &writer)
        out = writer.bytes
    }

    public static func write(_ value: JSONValue, into writer: inout JSONWriter) {
        switch value {
        case .null: writer.null()
        case .bool(let b): writer.bool(b)
        case .number(let n): writer.number(n)
        case .string(let s): writer.string(s)
        case .array(let items):
            writer.beginArray()
            for item in items { writer.item(); write(item, into: &writer) }
            writer.endArray()
        case .object(let members):
            // Sorted by key, as JSONEncoder's .sortedKeys (String's < compares by scalars).
            writer.beginObject()
            for member in members.sorted(by: { $0.key < $1.key }) { writer.key(member.key); write(member.value, into: &writer) }
            writer.endObject()
        }
    }

    /// Writes a tree the encoder built, without first copying it into a `JSONValue`: members are
    /// sorted by key here, and a key set twice keeps its last value (as a dictionary would).
    static func write(_ box: JSONNodeBox, into writer: inout JSONWriter) {
        switch box.content {
        case .value(let v): write(v, into: &writer)
        case .empty: writer.beginObject(); writer.endObject()
        case .array(let items):
            writer.beginArray()
            for item in items { writer.item(); write(item, into: &writer) }
            writer.endArray()
        case .object(var members):
            // The tree is written once: taking the members out lets them be sorted without a copy.
            box.content = .empty
            // By key, then by the order they were set in: of a key set twice, the last one is kept.
            members.sort { $0.key != $1.key ? $0.key < $1.key : $0.order < $1.order }
            writer.beginObject()
            for (i, m) in members.enumerated() where i + 1 == members.count || members[i + 1].key != m.key {
                writer.key(m.key)
                write(m.node, into: &writer)
            }
            writer.endObject()
        }
    }

    static func write(_ node: JSONNode, into writer: inout JSONWriter) {
        switch node {
        case .value(let v): write(v, into: &writer)
        case .box(let b): write(b, into: &writer)
        }
    }

    /// A double's JSON text as JSONEncoder writes it: Swift's shortest form without a trailing
    /// ".0"; a value that is not finite is refused, as JSONEncoder refuses it.
    static func numberText<F: BinaryFloatingPoint & CustomStringConvertible>(_ v: F) throws -> String {
        guard v.isFinite else { throw JSONCodingError("\(v) cannot be written as JSON (not a finite number)") }
        var s = v.description
        if s.hasSuffix(".0") { s.removeLast(2) }
        return s
    }

    /// A double as JSONEncoder writes it (`numberText`).
    static func number<F: BinaryFloatingPoint & CustomStringConvertible>(_ v: F) throws -> JSONValue { .number(try numberText(v)) }

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

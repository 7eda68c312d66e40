// JSON text written straight into one byte buffer: the brackets, commas, indentation and string
// escapes JSONEncoder writes with `.sortedKeys` (and `.prettyPrinted`, `.withoutEscapingSlashes`).
// Both ways of writing go through it: the generic encoder's tree (JSONEncoding.swift) and the
// direct writers of the types printed most (CheckResult+JSON.swift), so the two cannot drift
// apart in layout. The caller writes members in sorted key order.

/// Writes JSON text into `bytes`: open a container, then for each member `key` and a value (in an
/// array `item` and a value), then close it.
public struct JSONWriter {
    public private(set) var bytes: [UInt8]
    let pretty: Bool
    let escapeSlashes: Bool
    /// How deep the open containers are (indentation when pretty).
    var level: Int
    /// For each open container, whether it has a member or item yet (commas, and the empty form).
    var started: [Bool] = []

    public init(options: JSONWriteOptions, bytes: [UInt8] = [], level: Int = 0) {
        self.bytes = bytes
        pretty = options.contains(.pretty)
        escapeSlashes = !options.contains(.unescapedSlashes)
        self.level = level
        if self.bytes.isEmpty { self.bytes.reserveCapacity(256) }
        started.reserveCapacity(8)
    }

    public mutating func beginObject() { open(UInt8(ascii: "{")) }
    public mutating func endObject() { close(UInt8(ascii: "}")) }
    public mutating func beginArray() { open(UInt8(ascii: "[")) }
    public mutating func endArray() { close(UInt8(ascii: "]")) }

    /// A member's key (`"key" : ` when pretty, `"key":` otherwise); its value follows.
    public mutating func key(_ key: String) {
        separate()
        string(key)
        if pretty { bytes.append(0x20); bytes.append(UInt8(ascii: ":")); bytes.append(0x20) } else { bytes.append(UInt8(ascii: ":")) }
    }

    /// Before each item of an array; its value follows.
    public mutating func item() { separate() }

    public mutating func null() { bytes.append(contentsOf: "null".utf8) }
    public mutating func bool(_ b: Bool) { bytes.append(contentsOf: (b ? "true" : "false").utf8) }
    public mutating func int<I: BinaryInteger>(_ n: I) { bytes.append(contentsOf: String(n).utf8) }
    /// A number already in JSON form (`JSONValue.number`).
    public mutating func number(_ text: String) { bytes.append(contentsOf: text.utf8) }
    /// A double as JSONEncoder writes it (`JSONCoding.numberText`); not finite is refused.
    public mutating func double(_ v: Double) throws { bytes.append(contentsOf: try JSONCoding.numberText(v).utf8) }

    public mutating func string(_ s: String) {
        var s = s
        s.withUTF8 { quoted($0) }
    }

    /// The bytes in quotes, escaped as JSONEncoder escapes them. Runs that need no escape are
    /// copied whole (a byte-by-byte append costs a capacity check per byte, and this runs for
    /// every key and text of every document).
    private mutating func quoted(_ utf8: UnsafeBufferPointer<UInt8>) {
        bytes.append(UInt8(ascii: "\""))
        var run = 0
        for i in 0..<utf8.count {
            let b = utf8[i]
            guard b < 0x20 || b == UInt8(ascii: "\"") || b == 0x5C || (b == UInt8(ascii: "/") && escapeSlashes) else { continue }
            if run < i { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[run..<i])) }
            run = i + 1
            switch b {
            case 0x08: bytes.append(0x5C); bytes.append(UInt8(ascii: "b"))
            case 0x0C: bytes.append(0x5C); bytes.append(UInt8(ascii: "f"))
            case 0x0A: bytes.append(0x5C); bytes.append(UInt8(ascii: "n"))
            case 0x0D: bytes.append(0x5C); bytes.append(UInt8(ascii: "r"))
            case 0x09: bytes.append(0x5C); bytes.append(UInt8(ascii: "t"))
            case 0..<0x20:
                func hex(_ v: UInt8) -> UInt8 { v < 10 ? 0x30 + v : 0x57 + v }  // 0-9, a-f
                bytes.append(contentsOf: [0x5C, UInt8(ascii: "u"), 0x30, 0x30, hex(b >> 4), hex(b & 0x0F)])
            default: bytes.append(0x5C); bytes.append(b)  // " \ /
            }
        }
        if run < utf8.count { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[run..<utf8.count])) }
        bytes.append(UInt8(ascii: "\""))
    }

    private mutating func open(_ bracket: UInt8) {
        bytes.append(bracket)
        level += 1
        started.append(false)
    }

    /// `]` or `}`: on a line of its own when pretty, and an empty container as JSONEncoder writes
    /// it (`[\n\n]`, indented).
    private mutating func close(_ bracket: UInt8) {
        let hadItems = started.popLast() ?? false
        level -= 1
        if pretty {
            if !hadItems { bytes.append(0x0A) }
            newline()
        }
        bytes.append(bracket)
    }

    /// The comma before every member or item but the first, and its line when pretty.
    private mutating func separate() {
        if let last = started.indices.last {
            if started[last] { bytes.append(UInt8(ascii: ",")) } else { started[last] = true }
        }
        if pretty { newline() }
    }

    private mutating func newline() {
        bytes.append(0x0A)
        for _ in 0..<(level * 2) { bytes.append(0x20) }
    }
}

// How a relative file path inside the media folder is written in manifests, state files and
// findings: UTF-8 text on one line. A byte is written as %XX when it is a control byte, '%', DEL,
// a space at the start or end, or (when the name is not valid UTF-8) any byte ≥ 0x80 — so every
// name a share can hold has exactly one spelling and can be opened again.
import WatchpostCore

public enum ContentPath {
    public static func encode(_ bytes: [UInt8]) -> String {
        let validUTF8 = String(validating: bytes, as: UTF8.self) != nil
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        for (i, b) in bytes.enumerated() {
            let edgeSpace = b == 0x20 && (i == 0 || i == bytes.count - 1)
            if b < 0x20 || b == 0x7f || b == 0x25 || edgeSpace || (!validUTF8 && b >= 0x80) {
                out += Array("%".utf8) + hex(b)
            } else {
                out.append(b)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The bytes a spelling stands for, or nil when a %-escape is malformed.
    public static func decode(_ text: String) -> [UInt8]? {
        let chars = Array(text.utf8)
        var out: [UInt8] = []
        var i = 0
        while i < chars.count {
            if chars[i] == 0x25 {
                guard i + 2 < chars.count, let hi = nibble(chars[i + 1]), let lo = nibble(chars[i + 2]) else { return nil }
                out.append(hi << 4 | lo)
                i += 3
            } else {
                out.append(chars[i])
                i += 1
            }
        }
        return out
    }

    /// Why a manifest path is not acceptable (absolute, `..`, empty component…), or nil.
    public static func problem(_ text: String) -> Message? {
        guard let bytes = decode(text) else { return Message("content.path.escape", ["path": .text(text)]) }
        if bytes.isEmpty { return Message("content.path.empty") }
        if bytes.first == 0x2f { return Message("content.path.absolute", ["path": .text(text)]) }
        if bytes.contains(0) { return Message("content.path.nul", ["path": .text(text)]) }
        for part in bytes.split(separator: 0x2f, omittingEmptySubsequences: false) {
            if part.isEmpty { return Message("content.path.empty_component", ["path": .text(text)]) }
            if Array(part) == [0x2e] || Array(part) == [0x2e, 0x2e] { return Message("content.path.dots", ["path": .text(text)]) }
        }
        return nil
    }

    private static func hex(_ b: UInt8) -> [UInt8] {
        let digits = Array("0123456789ABCDEF".utf8)
        return [digits[Int(b >> 4)], digits[Int(b & 15)]]
    }

    private static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case 48...57: return c - 48
        case 97...102: return c - 87
        case 65...70: return c - 55
        default: return nil
        }
    }
}

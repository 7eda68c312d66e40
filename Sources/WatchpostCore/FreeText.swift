// Free text a person or a link supplies (notes on an acknowledgement, email replies, names typed
// on the web or the command line): which characters it may hold, and the one definition of a
// "control character" that the console printers escape (#19 review s9: an ack-link note holding
// BEL and `ESC[31m` was printed raw by `watchpost incidents N`).
//
// Stripped at input, not refused: the characters are invisible in the form, the mail client or
// the terminal the person typed into and carry no meaning in a note or a name; refusing would
// turn away an acknowledgement (escalation goes on) over something the person cannot see, and an
// email reply cannot be answered with a form's error. Line breaks stay (a note may have lines;
// CRLF and a lone CR become LF), a tab becomes a space.
public enum FreeText {
    /// C0 controls, DEL and C1 controls (Unicode's Cc), and the bidirectional embedding, override
    /// and isolate controls, which reorder what a terminal or a page shows (U+202A–U+202E,
    /// U+2066–U+2069).
    public static func isControl(_ s: Unicode.Scalar) -> Bool {
        let v = s.value
        return v < 0x20 || (0x7F...0x9F).contains(v) || (0x202A...0x202E).contains(v) || (0x2066...0x2069).contains(v)
    }

    /// Whether `text` holds a control character (`isControl`) other than line feed and tab —
    /// the question every console line asks (`ConsoleText.escaped`). Decided on the UTF-8 bytes
    /// when it can be: a control scalar is a byte below 0x20, 0x7F, or starts with 0xC2 (C1,
    /// U+0080–U+009F) or 0xE2 (U+202A–U+202E, U+2066–U+2069); text without those bytes has
    /// none, and only text with them is read scalar by scalar. `watchpost-probe net --json`'s
    /// 60 kB of ASCII cost 1.34 M instructions read as scalars (bench/network/README.md).
    public static func containsControlBesidesLineFeedAndTab(_ text: String) -> Bool {
        // A loop over the contiguous bytes: `utf8.contains(where:)` walks the view generically
        // and cost more than the scalars (1.88 M instructions for the same 60 kB).
        let maybe = text.utf8.withContiguousStorageIfAvailable { bytes -> Bool in
            for b in bytes where (b < 0x20 && b != 0x0A && b != 0x09) || b == 0x7F || b == 0xC2 || b == 0xE2 { return true }
            return false
        } ?? true
        return maybe && text.unicodeScalars.contains { isControl($0) && $0 != "\n" && $0 != "\t" }
    }

    /// `text` without control characters, line breaks kept as LF, tabs as spaces.
    public static func clean(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: isControl) else { return text }
        var out = String.UnicodeScalarView()
        var afterCR = false
        for s in text.unicodeScalars {
            defer { afterCR = s == "\r" }
            switch s {
            case "\r": out.append("\n")
            case "\n": if !afterCR { out.append("\n") }
            case "\t": out.append(" ")
            default: if !isControl(s) { out.append(s) }
            }
        }
        return String(out)
    }
}

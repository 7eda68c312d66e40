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

/// Escapes text for HTML element content and quoted attribute values. One escaper for the web
/// pages, the HTML part of emails and the HTML reports. `apostrophe` also escapes `'`, needed
/// only where single-quoted attributes may appear (the web pages).
public func htmlEscaped(_ s: String, apostrophe: Bool = true) -> String {
    var out = ""
    out.reserveCapacity(s.utf8.count + 16)
    for c in s.unicodeScalars {
        switch c {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        case "'" where apostrophe: out += "&#39;"
        default: out.unicodeScalars.append(c)
        }
    }
    return out
}

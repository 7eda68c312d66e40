// Page text from the catalogue (Catalogue+WebPages.swift): every heading, label, button, table
// head, refusal and flash message of the web pages is a catalogue key, Vietnamese first with its
// English translation (issue 15). These helpers show one key in the shapes the pages use; the
// test `WebPagesTextTests` fails when a page carries a Vietnamese literal instead of a key.
import WatchpostCore

enum PageText {
    /// The Vietnamese text alone, plain (the caller escapes it, as any text).
    static func vi(_ key: MessageKey, _ params: [String: MessageValue] = [:]) -> String {
        Catalogue.render(Message(key, params), .vi)
    }

    /// The English translation alone, plain.
    static func en(_ key: MessageKey, _ params: [String: MessageValue] = [:]) -> String {
        Catalogue.render(Message(key, params), .en)
    }

    /// "Tiếng Việt / English", plain (the caller escapes it).
    static func text(_ key: MessageKey, _ params: [String: MessageValue] = [:]) -> String {
        Catalogue.bilingual(Message(key, params))
    }

    /// "Tiếng Việt / English" for HTML: the templates are escaped here; `params` are HTML the
    /// page made already (escaped names, links), put in as they are.
    static func html(_ key: MessageKey, _ params: [String: String] = [:], separator: String = " / ") -> String {
        guard let entry = Catalogue.entry(key) else { return "[\(esc(key.rawValue))]" }
        return fill(esc(entry.vi), params) + separator + fill(esc(entry.en), params)
    }

    /// A table head: "Tiếng Việt<br>English".
    static func head(_ key: MessageKey) -> String { html(key, separator: "<br>") }

    /// A heading: "Tiếng Việt <span class="en">/ English</span>".
    static func heading(_ key: MessageKey, _ params: [String: String] = [:]) -> String {
        guard let entry = Catalogue.entry(key) else { return "[\(esc(key.rawValue))]" }
        return fill(esc(entry.vi), params) + " <span class=\"en\">/ " + fill(esc(entry.en), params) + "</span>"
    }

    /// Puts `{name}` parameters into an escaped template.
    static func fill(_ template: String, _ params: [String: String]) -> String {
        var out = template
        for (name, value) in params { out = out.replacing("{\(name)}", with: value) }
        return out
    }
}

/// "cấp báo cáo 2 / level 2"; level 0 is the site's technicians only (no escalation).
func levelHTML(_ level: Int) -> String {
    level <= 0 ? PageText.html("web.incident.technicians") : PageText.html("web.incident.level", ["level": "\(level)"])
}

/// How an action came ("link", "web", "reply", "cli") in words: "liên kết trong thư / email link".
func channelText(_ via: String) -> String {
    let key = MessageKey("channel." + via)
    return Catalogue.contains(key) ? Catalogue.bilingual(Message(key)) : via
}

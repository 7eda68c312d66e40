// Names of the ids a manifest or a setting carries, as people read them (issue 15): a language
// code ("lo") is "tiếng Lào", a content kind ("still") "ảnh tĩnh". Ids the catalogue does not know
// are shown as written. Organisations are named from alerts/contacts.conf by their callers.

public enum Names {
    /// "tiếng Lào" / "Lao" for "lo"; an unknown code as written.
    public static func language(_ code: String, _ language: Language) -> String {
        let key = MessageKey("language.name." + code.lowercased())
        return Catalogue.entry(key)?.template(language) ?? code
    }

    /// "tiếng Việt, tiếng Anh" for ["vi", "en"].
    public static func languages(_ codes: [String], _ language: Language) -> String {
        codes.map { Self.language($0, language) }.joined(separator: ", ")
    }

    /// "ảnh tĩnh" / "still picture" for a content kind ("programme", "clip", "still").
    public static func contentKind(_ kind: String, _ language: Language) -> String {
        Catalogue.entry(MessageKey("content.kind." + kind))?.template(language) ?? kind
    }

    /// Why a played item was not approved, from its finding code ("player.unapproved-item"):
    /// "nội dung chưa được phê duyệt"; a code without a text says so with the code.
    public static func playReason(_ code: String) -> Message {
        let key = MessageKey("content.plays.reason." + code)
        return Catalogue.contains(key) ? Message(key) : Message("content.plays.reason.other", ["code": .text(code)])
    }
}

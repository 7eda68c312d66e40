// Catalogue table "core": words every area shares — check statuses, incident categories,
// the technical-detail line. Terms follow docs/glossary.md.

extension Catalogue {
    static let core: [Entry] = [
        .init("status.ok", vi: "Bình thường", en: "OK"),
        .init("status.warning", vi: "Cảnh báo", en: "Warning"),
        .init("status.critical", vi: "Nghiêm trọng", en: "Critical"),
        .init("status.unknown", vi: "Không xác định", en: "Unknown"),

        .init("category.technical", vi: "sự cố kỹ thuật", en: "technical incident"),
        .init("category.security", vi: "sự cố an ninh thông tin", en: "information-security incident"),
        .init("category.technical.short", vi: "kỹ thuật", en: "technical"),
        .init("category.security.short", vi: "an ninh thông tin", en: "information security"),

        // A library's own words (curl, libusb, errno) never enter a Vietnamese sentence: they go
        // on this separate line, untranslated.
        .init("detail.technical", vi: "Chi tiết kỹ thuật: {detail}", en: "Technical detail: {detail}"),
        .init("check.ok", vi: "Bình thường", en: "OK"),
        .init("text.untranslated", vi: "{text}", en: "{text}"),
        .init("text.list", vi: "{items}", en: "{items}"),
        .init("detail.technical.label", vi: "Chi tiết kỹ thuật", en: "Technical detail"),
    ]
}

extension CheckStatus {
    /// The status as a catalogue message (`status.ok` …).
    public var message: Message { Message(MessageKey("status." + description.lowercased())) }
}

extension IncidentCategory {
    /// "sự cố kỹ thuật" / "technical incident".
    public var message: Message { Message(MessageKey("category." + rawValue)) }
    /// "kỹ thuật" / "technical", for subjects: "Sự cố #12 — an ninh thông tin — …".
    public var shortMessage: Message { Message(MessageKey("category." + rawValue + ".short")) }
}

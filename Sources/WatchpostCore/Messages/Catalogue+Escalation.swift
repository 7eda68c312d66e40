// Catalogue table "escalation": escalation chain, acknowledgement, who/org/channel/note — issue #14.
// Add entries here (see the header of Catalogue.swift); wording follows docs/glossary.md.

extension Catalogue {
    static let escalation: [Entry] = [
    ]
}

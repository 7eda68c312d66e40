// Catalogue table "incident": incidents and their timeline (engine events, notices) — #15 fills, #14/#21 add their events.
// Add entries here (see the header of Catalogue.swift); wording follows docs/glossary.md.

extension Catalogue {
    static let incident: [Entry] = [
    ]
}

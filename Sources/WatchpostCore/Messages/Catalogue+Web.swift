// Catalogue table "web": page texts (WatchpostWeb) — #19 adds validation errors.
// Add entries here (see the header of Catalogue.swift); wording follows docs/glossary.md.

extension Catalogue {
    static let web: [Entry] = [
    ]
}

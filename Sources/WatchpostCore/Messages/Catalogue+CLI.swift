// Catalogue table "cli": command-line output for people (watchpost).
// Add entries here (see the header of Catalogue.swift); wording follows docs/glossary.md.

extension Catalogue {
    static let cli: [Entry] = [
    ]
}

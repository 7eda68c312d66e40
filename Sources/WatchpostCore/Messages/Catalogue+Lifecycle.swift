// Catalogue table "lifecycle": daemon lifecycle notices — issue #21.
// Add entries here (see the header of Catalogue.swift); wording follows docs/glossary.md.

extension Catalogue {
    static let lifecycle: [Entry] = [
    ]
}

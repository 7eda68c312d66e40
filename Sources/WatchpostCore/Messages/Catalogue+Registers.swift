// Catalogue table "registers": registers and logs — issue #18.
// Add entries here (see the header of Catalogue.swift); wording follows docs/glossary.md.

extension Catalogue {
    static let registers: [Entry] = [
    ]
}

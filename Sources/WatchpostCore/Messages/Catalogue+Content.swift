// Catalogue table "content": approved-content findings and manifests (WatchpostContent) — #16 adds.
// Add entries here (see the header of Catalogue.swift); wording follows docs/glossary.md.

extension Catalogue {
    static let content: [Entry] = [
    ]
}

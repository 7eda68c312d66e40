// Catalogue table "player": player findings (WatchpostPlayer).
// Add entries here (see the header of Catalogue.swift); wording follows docs/glossary.md.

extension Catalogue {
    static let player: [Entry] = [
    ]
}

// Catalogue table "led": LED controller findings (WatchpostLED).
// Add entries here (see the header of Catalogue.swift); wording follows docs/glossary.md.

extension Catalogue {
    static let led: [Entry] = [
    ]
}

// Catalogue table "power": UPS and mains findings (WatchpostPower).
// Add entries here (see the header of Catalogue.swift); wording follows docs/glossary.md.

extension Catalogue {
    static let power: [Entry] = [
    ]
}

// Catalogue table "network": ping/TCP/HTTP findings (WatchpostNetwork).
// Add entries here (see the header of Catalogue.swift); wording follows docs/glossary.md.

extension Catalogue {
    static let network: [Entry] = [
    ]
}

// Catalogue table "probes": exec plugins, probe catalogue, responders (WatchpostProbes) — #20 adds.
// Add entries here (see the header of Catalogue.swift); wording follows docs/glossary.md.

extension Catalogue {
    static let probes: [Entry] = [
    ]
}

// Catalogue table "reports": reports and the report email (WatchpostReports) — #17 adds.
// Add entries here (see the header of Catalogue.swift); wording follows docs/glossary.md.

extension Catalogue {
    static let reports: [Entry] = [
    ]
}

// Catalogue table "mail": email subjects and bodies, replies (WatchpostMail).
// Add entries here (see the header of Catalogue.swift); wording follows docs/glossary.md.

extension Catalogue {
    static let mail: [Entry] = [
    ]
}

// Runs the `watchpost-pdf` helper, which draws a report's layout with cairo and pango. The
// daemon and the CLI build the layout (PDFLayout) and never link cairo, pango, glib or harfbuzz:
// those libraries cost every start of `watchpost` about 4 MB resident and twice the dynamic
// loader's work, for a PDF made a few times a month (bench/daemon/README.md, issue #20).
import WatchpostCore
import PDFLayout
import Posix

enum PDFHelper {
    static let programName = "watchpost-pdf"

    /// A year's report with every incident listed takes seconds; a helper stuck longer is killed.
    static let timeout = Seconds(300)

    /// The helper beside the running program (/usr/local/bin next to watchpost, .build/debug in
    /// the tests), or nil with the folder looked in.
    static func locate() -> (path: String?, folder: String) {
        let folder = CurrentProcess.executableDirectory() ?? "?"
        let path = folder + "/" + programName
        return (FileSystem.isExecutableFile(path) ? path : nil, folder)
    }

    /// Writes `document` as a PDF at `path`, atomically (the helper writes a temporary file that
    /// is moved into place). Returns the number of pages.
    static func write(_ document: PDFLayoutDocument, path: String) throws(WatchpostError) -> Int {
        let (helper, folder) = locate()
        guard let helper else {
            throw WatchpostError(.notFound, Message("report.pdf.helper_missing", ["path": .text(path), "folder": .text(folder)]), hint: Message("report.pdf.helper_missing.hint"))
        }
        func failure(_ reason: String) -> WatchpostError {
            WatchpostError(.io, Message("report.pdf.failed", ["path": .text(path), "reason": .text(reason)]), hint: Message("report.pdf.failed.hint"))
        }
        let layout = path + ".layout.json", temporary = path + ".tmp"
        defer { FileSystem.remove(layout) }
        do {
            try FileSystem.writeAtomically(layout, try JSONCoding.string(document), mode: 0o600)
        } catch {
            throw failure("\(error)")
        }
        let outcome: Subprocess.Outcome
        do {
            outcome = try Subprocess.run(helper, arguments: [layout, temporary], timeout: timeout.duration)
        } catch {
            throw failure("\(error)")
        }
        let said = outcome.output.trimmingWhitespace()
        guard outcome.exitCode == 0, !outcome.timedOut, let pages = Int(said) else {
            FileSystem.remove(temporary)
            let how = outcome.timedOut ? "\(programName): timed out" : outcome.signal.map { "\(programName): signal \($0)" } ?? "\(programName): \(said)"
            throw failure(how)
        }
        do { try FileSystem.move(temporary, to: path) } catch {
            FileSystem.remove(temporary)
            throw failure("\(error)")
        }
        return pages
    }
}

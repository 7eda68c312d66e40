// watchpost-pdf: lays out a report's A4 PDF with cairo and pango from the layout the daemon or
// the CLI wrote (module PDFLayout, JSON). A program of its own so that only it links cairo, pango,
// glib, harfbuzz and fontconfig: `watchpost` does not load or relocate them at every start
// (bench/daemon/README.md, issue #20). Installed next to `watchpost`, which runs it through
// `Subprocess` when a report is made (ReportRenderer.writePDF).
//   watchpost-pdf LAYOUT.json OUTPUT.pdf   → prints the number of pages; exit 1 with the reason on error
import WatchpostCore
import PDFLayout
import PDF
import Posix
import WatchpostHost

let arguments = Array(CommandLine.arguments.dropFirst())
guard arguments.count == 2 else {
    StandardErrorSink().write(line: "usage: watchpost-pdf LAYOUT.json OUTPUT.pdf")
    CurrentProcess.exit(64)
}
do {
    // A year's report with every incident listed stays far below this (a few MB).
    let bytes = try FileSystem.readBytes(arguments[0], limit: 256 * 1024 * 1024)
    let document = try JSONCoding.decode(PDFLayoutDocument.self, from: bytes)
    let pages = try PDFWriter.write(document, path: arguments[1])
    print(pages)
    CurrentProcess.exit(0)
} catch {
    StandardErrorSink().write(line: "\(error)")
    CurrentProcess.exit(1)
}

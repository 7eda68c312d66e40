// An A4 document as a list of layout steps (headings, paragraphs, tables, drawings, page breaks)
// that the report code builds without drawing anything. The daemon and the CLI write it as JSON
// and the `watchpost-pdf` helper lays it out with cairo and pango (module PDF): only that small
// program links cairo, pango, glib and harfbuzz, so the daemon neither loads nor relocates them
// at every start (bench/daemon/README.md, issue #20).

/// The page and its margins, in points (1/72 inch). A4 is 595.28 × 841.89.
public struct PageGeometry: Sendable, Hashable, Codable {
    public var width = 595.28, height = 841.89
    public var marginLeft = 42.0, marginRight = 42.0, marginTop = 56.0, marginBottom = 48.0
    public init() {}
    public var contentWidth: Double { width - marginLeft - marginRight }
}

/// One table cell: text, with an optional second line in grey (the English translation).
public struct Cell: Sendable, Hashable, Codable {
    public var text: String
    public var note: String?
    public var fill: RGB?
    public init(_ text: String, note: String? = nil, fill: RGB? = nil) { self.text = text; self.note = note; self.fill = fill }
}

/// One thing drawn on a `Canvas`, kept for later.
public enum Shape: Sendable, Hashable, Codable {
    case rect(x: Double, y: Double, width: Double, height: Double, fill: RGB?, stroke: RGB?, radius: Double, opacity: Double)
    case line(x1: Double, y1: Double, x2: Double, y2: Double, color: RGB, width: Double)
    case text(String, x: Double, y: Double, size: Double, color: RGB, bold: Bool, anchor: TextAnchor)

    /// Draws this shape on `canvas`.
    public func draw(on canvas: any Canvas) {
        switch self {
        case let .rect(x, y, width, height, fill, stroke, radius, opacity):
            canvas.rect(x: x, y: y, width: width, height: height, fill: fill, stroke: stroke, radius: radius, opacity: opacity, title: nil)
        case let .line(x1, y1, x2, y2, color, width):
            canvas.line(x1: x1, y1: y1, x2: x2, y2: y2, color: color, width: width)
        case let .text(s, x, y, size, color, bold, anchor):
            canvas.text(s, x: x, y: y, size: size, color: color, bold: bold, anchor: anchor)
        }
    }
}

/// A `Canvas` that keeps what is drawn on it (a chart's PDF drawing). Titles are tooltips of
/// the HTML's SVG; a PDF has none, so they are not kept.
public final class ShapeRecorder: Canvas {
    public private(set) var shapes: [Shape] = []
    public init() {}
    public func rect(x: Double, y: Double, width: Double, height: Double, fill: RGB?, stroke: RGB?, radius: Double, opacity: Double, title: String?) {
        shapes.append(.rect(x: x, y: y, width: width, height: height, fill: fill, stroke: stroke, radius: radius, opacity: opacity))
    }
    public func line(x1: Double, y1: Double, x2: Double, y2: Double, color: RGB, width: Double) {
        shapes.append(.line(x1: x1, y1: y1, x2: x2, y2: y2, color: color, width: width))
    }
    public func text(_ s: String, x: Double, y: Double, size: Double, color: RGB, bold: Bool, anchor: TextAnchor) {
        shapes.append(.text(s, x: x, y: y, size: size, color: color, bold: bold, anchor: anchor))
    }
}

/// One step of the flow layout; `watchpost-pdf` performs them in order (PDFWriter in module PDF).
public enum LayoutStep: Sendable, Hashable, Codable {
    /// A section heading (Vietnamese) with its English translation below, kept with `keepWith` points of what follows.
    case heading(String, translation: String?, size: Double, keepWith: Double)
    /// A paragraph across the content width.
    case paragraph(String, size: Double, color: RGB, bold: Bool, after: Double)
    /// A table across the content width; `widths` are relative; rows that do not fit go to the next page under a repeated header.
    case table(header: [Cell], rows: [[Cell]], widths: [Double], size: Double)
    /// A drawing of `width` × `height` units scaled to the content width (never enlarged).
    case drawing(width: Double, height: Double, shapes: [Shape])
    /// A new page.
    case newPage
}

/// What `watchpost-pdf` reads: the running header, the footer, the font and the steps.
public struct PDFLayoutDocument: Sendable, Hashable, Codable {
    public var geometry: PageGeometry
    public var fontFamily: String
    /// The running header on every page.
    public var header: String
    /// The footer on every page; `{page}` and `{pages}` are replaced by the page number and the page count.
    public var footer: String
    public var steps: [LayoutStep]

    public init(geometry: PageGeometry = PageGeometry(), fontFamily: String = "DejaVu Sans", header: String, footer: String, steps: [LayoutStep] = []) {
        self.geometry = geometry; self.fontFamily = fontFamily; self.header = header; self.footer = footer; self.steps = steps
    }

    /// The footer of page `page` of `pages`.
    public func footer(page: Int, of pages: Int) -> String {
        footer.replacing("{pages}", with: String(pages)).replacing("{page}", with: String(page))
    }
}

/// Builds a `PDFLayoutDocument` with the calls the report code makes (the same names and defaults
/// the cairo writer had, so the report reads the same).
public final class DocumentBuilder {
    public private(set) var document: PDFLayoutDocument
    public var geometry: PageGeometry { document.geometry }

    public init(header: String, footer: String) { document = PDFLayoutDocument(header: header, footer: footer) }

    public func newPage() { document.steps.append(.newPage) }

    public func paragraph(_ text: String, size: Double = 9, color: RGB = .black, bold: Bool = false, after: Double = 4) {
        document.steps.append(.paragraph(text, size: size, color: color, bold: bold, after: after))
    }

    public func heading(_ text: String, translation: String?, size: Double = 12, keepWith: Double = 60) {
        document.steps.append(.heading(text, translation: translation, size: size, keepWith: keepWith))
    }

    public func table(header: [Cell], rows: [[Cell]], widths: [Double], size: Double = 8) {
        document.steps.append(.table(header: header, rows: rows, widths: widths, size: size))
    }

    public func drawing(width: Double, height: Double, draw body: (any Canvas) -> Void) {
        let recorder = ShapeRecorder()
        body(recorder)
        document.steps.append(.drawing(width: width, height: height, shapes: recorder.shapes))
    }
}

// A4 PDF documents drawn with cairo, text laid out and shaped by pango (HarfBuzz shapes the
// Vietnamese diacritics; fonts from fontconfig, DejaVu Sans by default): this module wraps both
// and is linked only by the `watchpost-pdf` helper. It performs a `PDFLayoutDocument` (module
// PDFLayout: headings, paragraphs, tables that break across pages repeating their header row,
// drawings) as a small flow layout; every page gets a running header and a numbered footer. The
// document is laid out twice so the footer can say "page n of N".
import CCairo
import CPango
import PDFLayout

public struct PDFError: Error, Sendable, CustomStringConvertible {
    public var description: String
}

public final class PDFWriter {
    let geometry: PageGeometry
    let fontFamily: String
    let header: String
    let footer: (Int, Int) -> String
    let totalPages: Int
    let surface: OpaquePointer
    let cr: OpaquePointer
    private(set) var page = 0
    var y = 0.0

    init(path: String, geometry: PageGeometry, fontFamily: String, header: String, footer: @escaping (Int, Int) -> String, totalPages: Int) throws(PDFError) {
        guard let s = cairo_pdf_surface_create(path, geometry.width, geometry.height) else { throw PDFError(description: "cannot create a PDF surface for \(path)") }
        guard cairo_surface_status(s) == CAIRO_STATUS_SUCCESS, let c = cairo_create(s) else {
            let why = String(cString: cairo_status_to_string(cairo_surface_status(s)))
            cairo_surface_destroy(s)
            throw PDFError(description: "cannot write \(path): \(why)")
        }
        surface = s; cr = c
        self.geometry = geometry; self.fontFamily = fontFamily; self.header = header; self.footer = footer; self.totalPages = totalPages
        startPage()
    }

    deinit {
        cairo_destroy(cr)
        cairo_surface_destroy(surface)
    }

    /// Writes `document` as a PDF at `path` (laid out twice: once to count the pages). Returns
    /// the number of pages.
    @discardableResult
    public static func write(_ document: PDFLayoutDocument, path: String) throws(PDFError) -> Int {
        let footer = { (page: Int, pages: Int) in document.footer(page: page, of: pages) }
        let counting = try PDFWriter(path: "/dev/null", geometry: document.geometry, fontFamily: document.fontFamily, header: document.header, footer: footer, totalPages: 0)
        counting.perform(document.steps)
        let pages = try counting.finish()
        let writer = try PDFWriter(path: path, geometry: document.geometry, fontFamily: document.fontFamily, header: document.header, footer: footer, totalPages: pages)
        writer.perform(document.steps)
        return try writer.finish()
    }

    func perform(_ steps: [LayoutStep]) {
        for step in steps {
            switch step {
            case let .heading(text, translation, size, keepWith): heading(text, translation: translation, size: size, keepWith: keepWith)
            case let .paragraph(text, size, color, bold, after): paragraph(text, size: size, color: color, bold: bold, after: after)
            case let .table(header, rows, widths, size): table(header: header, rows: rows, widths: widths, size: size)
            case let .drawing(width, height, shapes): drawing(width: width, height: height) { canvas in shapes.forEach { $0.draw(on: canvas) } }
            case .newPage: newPage()
            }
        }
    }

    func finish() throws(PDFError) -> Int {
        drawFooter()
        cairo_show_page(cr)
        cairo_surface_finish(surface)
        let status = cairo_surface_status(surface)
        guard status == CAIRO_STATUS_SUCCESS else { throw PDFError(description: "cannot finish the PDF: " + String(cString: cairo_status_to_string(status))) }
        return page
    }

    // MARK: - Pages

    var bottom: Double { geometry.height - geometry.marginBottom }
    var remaining: Double { bottom - y }

    func startPage() {
        page += 1
        y = geometry.marginTop
        let (w, _) = measure(header, size: 7.5, width: geometry.contentWidth, bold: false)
        _ = w
        draw(header, x: geometry.marginLeft, y: geometry.marginTop - 30, size: 7.5, width: geometry.contentWidth, color: RGB(hex: "#555555"))
        setColor(RGB(hex: "#24476b")); cairo_set_line_width(cr, 0.8)
        cairo_move_to(cr, geometry.marginLeft, geometry.marginTop - 14); cairo_line_to(cr, geometry.width - geometry.marginRight, geometry.marginTop - 14); cairo_stroke(cr)
    }

    func drawFooter() {
        let text = footer(page, totalPages)
        let (w, _) = measure(text, size: 8, width: geometry.contentWidth, bold: false)
        draw(text, x: geometry.width - geometry.marginRight - w, y: geometry.height - geometry.marginBottom + 18, size: 8, width: geometry.contentWidth, color: RGB(hex: "#555555"))
    }

    /// Starts a new page.
    func newPage() {
        drawFooter()
        cairo_show_page(cr)
        startPage()
    }

    /// Starts a new page unless `height` points still fit on this one.
    func keep(_ height: Double) { if height > remaining && y > geometry.marginTop + 1 { newPage() } }

    // MARK: - Text

    func setColor(_ c: RGB) { cairo_set_source_rgb(cr, c.r, c.g, c.b) }

    func layout(_ text: String, size: Double, width: Double, bold: Bool) -> OpaquePointer? {
        guard let l = pango_cairo_create_layout(cr) else { return nil }
        let desc = pango_font_description_new()
        pango_font_description_set_family(desc, fontFamily)
        pango_font_description_set_absolute_size(desc, size * Double(cpango_scale()))
        pango_font_description_set_weight(desc, bold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL)
        pango_layout_set_font_description(l, desc)
        pango_font_description_free(desc)
        pango_layout_set_width(l, Int32(max(1, width) * Double(cpango_scale())))
        pango_layout_set_wrap(l, PANGO_WRAP_WORD_CHAR)
        pango_layout_set_text(l, text, -1)
        return l
    }

    /// Width and height in points of `text` wrapped at `width`.
    func measure(_ text: String, size: Double, width: Double, bold: Bool = false) -> (width: Double, height: Double) {
        guard let l = layout(text, size: size, width: width, bold: bold) else { return (0, 0) }
        defer { g_object_unref(UnsafeMutableRawPointer(l)) }
        var w: Int32 = 0, h: Int32 = 0
        pango_layout_get_size(l, &w, &h)
        return (Double(w) / Double(cpango_scale()), Double(h) / Double(cpango_scale()))
    }

    /// Draws `text` with its top-left corner at (x, y); returns its height.
    @discardableResult
    func draw(_ text: String, x: Double, y: Double, size: Double, width: Double, color: RGB = .black, bold: Bool = false) -> Double {
        guard let l = layout(text, size: size, width: width, bold: bold) else { return 0 }
        defer { g_object_unref(UnsafeMutableRawPointer(l)) }
        setColor(color)
        cairo_move_to(cr, x, y)
        pango_cairo_show_layout(cr, l)
        var w: Int32 = 0, h: Int32 = 0
        pango_layout_get_size(l, &w, &h)
        return Double(h) / Double(cpango_scale())
    }

    /// A paragraph across the content width, breaking the page when needed.
    func paragraph(_ text: String, size: Double = 9, color: RGB = .black, bold: Bool = false, after: Double = 4) {
        let h = measure(text, size: size, width: geometry.contentWidth, bold: bold).height
        keep(h)
        y += draw(text, x: geometry.marginLeft, y: y, size: size, width: geometry.contentWidth, color: color, bold: bold) + after
    }

    /// A section heading (Vietnamese) with its English translation below, kept with what follows.
    func heading(_ text: String, translation: String?, size: Double = 12, keepWith: Double = 60) {
        let h = measure(text, size: size, width: geometry.contentWidth, bold: true).height + (translation == nil ? 0 : 12)
        keep(h + keepWith)
        y += 6
        y += draw(text, x: geometry.marginLeft, y: y, size: size, width: geometry.contentWidth, color: RGB(hex: "#24476b"), bold: true)
        if let t = translation { y += draw(t, x: geometry.marginLeft, y: y, size: 8, width: geometry.contentWidth, color: RGB(hex: "#555555")) }
        setColor(RGB(hex: "#24476b")); cairo_set_line_width(cr, 1)
        cairo_move_to(cr, geometry.marginLeft, y + 2); cairo_line_to(cr, geometry.width - geometry.marginRight, y + 2); cairo_stroke(cr)
        y += 6
    }

    // MARK: - Tables

    /// A table across the content width; `widths` are relative column widths. Rows that do not
    /// fit go to the next page, under a repeated header row.
    func table(header: [Cell], rows: [[Cell]], widths: [Double], size: Double = 8) {
        let total = widths.reduce(0, +)
        let cols = widths.map { geometry.contentWidth * $0 / max(total, 0.0001) }
        let pad = 3.0
        func height(_ row: [Cell], bold: Bool = false) -> Double {
            var h = 0.0
            for (i, c) in row.enumerated() where i < cols.count {
                var ch = measure(c.text, size: size, width: cols[i] - 2 * pad, bold: bold).height
                if let n = c.note, !n.isEmpty { ch += measure(n, size: size - 1, width: cols[i] - 2 * pad).height }
                h = max(h, ch)
            }
            return h + 2 * pad
        }
        func drawRow(_ row: [Cell], h: Double, headerRow: Bool) {
            var x = geometry.marginLeft
            for (i, w) in cols.enumerated() {
                let c = i < row.count ? row[i] : Cell("")
                if let f = c.fill ?? (headerRow ? RGB(hex: "#e8eef4") : nil) { setColor(f); cairo_rectangle(cr, x, y, w, h); cairo_fill(cr) }
                setColor(RGB(hex: "#c9d3de")); cairo_set_line_width(cr, 0.5); cairo_rectangle(cr, x, y, w, h); cairo_stroke(cr)
                let th = draw(c.text, x: x + pad, y: y + pad, size: size, width: w - 2 * pad, bold: headerRow)
                if let n = c.note, !n.isEmpty { draw(n, x: x + pad, y: y + pad + th, size: size - 1, width: w - 2 * pad, color: RGB(hex: "#555555")) }
                x += w
            }
            y += h
        }
        let hh = height(header, bold: true)
        let first = rows.first.map { height($0) } ?? 0
        keep(hh + first)
        if !header.isEmpty { drawRow(header, h: hh, headerRow: true) }
        for r in rows {
            let h = height(r)
            if h > remaining {
                newPage()
                if !header.isEmpty { drawRow(header, h: hh, headerRow: true) }
            }
            drawRow(r, h: h, headerRow: false)
        }
        y += 6
    }

    // MARK: - Drawings

    /// A drawing of `width` × `height` units scaled to the content width (never enlarged),
    /// placed on its own if it does not fit the rest of the page.
    func drawing(width: Double, height: Double, draw body: (any Canvas) -> Void) {
        let scale = min(1, geometry.contentWidth / max(width, 1))
        keep(height * scale)
        cairo_save(cr)
        cairo_translate(cr, geometry.marginLeft, y)
        cairo_scale(cr, scale, scale)
        body(CairoCanvas(writer: self))
        cairo_restore(cr)
        y += height * scale + 6
    }
}

/// The `Canvas` of a PDF page (inside `PDFWriter.drawing`).
final class CairoCanvas: Canvas {
    let writer: PDFWriter
    var cr: OpaquePointer { writer.cr }
    init(writer: PDFWriter) { self.writer = writer }

    func rect(x: Double, y: Double, width: Double, height: Double, fill: RGB?, stroke: RGB?, radius: Double, opacity: Double, title: String?) {
        func path() {
            let r = min(radius, width / 2, height / 2)
            if r <= 0 { cairo_rectangle(cr, x, y, width, height); return }
            cairo_new_sub_path(cr)
            cairo_arc(cr, x + width - r, y + r, r, -Double.pi / 2, 0)
            cairo_arc(cr, x + width - r, y + height - r, r, 0, Double.pi / 2)
            cairo_arc(cr, x + r, y + height - r, r, Double.pi / 2, Double.pi)
            cairo_arc(cr, x + r, y + r, r, Double.pi, 3 * Double.pi / 2)
            cairo_close_path(cr)
        }
        if let f = fill { cairo_set_source_rgba(cr, f.r, f.g, f.b, opacity); path(); cairo_fill(cr) }
        if let s = stroke { cairo_set_source_rgba(cr, s.r, s.g, s.b, opacity); cairo_set_line_width(cr, 1); path(); cairo_stroke(cr) }
    }

    func line(x1: Double, y1: Double, x2: Double, y2: Double, color: RGB, width: Double) {
        writer.setColor(color); cairo_set_line_width(cr, width)
        cairo_move_to(cr, x1, y1); cairo_line_to(cr, x2, y2); cairo_stroke(cr)
    }

    func text(_ s: String, x: Double, y: Double, size: Double, color: RGB, bold: Bool, anchor: TextAnchor) {
        guard let l = writer.layout(s, size: size, width: 10_000, bold: bold) else { return }
        defer { g_object_unref(UnsafeMutableRawPointer(l)) }
        pango_layout_set_width(l, -1)
        var w: Int32 = 0, h: Int32 = 0
        pango_layout_get_size(l, &w, &h)
        let width = Double(w) / Double(cpango_scale())
        let baseline = Double(pango_layout_get_baseline(l)) / Double(cpango_scale())
        let left = anchor == .start ? x : anchor == .middle ? x - width / 2 : x - width
        writer.setColor(color)
        cairo_move_to(cr, left, y - baseline)
        pango_cairo_show_layout(cr, l)
    }
}

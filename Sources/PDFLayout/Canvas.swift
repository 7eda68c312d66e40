// PDFLayout owns the small drawing abstraction the report charts are written against: `Canvas`
// (rectangles, lines, text in a y-down coordinate space). WatchpostReports draws its charts once
// against it; an SVG canvas there turns them into the HTML's SVG, `ShapeRecorder` (Layout.swift)
// keeps them for the PDF, and the PDF module's `CairoCanvas` draws them with cairo in the
// `watchpost-pdf` helper. Pure Swift: linking it links no C library.

/// An sRGB colour.
public struct RGB: Sendable, Hashable, Codable {
    public var r: Double, g: Double, b: Double
    public init(r: Double, g: Double, b: Double) { self.r = r; self.g = g; self.b = b }

    /// `#1a7f37`; anything unreadable is black (colours are the program's own constants).
    public init(hex: String) {
        let digits = Array(hex.hasPrefix("#") ? hex.dropFirst() : Substring(hex))
        func byte(_ i: Int) -> Double {
            guard digits.count == 6, let v = UInt8(String(digits[i..<(i + 2)]), radix: 16) else { return 0 }
            return Double(v) / 255
        }
        self.init(r: byte(0), g: byte(2), b: byte(4))
    }

    public var hex: String {
        func h(_ v: Double) -> String {
            let n = Int((min(max(v, 0), 1) * 255).rounded())
            let s = String(n, radix: 16)
            return n < 16 ? "0" + s : s
        }
        return "#" + h(r) + h(g) + h(b)
    }

    public static let black = RGB(r: 0, g: 0, b: 0)
    public static let white = RGB(r: 1, g: 1, b: 1)
}

public enum TextAnchor: String, Sendable, Hashable, Codable { case start, middle, end }

/// Where charts draw: y grows downwards, text is placed by its baseline (as in SVG).
public protocol Canvas: AnyObject {
    func rect(x: Double, y: Double, width: Double, height: Double, fill: RGB?, stroke: RGB?, radius: Double, opacity: Double, title: String?)
    func line(x1: Double, y1: Double, x2: Double, y2: Double, color: RGB, width: Double)
    func text(_ s: String, x: Double, y: Double, size: Double, color: RGB, bold: Bool, anchor: TextAnchor)
}

extension Canvas {
    public func rect(x: Double, y: Double, width: Double, height: Double, fill: RGB?, stroke: RGB? = nil, radius: Double = 0, title: String? = nil) {
        rect(x: x, y: y, width: width, height: height, fill: fill, stroke: stroke, radius: radius, opacity: 1, title: title)
    }
    public func line(x1: Double, y1: Double, x2: Double, y2: Double, color: RGB) { line(x1: x1, y1: y1, x2: x2, y2: y2, color: color, width: 1) }
    public func text(_ s: String, x: Double, y: Double, size: Double, color: RGB = .black, bold: Bool = false, anchor: TextAnchor = .start) {
        text(s, x: x, y: y, size: size, color: color, bold: bold, anchor: anchor)
    }
}

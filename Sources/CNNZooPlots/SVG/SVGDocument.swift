import Foundation

/// An SVG picture built from a few primitives; `render()` gives well-formed, standalone XML.
///
/// Coordinates are pixels from the top-left corner. Text is escaped; numbers are written
/// with at most two decimals so files stay small and diff well.
public struct SVGDocument {
    public let width: Double
    public let height: Double
    var body: [String] = []

    public init(width: Double, height: Double) {
        self.width = width
        self.height = height
    }

    /// A number as SVG writes it: two decimals at most, no trailing zeros.
    static func number(_ value: Double) -> String {
        let rounded = (value * 100).rounded() / 100
        return rounded == rounded.rounded() ? String(Int(rounded)) : String(format: "%.2f", rounded)
            .replacingOccurrences(of: #"0+$"#, with: "", options: .regularExpression)
    }

    /// `text` safe inside XML content and attribute values.
    public static func escape(_ text: String) -> String {
        var out = ""
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            default: out.append(character)
            }
        }
        return out
    }

    public mutating func rect(x: Double, y: Double, width: Double, height: Double, fill: String,
                              stroke: String? = nil, tooltip: String? = nil) {
        let strokeText = stroke.map { " stroke=\"\($0)\" stroke-width=\"0.5\"" } ?? ""
        let open = "<rect x=\"\(Self.number(x))\" y=\"\(Self.number(y))\" width=\"\(Self.number(width))\" height=\"\(Self.number(height))\" fill=\"\(fill)\"\(strokeText)"
        body.append(tooltip.map { open + "><title>\(Self.escape($0))</title></rect>" } ?? open + "/>")
    }

    public mutating func line(x1: Double, y1: Double, x2: Double, y2: Double, stroke: String, width: Double = 1, dashed: Bool = false) {
        body.append("<line x1=\"\(Self.number(x1))\" y1=\"\(Self.number(y1))\" x2=\"\(Self.number(x2))\" y2=\"\(Self.number(y2))\" stroke=\"\(stroke)\" stroke-width=\"\(Self.number(width))\"\(dashed ? " stroke-dasharray=\"4 3\"" : "")/>")
    }

    public mutating func polyline(_ points: [(Double, Double)], stroke: String, width: Double = 1.5, opacity: Double = 1) {
        guard !points.isEmpty else { return }
        let list = points.map { "\(Self.number($0.0)),\(Self.number($0.1))" }.joined(separator: " ")
        body.append("<polyline points=\"\(list)\" fill=\"none\" stroke=\"\(stroke)\" stroke-width=\"\(Self.number(width))\" stroke-opacity=\"\(Self.number(opacity))\" stroke-linejoin=\"round\"/>")
    }

    public mutating func circle(x: Double, y: Double, radius: Double, fill: String) {
        body.append("<circle cx=\"\(Self.number(x))\" cy=\"\(Self.number(y))\" r=\"\(Self.number(radius))\" fill=\"\(fill)\"/>")
    }

    public enum Anchor: String { case start, middle, end }

    /// Text whose baseline starts (or centres, or ends) at (x, y); `rotation` in degrees about that point.
    public mutating func text(_ content: String, x: Double, y: Double, size: Double = 11, anchor: Anchor = .start,
                              bold: Bool = false, rotation: Double = 0, fill: String = "#222") {
        let rotate = rotation == 0 ? "" : " transform=\"rotate(\(Self.number(rotation)) \(Self.number(x)) \(Self.number(y)))\""
        body.append("<text x=\"\(Self.number(x))\" y=\"\(Self.number(y))\" font-size=\"\(Self.number(size))\" text-anchor=\"\(anchor.rawValue)\"\(bold ? " font-weight=\"bold\"" : "") fill=\"\(fill)\"\(rotate)>\(Self.escape(content))</text>")
    }

    /// The whole document as standalone SVG.
    public func render() -> String {
        """
        <?xml version="1.0" encoding="UTF-8"?>
        <svg xmlns="http://www.w3.org/2000/svg" width="\(Self.number(width))" height="\(Self.number(height))" viewBox="0 0 \(Self.number(width)) \(Self.number(height))" font-family="DejaVu Sans, Helvetica, Arial, sans-serif">
        <rect width="100%" height="100%" fill="white"/>
        \(body.joined(separator: "\n"))
        </svg>

        """
    }

    /// The `<svg>` element alone, for inlining into HTML.
    public func renderInline() -> String {
        render().split(separator: "\n", maxSplits: 1).last.map(String.init) ?? ""
    }
}

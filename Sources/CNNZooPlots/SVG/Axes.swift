/// A rectangular plot area with nice-tick axes, axis labels and a legend, mapping data to pixels.
public struct Axes {
    /// The plot area, in pixels.
    public let left: Double, top: Double, width: Double, height: Double
    public let x: NiceTicks
    public let y: NiceTicks

    public init(left: Double, top: Double, width: Double, height: Double, x: NiceTicks, y: NiceTicks) {
        (self.left, self.top, self.width, self.height) = (left, top, width, height)
        (self.x, self.y) = (x, y)
    }

    public func px(_ value: Double) -> Double { left + (value - x.lower) / (x.upper - x.lower) * width }
    public func py(_ value: Double) -> Double { top + height - (value - y.lower) / (y.upper - y.lower) * height }

    /// Frame, grid, ticks with their labels, axis labels and a title over the area.
    public func draw(on svg: inout SVGDocument, title: String, xLabel: String, yLabel: String) {
        for value in y.values {
            svg.line(x1: left, y1: py(value), x2: left + width, y2: py(value), stroke: "#e4e4e4")
            svg.line(x1: left - 4, y1: py(value), x2: left, y2: py(value), stroke: "#444")
            svg.text(y.label(value), x: left - 7, y: py(value) + 4, size: 10, anchor: .end)
        }
        // Labels are thinned until they cannot touch: a label is about 6.5 px per character wide.
        let xValues = x.values
        let widest = xValues.map { Double(x.label($0).count) * 6.5 + 8 }.max() ?? 10
        let every = max(1, Int((widest / (width / Double(max(xValues.count - 1, 1)))).rounded(.up)))
        for (index, value) in xValues.enumerated() {
            svg.line(x1: px(value), y1: top, x2: px(value), y2: top + height, stroke: "#f0f0f0")
            svg.line(x1: px(value), y1: top + height, x2: px(value), y2: top + height + 4, stroke: "#444")
            if index % every == 0 { svg.text(x.label(value), x: px(value), y: top + height + 16, size: 10, anchor: .middle) }
        }
        svg.rect(x: left, y: top, width: width, height: height, fill: "none", stroke: "#444")
        svg.text(title, x: left, y: top - 8, size: 12, bold: true)
        svg.text(xLabel, x: left + width / 2, y: top + height + 32, size: 11, anchor: .middle)
        svg.text(yLabel, x: left - 44, y: top + height / 2, size: 11, anchor: .middle, rotation: -90)
    }

    /// A legend to the right of the area, outside it so it never covers data: a short line and
    /// the name of each series.
    public func legend(on svg: inout SVGDocument, _ entries: [(name: String, color: String, faint: Bool)]) {
        let x0 = left + width + 12
        for (index, entry) in entries.enumerated() {
            let y = top + 12 + Double(index) * 16
            svg.line(x1: x0 + 6, y1: y - 4, x2: x0 + 26, y2: y - 4, stroke: entry.color, width: entry.faint ? 1 : 2.5)
            svg.text(entry.name, x: x0 + 32, y: y, size: 10)
        }
    }
}

/// A vertical colour bar with nice ticks, labelled: the key to a heat map or an image grid.
public struct ColorBar {
    public let low: Double, high: Double
    public let label: String
    public let color: (Double) -> String

    public init(low: Double, high: Double, label: String, color: @escaping (Double) -> String) {
        (self.low, self.high, self.label, self.color) = (low, high, label, color)
    }

    public func draw(on svg: inout SVGDocument, x: Double, y: Double, height: Double) {
        let steps = 48
        for i in 0..<steps {
            let t = 1 - (Double(i) + 0.5) / Double(steps)
            svg.rect(x: x, y: y + Double(i) * height / Double(steps), width: 14, height: height / Double(steps) + 0.3, fill: color(t))
        }
        svg.rect(x: x, y: y, width: 14, height: height, fill: "none", stroke: "#444")
        var ticks = NiceTicks(low: low, high: high, target: 4)
        var inside = ticks.values.filter { $0 >= low - 1e-12 && $0 <= high + 1e-12 }
        if inside.count < 3 {  // a range narrower than the nice steps: take finer ones
            ticks = NiceTicks(low: low, high: high, target: 8)
            inside = ticks.values.filter { $0 >= low - 1e-12 && $0 <= high + 1e-12 }
        }
        for value in inside {
            let py = y + height - (value - low) / max(high - low, 1e-12) * height
            svg.line(x1: x + 14, y1: py, x2: x + 18, y2: py, stroke: "#444")
            svg.text(ticks.label(value), x: x + 21, y: py + 4, size: 9)
        }
        svg.text(label, x: x + 7, y: y - 8, size: 10, anchor: .middle)
    }
}

extension SVGDocument {
    /// Draws a `rows × columns` grid of values in [0, 1] (row-major) at (x, y), `scale` pixels a
    /// cell, as `levels` colour levels: one path per level keeps a feature map to a few hundred
    /// bytes where one rectangle per cell would take tens of kilobytes.
    public mutating func image(x: Double, y: Double, scale: Double, rows: Int, columns: Int, values: [Double],
                               levels: Int = 32, color: (Double) -> String) {
        var paths = [String](repeating: "", count: levels)
        for row in 0..<rows {
            for column in 0..<columns {
                let value = values[row * columns + column]
                let level = min(levels - 1, max(0, Int((value.isFinite ? value : 0) * Double(levels))))
                paths[level] += "M\(column) \(row)h1v1h-1z"
            }
        }
        var group = "<g transform=\"translate(\(Self.number(x)) \(Self.number(y))) scale(\(Self.number(scale)))\" shape-rendering=\"crispEdges\">"
        for (level, path) in paths.enumerated() where !path.isEmpty {
            group += "<path fill=\"\(color((Double(level) + 0.5) / Double(levels)))\" d=\"\(path)\"/>"
        }
        body.append(group + "</g>")
        rect(x: x, y: y, width: Double(columns) * scale, height: Double(rows) * scale, fill: "none", stroke: "#999")
    }
}

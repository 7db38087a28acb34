/// `confusion.svg`: the test-set confusion matrix as a heat map, coloured by the share of each
/// true class given to each prediction, with counts in the cells and per-class accuracy
/// beside the rows. Cells, labels and text shrink with the class count (2 to 100 stay
/// readable); every cell also carries its count as a tooltip.
public struct ConfusionMatrixPicture {
    public let confusion: [[Int]]
    public let classNames: [String]
    public let title: String

    public init(confusion: [[Int]], classNames: [String], title: String) {
        self.confusion = confusion
        self.classNames = classNames
        self.title = title
    }

    /// A name cut to `limit` characters with an ellipsis.
    static func shortened(_ name: String, _ limit: Int) -> String {
        name.count <= limit ? name : String(name.prefix(max(1, limit - 1))) + "…"
    }

    public func render() -> SVGDocument {
        let n = max(confusion.count, 1)
        let cell = min(48, max(7, 560 / Double(n)))
        let labelSize = min(11, max(6, cell * 0.75))
        let nameLimit = 18
        let names = (0..<n).map { k in Self.shortened(k < classNames.count ? classNames[k] : String(k), nameLimit) }
        let labelWidth = Double(names.map(\.count).max() ?? 1) * labelSize * 0.62 + 12
        let left = 40 + labelWidth, top = 70 + labelWidth * 0.75
        let gridSize = cell * Double(n)
        // Wide enough for the grid and its key, and for the title (about 8.6 px a character at 15 px).
        var svg = SVGDocument(width: max(left + gridSize + 190, Double(title.count) * 8.6 + 40), height: top + gridSize + 60)
        svg.text(title, x: 16, y: 24, size: 15, bold: true)
        let total = confusion.reduce(0) { $0 + $1.reduce(0, +) }
        let right = confusion.indices.reduce(0) { $0 + confusion[$1][$1] }
        svg.text("\(total) test images, \(String(format: "%.2f", total == 0 ? 0 : Double(right) * 100 / Double(total)))% right; "
                 + "rows: true class, columns: predicted", x: 16, y: 42, size: 11, fill: "#555")

        let showCounts = cell >= 20
        for (actual, row) in confusion.enumerated() {
            let rowTotal = max(row.reduce(0, +), 1)
            for (predicted, count) in row.enumerated() {
                let share = Double(count) / Double(rowTotal)
                let x = left + Double(predicted) * cell, y = top + Double(actual) * cell
                svg.rect(x: x, y: y, width: cell, height: cell, fill: ColorMap.viridis(share), stroke: n <= 30 ? "white" : nil,
                         tooltip: "true \(names[actual]), predicted \(names[predicted]): \(count)")
                if showCounts {
                    svg.text(String(count), x: x + cell / 2, y: y + cell / 2 + min(cell * 0.28, 11) / 2.8, size: min(cell * 0.28, 11),
                             anchor: .middle, fill: ColorMap.textOnViridis(share))
                }
            }
        }
        // Row labels on the left, column labels above, turned 45° so long names never collide.
        for k in 0..<n {
            svg.text(names[k], x: left - 6, y: top + (Double(k) + 0.5) * cell + labelSize / 3, size: labelSize, anchor: .end)
            let cx = left + (Double(k) + 0.5) * cell
            svg.text(names[k], x: cx + labelSize / 3, y: top - 6, size: labelSize, anchor: .start, rotation: -45)
        }
        svg.text("predicted", x: left + gridSize / 2, y: top + gridSize + 20, size: 11, anchor: .middle)
        svg.text("true class", x: 14, y: top + gridSize / 2, size: 11, anchor: .middle, rotation: -90)

        // Per-class accuracy beside each row.
        let accuracyX = left + gridSize + 10
        svg.text("accuracy", x: accuracyX, y: top - 6, size: labelSize, bold: true)
        for (k, row) in confusion.enumerated() {
            let count = row.reduce(0, +)
            let text = count == 0 ? "–" : String(format: "%.1f%%", Double(row[k]) * 100 / Double(count))
            svg.text(text, x: accuracyX, y: top + (Double(k) + 0.5) * cell + labelSize / 3, size: labelSize)
        }
        ColorBar(low: 0, high: 1, label: "share of the row", color: ColorMap.viridis)
            .draw(on: &svg, x: accuracyX + 90, y: top + 40, height: max(40, min(gridSize - 40, 220)))
        return svg
    }
}

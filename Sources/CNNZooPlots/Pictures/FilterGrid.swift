import CNNZoo

/// `filters.svg`: every convolution layer's kernels as grey tiles, one per output channel.
/// Where a layer has several input channels a tile shows their mean (the caption says so);
/// each layer's tiles share one scale, symmetric about zero, keyed by a labelled colour bar.
public struct FilterGrid {
    /// Convolution weights `[out, in, kh, kw]`, by layer name, in model order.
    public let layers: [(name: String, weight: Tensor)]
    public let model: String

    public init(model: String, layers: [(name: String, weight: Tensor)]) {
        self.model = model
        self.layers = layers
    }

    /// One tile's values for output channel `o`: the kernel, averaged over input channels.
    static func tile(_ weight: Tensor, output o: Int) -> [Double] {
        let (inputs, area) = (weight.shape[1], weight.shape[2] * weight.shape[3])
        return (0..<area).map { i in
            (0..<inputs).reduce(0.0) { $0 + Double(weight.scalars[(o * inputs + $1) * area + i]) } / Double(inputs)
        }
    }

    public func render() -> SVGDocument {
        struct Block { let name: String, weight: Tensor, scale: Double, columns: Int, rows: Int, height: Double }
        let blocks = layers.map { name, weight -> Block in
            let (outputs, kh, kw) = (weight.shape[0], weight.shape[2], weight.shape[3])
            let scale = min(14, max(3, 44 / Double(max(kh, kw))))
            let tile = Double(kw) * scale + 6
            let columns = max(1, min(outputs, Int(600 / tile)))
            let rows = (outputs + columns - 1) / columns
            return Block(name: name, weight: weight, scale: scale, columns: columns, rows: rows,
                         height: Double(rows) * (Double(kh) * scale + 6) + 64)
        }
        var svg = SVGDocument(width: 760, height: 50 + blocks.reduce(0) { $0 + $1.height } + (blocks.isEmpty ? 40 : 0))
        svg.text("\(model) — learned convolution filters", x: 16, y: 26, size: 15, bold: true)
        if blocks.isEmpty { svg.text("this model has no convolution layers", x: 16, y: 60, size: 12, fill: "#777") }
        var y = 50.0
        for block in blocks {
            let shape = block.weight.shape
            let inputs = shape[1] == 1 ? "1 input channel" : "mean over \(shape[1]) input channels"
            svg.text("\(block.name): \(shape[0]) filters of \(shape[2])×\(shape[3]), \(inputs)", x: 16, y: y + 16, size: 12, bold: true)
            let tiles = (0..<shape[0]).map { Self.tile(block.weight, output: $0) }
            let bound = max(tiles.flatMap { $0.map(abs) }.max() ?? 0, 1e-12)
            for (o, values) in tiles.enumerated() {
                let x = 16 + Double(o % block.columns) * (Double(shape[3]) * block.scale + 6)
                let top = y + 28 + Double(o / block.columns) * (Double(shape[2]) * block.scale + 6)
                svg.image(x: x, y: top, scale: block.scale, rows: shape[2], columns: shape[3],
                          values: values.map { ($0 / bound + 1) / 2 }, levels: 64, color: ColorMap.grey)
            }
            ColorBar(low: -bound, high: bound, label: "weight", color: ColorMap.grey)
                .draw(on: &svg, x: 690, y: y + 40, height: max(40, min(block.height - 70, 140)))
            y += block.height
        }
        return svg
    }
}

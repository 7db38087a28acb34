import CNNZoo

/// `activations.svg`: one test image, its feature maps after each convolution and pooling
/// layer (one tile per channel, each layer on its own scale keyed by a colour bar), and the
/// predicted class probabilities as bars.
public struct ActivationMaps {
    public struct Stage {
        public let name: String
        public let kind: String
        /// One sample's output `[channels, height, width]`.
        public let output: Tensor
        public init(name: String, kind: String, output: Tensor) {
            self.name = name
            self.kind = kind
            self.output = output
        }
    }

    public let model: String
    /// The input `[channels, height, width]`, pixels in [0, 1].
    public let image: Tensor
    public let imageIndex: Int
    public let trueLabel: Int
    public let stages: [Stage]
    public let probabilities: [Double]
    public let classNames: [String]

    public init(model: String, image: Tensor, imageIndex: Int, trueLabel: Int, stages: [Stage],
                probabilities: [Double], classNames: [String]) {
        (self.model, self.image, self.imageIndex, self.trueLabel) = (model, image, imageIndex, trueLabel)
        (self.stages, self.probabilities, self.classNames) = (stages, probabilities, classNames)
    }

    func name(_ k: Int) -> String { k < classNames.count ? classNames[k] : String(k) }

    public func render() -> SVGDocument {
        let width = 760.0
        // Layout first: every stage's tile scale, columns and rows.
        let plans = stages.map { stage -> (scale: Double, columns: Int, rows: Int, height: Double) in
            let (channels, h, w) = (stage.output.shape[0], stage.output.shape[1], stage.output.shape[2])
            let scale = min(4, max(1, 56 / Double(max(h, w))))
            let columns = max(1, min(channels, Int(620 / (Double(w) * scale + 4))))
            let rows = (channels + columns - 1) / columns
            return (scale, columns, rows, Double(rows) * (Double(h) * scale + 4) + 40)
        }
        let barsHeight = Double(probabilities.count) * min(18, max(8, 300 / Double(max(probabilities.count, 1)))) + 50
        let imageScale = min(6, max(2, 120 / Double(image.shape[1])))
        let header = Double(image.shape[1]) * imageScale + 80
        var svg = SVGDocument(width: width, height: header + plans.reduce(0) { $0 + $1.height } + barsHeight + 20)
        let predicted = probabilities.indices.max { probabilities[$0] < probabilities[$1] } ?? 0
        svg.text("\(model) — test image \(imageIndex) through the network", x: 16, y: 26, size: 15, bold: true)
        svg.text("true class: \(name(trueLabel)); predicted: \(name(predicted)) (\(String(format: "%.1f", probabilities.isEmpty ? 0 : probabilities[predicted] * 100))%)",
                 x: 16, y: 44, size: 12, fill: predicted == trueLabel ? "#006d2c" : "#b30000")

        // The input: grey for one channel, the colour of its three channels for RGB.
        let (c, h, w) = (image.shape[0], image.shape[1], image.shape[2])
        if c == 3 {
            for row in 0..<h {
                for column in 0..<w {
                    let at = { (k: Int) in Double(image.scalars[(k * h + row) * w + column]) * 255 }
                    svg.rect(x: 16 + Double(column) * imageScale, y: 56 + Double(row) * imageScale, width: imageScale + 0.2,
                             height: imageScale + 0.2, fill: ColorMap.hex(at(0), at(1), at(2)))
                }
            }
        } else {
            svg.image(x: 16, y: 56, scale: imageScale, rows: h, columns: w, values: Array(image.scalars.prefix(h * w)).map(Double.init),
                      levels: 64, color: ColorMap.grey)
        }
        svg.text("input \(c)×\(h)×\(w)", x: 16, y: 56 + Double(h) * imageScale + 16, size: 11)

        var y = header
        for (stage, plan) in zip(stages, plans) {
            let (channels, sh, sw) = (stage.output.shape[0], stage.output.shape[1], stage.output.shape[2])
            svg.text("\(stage.name) (\(stage.kind)) → \(channels)×\(sh)×\(sw)", x: 16, y: y + 14, size: 12, bold: true)
            let values = stage.output.scalars.map(Double.init)
            let (low, high) = (values.min() ?? 0, values.max() ?? 1)
            let span = max(high - low, 1e-12)
            for k in 0..<channels {
                let x = 16 + Double(k % plan.columns) * (Double(sw) * plan.scale + 4)
                let top = y + 24 + Double(k / plan.columns) * (Double(sh) * plan.scale + 4)
                let tile = values[(k * sh * sw)..<((k + 1) * sh * sw)].map { ($0 - low) / span }
                svg.image(x: x, y: top, scale: plan.scale, rows: sh, columns: sw, values: tile, color: ColorMap.viridis)
            }
            ColorBar(low: low, high: high, label: "activation", color: ColorMap.viridis)
                .draw(on: &svg, x: 680, y: y + 30, height: max(30, min(plan.height - 50, 120)))
            y += plan.height
        }

        // Class probabilities as horizontal bars.
        svg.text("predicted class probabilities", x: 16, y: y + 14, size: 12, bold: true)
        let bar = min(18, max(8, 300 / Double(max(probabilities.count, 1))))
        let labelSize = min(11, bar * 0.8)
        for (k, p) in probabilities.enumerated() {
            let top = y + 26 + Double(k) * bar
            svg.text(ConfusionMatrixPicture.shortened(name(k), 18), x: 150, y: top + bar * 0.75, size: labelSize, anchor: .end)
            let color = k == predicted ? ColorMap.lines[1] : k == trueLabel ? ColorMap.lines[2] : ColorMap.lines[0]
            svg.rect(x: 156, y: top + 1, width: max(0.5, p * 480), height: bar - 2, fill: color)
            svg.text(String(format: "%.1f%%", p * 100), x: 162 + p * 480, y: top + bar * 0.75, size: labelSize)
        }
        return svg
    }
}

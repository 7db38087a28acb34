import CNNZoo

/// `curves.svg`: the loss of every step (raw, faint, and smoothed) with each epoch's mean,
/// train and test accuracy per epoch, and the learning rate over the run.
public struct TrainingCurves {
    public let model: String
    public let state: TrainingState
    /// Batches per epoch, when known (it places epoch ends on the step axis).
    public let stepsPerEpoch: Int?
    public let totalEpochs: Int
    /// The schedule's learning rate at a point of the run measured in epochs.
    public let learningRate: (Double) -> Double

    public init(model: String, state: TrainingState, stepsPerEpoch: Int?, totalEpochs: Int, learningRate: @escaping (Double) -> Double) {
        self.model = model
        self.state = state
        self.stepsPerEpoch = stepsPerEpoch
        self.totalEpochs = totalEpochs
        self.learningRate = learningRate
    }

    /// Whether there is anything to draw: a logged step or a finished epoch.
    public var isEmpty: Bool { state.stepLosses.isEmpty && state.history.isEmpty }

    /// The trailing mean over `window` values (fewer at the start).
    static func smoothed(_ values: [Double], window: Int) -> [Double] {
        var sum = 0.0
        return values.indices.map { i in
            sum += values[i]
            if i >= window { sum -= values[i - window] }
            return sum / Double(min(i + 1, window))
        }
    }

    public func render() -> SVGDocument {
        var svg = SVGDocument(width: 800, height: 720)
        svg.text("\(model) — training curves", x: 380, y: 24, size: 15, anchor: .middle, bold: true)
        let position = state.batchInEpoch == 0 ? "after epoch \(state.epoch)" : "epoch \(state.epoch + 1), step \(state.batchInEpoch)"
        svg.text("\(position) of \(totalEpochs), global step \(state.globalStep)", x: 380, y: 42, size: 11, anchor: .middle, fill: "#555")
        drawLoss(on: &svg, top: 78)
        drawAccuracy(on: &svg, top: 370)
        drawLearningRate(on: &svg, top: 580)
        return svg
    }

    private func drawLoss(on svg: inout SVGDocument, top: Double) {
        let records = state.history
        if state.stepLosses.isEmpty {
            // A run from a format-1 checkpoint kept no per-step losses: plot each epoch's mean.
            let values = records.map(\.trainLoss)
            let axes = Axes(left: 80, top: top, width: 560, height: 220,
                            x: NiceTicks(low: 0, high: Double(max(records.count, 1)), target: 8),
                            y: NiceTicks(low: values.min() ?? 0, high: values.max() ?? 1))
            axes.draw(on: &svg, title: "Training loss per epoch (this run kept no per-step losses)", xLabel: "epoch", yLabel: "loss")
            svg.polyline(records.map { (axes.px(Double($0.epoch)), axes.py($0.trainLoss)) }, stroke: ColorMap.lines[0], width: 2)
            for record in records { svg.circle(x: axes.px(Double(record.epoch)), y: axes.py(record.trainLoss), radius: 3, fill: ColorMap.lines[0]) }
            axes.legend(on: &svg, [("epoch mean", ColorMap.lines[0], false)])
            return
        }
        let raw = state.stepLosses.map(Double.init)
        let steps = raw.indices.map { Double(state.firstLoggedStep + $0 + 1) }
        let window = max(1, raw.count / 50)
        let smooth = Self.smoothed(raw, window: window)
        // The top of the axis ignores the rarest spikes so the curve keeps its detail.
        let sorted = raw.sorted()
        let high = max(sorted[min(sorted.count - 1, Int(Double(sorted.count) * 0.99))], smooth.max() ?? 0)
        let axes = Axes(left: 80, top: top, width: 560, height: 220,
                        x: NiceTicks(low: Double(state.firstLoggedStep), high: Double(state.globalStep), target: 8),
                        y: NiceTicks(low: min(sorted.first ?? 0, 0), high: high))
        axes.draw(on: &svg, title: "Training loss per step", xLabel: "step", yLabel: "loss")
        let clip = { (value: Double) in min(max(value, axes.y.lower), axes.y.upper) }
        var legend: [(name: String, color: String, faint: Bool)]
        if window > 1 {
            svg.polyline(zip(steps, raw).map { (axes.px($0), axes.py(clip($1))) }, stroke: ColorMap.lines[0], width: 0.8, opacity: 0.3)
            svg.polyline(zip(steps, smooth).map { (axes.px($0), axes.py(clip($1))) }, stroke: ColorMap.lines[0], width: 2.2)
            legend = [("each step", ColorMap.lines[0], true), ("mean of \(window) steps", ColorMap.lines[0], false)]
        } else {  // too few steps to smooth: every step, drawn plainly
            svg.polyline(zip(steps, raw).map { (axes.px($0), axes.py(clip($1))) }, stroke: ColorMap.lines[0], width: 1.8)
            legend = [("each step", ColorMap.lines[0], false)]
        }
        if let stepsPerEpoch {
            let ends = records.map { (Double($0.epoch * stepsPerEpoch), $0.trainLoss) }.filter { $0.0 >= axes.x.lower }
            for (step, loss) in ends { svg.circle(x: axes.px(step), y: axes.py(clip(loss)), radius: 3.5, fill: ColorMap.lines[1]) }
            if !ends.isEmpty { legend.append(("epoch mean", ColorMap.lines[1], false)) }
        }
        axes.legend(on: &svg, legend)
    }

    private func epochAxis(low: Double = 0) -> NiceTicks {
        NiceTicks(low: low, high: Double(max(totalEpochs, state.history.count, 1)), target: min(10, max(totalEpochs, 2)))
    }

    private func drawAccuracy(on svg: inout SVGDocument, top: Double) {
        let records = state.history
        let percents = records.flatMap { [$0.trainAccuracy * 100] + ($0.testAccuracy.map { [$0 * 100] } ?? []) }
        let axes = Axes(left: 80, top: top, width: 560, height: 150, x: epochAxis(),
                        y: NiceTicks(low: (percents.min() ?? 0) - 1, high: min(100, (percents.max() ?? 100) + 1), target: 5))
        axes.draw(on: &svg, title: "Accuracy per epoch", xLabel: "epoch", yLabel: "accuracy (%)")
        guard !records.isEmpty else {
            svg.text("no finished epoch yet", x: axes.left + axes.width / 2, y: top + 80, size: 12, anchor: .middle, fill: "#777")
            return
        }
        let series: [(String, String, [(Double, Double)])] = [
            ("train", ColorMap.lines[0], records.map { (Double($0.epoch), $0.trainAccuracy * 100) }),
            ("test", ColorMap.lines[1], records.compactMap { r in r.testAccuracy.map { (Double(r.epoch), $0 * 100) } }),
        ]
        for (_, color, points) in series where !points.isEmpty {
            svg.polyline(points.map { (axes.px($0.0), axes.py($0.1)) }, stroke: color, width: 2)
            for point in points { svg.circle(x: axes.px(point.0), y: axes.py(point.1), radius: 3, fill: color) }
        }
        axes.legend(on: &svg, series.filter { !$0.2.isEmpty }.map { ($0.0, $0.1, false) })
    }

    private func drawLearningRate(on svg: inout SVGDocument, top: Double) {
        let end = Double(max(totalEpochs, 1))
        let curve = (0...200).map { i -> (Double, Double) in let x = end * Double(i) / 200; return (x, learningRate(x)) }
        let rates = curve.map(\.1) + state.history.map(\.learningRate)
        let axes = Axes(left: 80, top: top, width: 560, height: 90, x: epochAxis(),
                        y: NiceTicks(low: min(0, rates.min() ?? 0), high: (rates.max() ?? 1) * 1.15, target: 3))
        axes.draw(on: &svg, title: "Learning rate", xLabel: "epoch", yLabel: "rate")
        svg.polyline(curve.map { (axes.px($0.0), axes.py($0.1)) }, stroke: ColorMap.lines[2], width: 2)
        let now = Double(state.epoch) + (stepsPerEpoch.map { Double(state.batchInEpoch) / Double($0) } ?? 0)
        svg.line(x1: axes.px(now), y1: top, x2: axes.px(now), y2: top + 90, stroke: "#888", dashed: true)
        axes.legend(on: &svg, [("schedule", ColorMap.lines[2], false)])
    }
}

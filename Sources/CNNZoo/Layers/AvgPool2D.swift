/// PyTorch's `AvgPool2d`: the mean of each window, y[n,c,i,j] = Σ x[n,c,·,·] over the window / d.
/// Padding adds zeros around the input; with `count_include_pad` (PyTorch's default) d is the
/// window's area, padding included, and without it d counts only the input positions the window
/// covers. Backward gives each position covered by a window that window's gradient / d, adding
/// where windows overlap.
public final class AvgPool2D: RegisteredLayer {
    public static let kind = "avgpool2d"
    public static let summary = "average pooling over windows (PyTorch's AvgPool2d)"
    static let countIncludePad = Setting.bool("count_include_pad", default: true,
                                              "divide by the whole window, padding included (false: by the input positions it covers)")
    public static let settings = SlidingWindow.settings(strideDefault: "kernel") + [countIncludePad.description]

    /// The kernel, stride and padding over the input.
    public let window: SlidingWindow
    public let countsPadding: Bool
    public let outputShape: [Int]
    /// 1/d for each output position (the same for every channel and sample).
    let scales: [Float]

    public init(settings: LayerSettings, inputShape: [Int]) throws {
        window = try SlidingWindow(settings: settings, inputShape: inputShape, defaultStrideIsKernel: true, paddingBelowKernel: true)
        countsPadding = try settings.value(Self.countIncludePad)
        outputShape = [window.channels, window.outputHeight, window.outputWidth]
        var scales: [Float] = []
        for i in 0..<window.outputHeight {
            for j in 0..<window.outputWidth {
                let (rows, columns) = Self.covered(window, i, j)
                scales.append(1 / Float(countsPadding ? window.kernelHeight * window.kernelWidth : rows.count * columns.count))
            }
        }
        self.scales = scales
    }

    /// The input rows and columns window (i, j) covers, padding left out.
    private static func covered(_ w: SlidingWindow, _ i: Int, _ j: Int) -> (rows: Range<Int>, columns: Range<Int>) {
        let top = i * w.strideHeight - w.padding.top, left = j * w.strideWidth - w.padding.left
        return (max(top, 0)..<min(top + w.kernelHeight, w.height), max(left, 0)..<min(left + w.kernelWidth, w.width))
    }

    public var multiplyAdds: Int { outputShape.reduce(1, *) * window.kernelHeight * window.kernelWidth }

    /// The output columns j whose window takes input column j·stride − left + c: those that land inside the map.
    private static func columns(reaching c: Int, _ w: SlidingWindow) -> Range<Int> {
        let offset = c - w.padding.left
        let first = offset >= 0 ? 0 : (-offset + w.strideWidth - 1) / w.strideWidth
        let last = w.width - 1 - offset < 0 ? -1 : (w.width - 1 - offset) / w.strideWidth
        return first ..< max(first, min(last + 1, w.outputWidth))
    }

    /// Calls `body(plane, i, rows)` for every output row i of every plane of a batch of `batch`
    /// samples, with the input rows its windows cover, the planes split over the engine's threads.
    ///
    /// Forward and backward run a whole output row at a time, the kernel's columns outermost, so the
    /// inner loop runs along the row (one vector for many windows) while each window still adds its
    /// values in the order of the definition: rows, then columns, each from the first.
    private func forEachOutputRow(batch: Int, _ body: (_ plane: Int, _ i: Int, _ rows: Range<Int>) -> Void) {
        let w = window
        Parallelism.forEachChunk(batch * w.channels) { _, planes in
            for plane in planes {
                for i in 0..<w.outputHeight {
                    let top = i * w.strideHeight - w.padding.top
                    body(plane, i, max(top, 0)..<min(top + w.kernelHeight, w.height))
                }
            }
        }
    }

    public func forward(_ input: consuming Tensor, mode: Mode, random: inout RandomGenerator) -> Tensor {
        let input = input
        if isUnitStride { return unitStrideForward(input) }
        let w = window, batch = input.batchSize
        let (inArea, outArea, stride) = (w.height * w.width, w.outputHeight * w.outputWidth, w.strideWidth)
        let reach = (0..<w.kernelWidth).map { Self.columns(reaching: $0, w) }
        var output = Tensor.uninitialized([batch] + outputShape)
        input.withPointer { x in
            output.withMutablePointer { y in
                scales.withUnsafeBufferPointer { scales in
                    forEachOutputRow(batch: batch) { plane, i, rows in
                        let sums = y + plane * outArea + i * w.outputWidth
                        sums.update(repeating: 0, count: w.outputWidth)
                        for r in rows {
                            let row = x + plane * inArea + r * w.width
                            for c in 0..<w.kernelWidth {
                                let source = row + c - w.padding.left
                                for j in reach[c] { sums[j] += source[j * stride] }
                            }
                        }
                        let scale = scales.baseAddress! + i * w.outputWidth
                        for j in 0..<w.outputWidth { sums[j] *= scale[j] }
                    }
                }
            }
        }
        return output
    }

    public func backward(_ outputGradient: consuming Tensor) -> Tensor {
        let dy = outputGradient
        if isUnitStride { return unitStrideBackward(dy) }
        let w = window, batch = dy.batchSize
        let (inArea, outArea, stride) = (w.height * w.width, w.outputHeight * w.outputWidth, w.strideWidth)
        let reach = (0..<w.kernelWidth).map { Self.columns(reaching: $0, w) }
        var dx = Tensor(zeros: [batch, w.channels, w.height, w.width])
        dy.withPointer { dy in
            dx.withMutablePointer { dx in
                scales.withUnsafeBufferPointer { scales in
                    forEachOutputRow(batch: batch) { plane, i, rows in
                        let (gradients, scale) = (dy + plane * outArea + i * w.outputWidth, scales.baseAddress! + i * w.outputWidth)
                        for r in rows {
                            let row = dx + plane * inArea + r * w.width
                            // The kernel's columns from the last: each input position then takes its
                            // windows' shares in the order of the windows, as the definition adds them.
                            for c in (0..<w.kernelWidth).reversed() {
                                let target = row + c - w.padding.left
                                for j in reach[c] { target[j * stride] += gradients[j] * scale[j] }
                            }
                        }
                    }
                }
            }
        }
        return dx
    }
}

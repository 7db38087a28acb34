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
    private let scales: [Float]

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

    /// Calls `body(plane, window, rows, columns, scale)` for every window of every plane of a
    /// batch of `batch` samples, the planes split over the engine's threads: forward and
    /// backward visit the same windows in the same order.
    private func forEachWindow(batch: Int, _ body: (_ plane: Int, _ window: Int, _ rows: Range<Int>, _ columns: Range<Int>, _ scale: Float) -> Void) {
        let w = window
        scales.withUnsafeBufferPointer { scales in
            Parallelism.forEachChunk(batch * w.channels) { _, planes in
                for plane in planes {
                    for i in 0..<w.outputHeight {
                        for j in 0..<w.outputWidth {
                            let (rows, columns) = Self.covered(w, i, j)
                            body(plane, i * w.outputWidth + j, rows, columns, scales[i * w.outputWidth + j])
                        }
                    }
                }
            }
        }
    }

    public func forward(_ input: consuming Tensor, mode: Mode, random: inout RandomGenerator) -> Tensor {
        let input = input
        let w = window, batch = input.batchSize
        let (inArea, outArea) = (w.height * w.width, w.outputHeight * w.outputWidth)
        var output = Tensor.uninitialized([batch] + outputShape)
        input.withPointer { x in
            output.withMutablePointer { y in
                forEachWindow(batch: batch) { plane, index, rows, columns, scale in
                    let source = x + plane * inArea
                    var sum: Float = 0
                    for r in rows { for c in columns { sum += source[r * w.width + c] } }
                    y[plane * outArea + index] = sum * scale
                }
            }
        }
        return output
    }

    public func backward(_ outputGradient: consuming Tensor) -> Tensor {
        let dy = outputGradient
        let w = window, batch = dy.batchSize
        let (inArea, outArea) = (w.height * w.width, w.outputHeight * w.outputWidth)
        var dx = Tensor(zeros: [batch, w.channels, w.height, w.width])
        dy.withPointer { dy in
            dx.withMutablePointer { dx in
                forEachWindow(batch: batch) { plane, index, rows, columns, scale in
                    let (target, share) = (dx + plane * inArea, dy[plane * outArea + index] * scale)
                    for r in rows { for c in columns { target[r * w.width + c] += share } }
                }
            }
        }
        return dx
    }
}

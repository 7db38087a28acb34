/// Max-pooling: y[n,c,oh,ow] = max over the window of x[n,c,·,·].
///
/// Padded positions never win (PyTorch's semantics; after a ReLU this equals seed 004's
/// zero padding). Backward sends each output's gradient to the one input that won —
/// the first maximum on ties — and *adds* where overlapping windows share a winner.
public final class MaxPool2D: Layer {
    public static let kind = "maxpool2d"
    public static let summary = "max-pooling over (possibly overlapping, one-side padded) windows"
    public static let settings = SlidingWindow.settings(strideDefault: "kernel")

    let window: SlidingWindow
    public let outputShape: [Int]
    /// For each output of the last batch, the index of its winner within the input.
    private var winners: [Int32] = []
    private var batchSize = 0

    public init(settings: LayerSettings, inputShape: [Int]) throws {
        window = try SlidingWindow(settings: settings, inputShape: inputShape,
                                   defaultStrideIsKernel: true, paddingBelowKernel: true)
        outputShape = [window.channels, window.outputHeight, window.outputWidth]
    }

    public func forward(_ input: Tensor, mode: Mode, random: inout RandomGenerator) -> Tensor {
        batchSize = input.batchSize
        let w = window
        let outputCount = batchSize * w.channels * w.outputHeight * w.outputWidth
        var output = [Float](repeating: 0, count: outputCount)
        if winners.count != outputCount { winners = [Int32](repeating: 0, count: outputCount) }
        input.scalars.withUnsafeBufferPointer { x in
            output.withUnsafeMutableBufferPointer { y in
                winners.withUnsafeMutableBufferPointer { winner in
                    var out = 0
                    for plane in 0..<(batchSize * w.channels) {
                        let base = plane * w.height * w.width
                        for oh in 0..<w.outputHeight {
                            let top = oh * w.strideHeight - w.padding.top
                            let rows = max(top, 0)..<min(top + w.kernelHeight, w.height)
                            for ow in 0..<w.outputWidth {
                                let left = ow * w.strideWidth - w.padding.left
                                let columns = max(left, 0)..<min(left + w.kernelWidth, w.width)
                                var best = -Float.infinity
                                var bestIndex = base + rows.lowerBound * w.width + columns.lowerBound
                                for ih in rows {
                                    for iw in columns where x[base + ih * w.width + iw] > best {
                                        best = x[base + ih * w.width + iw]
                                        bestIndex = base + ih * w.width + iw
                                    }
                                }
                                y[out] = best
                                winner[out] = Int32(bestIndex)
                                out += 1
                            }
                        }
                    }
                }
            }
        }
        return Tensor(shape: [batchSize] + outputShape, scalars: output)
    }

    public func backward(_ outputGradient: Tensor) -> Tensor {
        var inputGradient = [Float](repeating: 0, count: batchSize * window.channels * window.height * window.width)
        inputGradient.withUnsafeMutableBufferPointer { dx in
            outputGradient.scalars.withUnsafeBufferPointer { dy in
                winners.withUnsafeBufferPointer { winner in
                    for i in 0..<dy.count { dx[Int(winner[i])] += dy[i] }
                }
            }
        }
        return Tensor(shape: [batchSize, window.channels, window.height, window.width], scalars: inputGradient)
    }
}

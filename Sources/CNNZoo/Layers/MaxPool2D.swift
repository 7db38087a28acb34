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

    public func forward(_ input: consuming Tensor, mode: Mode, random: inout RandomGenerator) -> Tensor {
        batchSize = input.batchSize
        let w = window
        let planes = batchSize * w.channels
        let planeSize = w.height * w.width, outputPlane = w.outputHeight * w.outputWidth
        var output = Tensor.uninitialized([batchSize] + outputShape)
        if winners.count != planes * outputPlane { winners = [Int32](repeating: 0, count: planes * outputPlane) }
        input.scalars.withUnsafeBufferPointer { x in
            output.scalars.withUnsafeMutableBufferPointer { y in
                winners.withUnsafeMutableBufferPointer { winner in
                    let (x, y, winner) = (x.baseAddress!, y.baseAddress!, winner.baseAddress!)
                    Parallelism.forEachChunk(planes) { _, planeRange in
                        for plane in planeRange {
                            let base = plane * planeSize
                            var out = plane * outputPlane
                            for oh in 0..<w.outputHeight {
                                let top = oh * w.strideHeight - w.padding.top
                                let rowStart = max(top, 0), rowEnd = min(top + w.kernelHeight, w.height)
                                for ow in 0..<w.outputWidth {
                                    let left = ow * w.strideWidth - w.padding.left
                                    let columnStart = max(left, 0), columnEnd = min(left + w.kernelWidth, w.width)
                                    var bestIndex = base + rowStart * w.width + columnStart
                                    var best = x[bestIndex]
                                    var ih = rowStart
                                    while ih < rowEnd {
                                        var iw = columnStart
                                        let line = base + ih * w.width
                                        while iw < columnEnd {
                                            let value = x[line + iw]
                                            if value > best {
                                                best = value
                                                bestIndex = line + iw
                                            }
                                            iw += 1
                                        }
                                        ih += 1
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
        }
        return output
    }

    public func backward(_ outputGradient: consuming Tensor) -> Tensor {
        let planes = batchSize * window.channels
        let outputPlane = window.outputHeight * window.outputWidth
        var inputGradient = Tensor(zeros: [batchSize, window.channels, window.height, window.width])
        inputGradient.scalars.withUnsafeMutableBufferPointer { dx in
            outputGradient.scalars.withUnsafeBufferPointer { dy in
                winners.withUnsafeBufferPointer { winner in
                    let (dx, dy, winner) = (dx.baseAddress!, dy.baseAddress!, winner.baseAddress!)
                    // A plane's winners lie in that plane, so chunks of planes write disjoint memory.
                    Parallelism.forEachChunk(planes) { _, planeRange in
                        for i in (planeRange.lowerBound * outputPlane) ..< (planeRange.upperBound * outputPlane) {
                            dx[Int(winner[i])] += dy[i]
                        }
                    }
                }
            }
        }
        return inputGradient
    }
}

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
    /// For each output of the last batch, the index of its winner within its plane
    /// (planes are at most 2²⁶ values, so the index fits in 32 bits).
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
        let (width, stride, kernelWidth) = (w.width, w.strideWidth, w.kernelWidth)
        let planes = batchSize * w.channels
        let planeSize = w.height * width, outputPlane = w.outputHeight * w.outputWidth
        var output = Tensor.uninitialized([batchSize] + outputShape)
        if winners.count != planes * outputPlane { winners = [Int32](repeating: 0, count: planes * outputPlane) }
        // Output columns whose window lies wholly inside the input (no clipping at either side).
        let interiorStart = min((w.padding.left + stride - 1) / stride, w.outputWidth)
        let interiorEnd = max(interiorStart, min(w.outputWidth, (width - kernelWidth + w.padding.left) / stride + 1))
        input.scalars.withUnsafeBufferPointer { x in
            output.scalars.withUnsafeMutableBufferPointer { y in
                winners.withUnsafeMutableBufferPointer { winner in
                    let (x, y, winner) = (x.baseAddress!, y.baseAddress!, winner.baseAddress!)
                    Parallelism.forEachChunk(planes) { _, planeRange in
                        for plane in planeRange {
                            let source = x + plane * planeSize
                            var out = plane * outputPlane
                            for oh in 0..<w.outputHeight {
                                let top = oh * w.strideHeight - w.padding.top
                                let rowStart = max(top, 0), rowEnd = min(top + w.kernelHeight, w.height)
                                var ow = 0
                                while ow < w.outputWidth {
                                    if ow >= interiorStart && ow + 4 <= interiorEnd {
                                        // Four neighbouring windows at once: four independent
                                        // comparison chains instead of one long one.
                                        let left = ow * stride - w.padding.left
                                        var i0 = rowStart * width + left, i1 = i0 + stride, i2 = i1 + stride, i3 = i2 + stride
                                        var b0 = source[i0], b1 = source[i1], b2 = source[i2], b3 = source[i3]
                                        for ih in rowStart..<rowEnd {
                                            let line = ih * width + left
                                            for j in 0..<kernelWidth {
                                                let a0 = line + j, a1 = a0 + stride, a2 = a1 + stride, a3 = a2 + stride
                                                let v0 = source[a0], v1 = source[a1], v2 = source[a2], v3 = source[a3]
                                                // Strictly greater: the first maximum wins a tie.
                                                let c0 = v0 > b0, c1 = v1 > b1, c2 = v2 > b2, c3 = v3 > b3
                                                b0 = c0 ? v0 : b0; i0 = c0 ? a0 : i0
                                                b1 = c1 ? v1 : b1; i1 = c1 ? a1 : i1
                                                b2 = c2 ? v2 : b2; i2 = c2 ? a2 : i2
                                                b3 = c3 ? v3 : b3; i3 = c3 ? a3 : i3
                                            }
                                        }
                                        (y[out], y[out + 1], y[out + 2], y[out + 3]) = (b0, b1, b2, b3)
                                        winner[out] = Int32(truncatingIfNeeded: i0)
                                        winner[out + 1] = Int32(truncatingIfNeeded: i1)
                                        winner[out + 2] = Int32(truncatingIfNeeded: i2)
                                        winner[out + 3] = Int32(truncatingIfNeeded: i3)
                                        out += 4
                                        ow += 4
                                        continue
                                    }
                                    let left = ow * stride - w.padding.left
                                    let columnStart = max(left, 0), columnEnd = min(left + kernelWidth, width)
                                    var bestIndex = rowStart * width + columnStart
                                    var best = source[bestIndex]
                                    for ih in rowStart..<rowEnd {
                                        for iw in columnStart..<columnEnd where source[ih * width + iw] > best {
                                            best = source[ih * width + iw]
                                            bestIndex = ih * width + iw
                                        }
                                    }
                                    y[out] = best
                                    winner[out] = Int32(truncatingIfNeeded: bestIndex)
                                    out += 1
                                    ow += 1
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
        let planeSize = window.height * window.width, outputPlane = window.outputHeight * window.outputWidth
        var inputGradient = Tensor(zeros: [batchSize, window.channels, window.height, window.width])
        inputGradient.scalars.withUnsafeMutableBufferPointer { dx in
            outputGradient.scalars.withUnsafeBufferPointer { dy in
                winners.withUnsafeBufferPointer { winner in
                    let (dx, dy, winner) = (dx.baseAddress!, dy.baseAddress!, winner.baseAddress!)
                    // A plane's winners lie in that plane, so chunks of planes write disjoint memory.
                    Parallelism.forEachChunk(planes) { _, planeRange in
                        for plane in planeRange {
                            let target = dx + plane * planeSize
                            for i in (plane * outputPlane) ..< ((plane + 1) * outputPlane) { target[Int(winner[i])] += dy[i] }
                        }
                    }
                }
            }
        }
        return inputGradient
    }
}

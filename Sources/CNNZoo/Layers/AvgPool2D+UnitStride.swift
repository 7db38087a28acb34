/// Average pooling with stride 1 (an Inception block's pooling branch), a whole plane at a time.
///
/// With the plane padded, and the sums laid out as rows as wide as the padded plane (the last
/// kernel-width − 1 entries of each row unused), the value kernel position (r, c) adds to every
/// window sits the same distance, r · padded width + c, from the window's sum. So each kernel
/// position is one run along the whole plane (`Kernels.shiftedSums`, and `shiftedAdds` backward),
/// long enough for the vector unit, where the rows of a small map (14 or 7 wide) were too short.
/// The runs go in the order of the definition — kernel rows, then columns, each from the first —
/// so every window adds its values in that order, and backward gives every input position its
/// windows' shares in window order (kernel positions from the last): the same bits as the
/// row-wise loops. The padding's zeros add nothing: a sum
/// that starts at +0 is never −0, and +0 added to it changes no bit.
extension AvgPool2D {
    /// Whether the windows move one position at a time both ways.
    var isUnitStride: Bool { window.strideHeight == 1 && window.strideWidth == 1 }

    /// Each kernel position's distance from its window's sum in the padded plane, in the
    /// definition's order: rows, then columns, each from the first.
    private var kernelOffsets: [Int] {
        let w = window, width = paddedPlane.width
        return (0..<w.kernelHeight).flatMap { r in (0..<w.kernelWidth).map { c in r * width + c } }
    }

    /// The padded plane's width and height, and how many sums the wide rows hold.
    private var paddedPlane: (width: Int, height: Int, span: Int) {
        let w = window
        let width = w.width + w.padding.left + w.padding.right, height = w.height + w.padding.top + w.padding.bottom
        return (width, height, (w.outputHeight - 1) * width + w.outputWidth)
    }

    /// Calls `body(plane, padded, wide)` for every plane of a batch of `batch` samples, the planes
    /// split over the engine's threads, each thread with a padded plane and a set of wide rows of
    /// its own, both zero at first.
    private func forEachPlane(batch: Int, _ body: (_ plane: Int, _ padded: UnsafeMutablePointer<Float>, _ wide: UnsafeMutablePointer<Float>) -> Void) {
        let (width, height, span) = paddedPlane
        Parallelism.forEachChunk(batch * window.channels) { _, planes in
            let padded = UnsafeMutablePointer<Float>.allocate(capacity: height * width)
            let wide = UnsafeMutablePointer<Float>.allocate(capacity: span)
            defer { padded.deallocate(); wide.deallocate() }
            padded.initialize(repeating: 0, count: height * width)
            wide.initialize(repeating: 0, count: span)
            for plane in planes { body(plane, padded, wide) }
        }
    }

    func unitStrideForward(_ input: Tensor) -> Tensor {
        let w = window, (paddedWidth, _, span) = paddedPlane, offsets = kernelOffsets
        let (inArea, outArea) = (w.height * w.width, w.outputHeight * w.outputWidth)
        var output = Tensor.uninitialized([input.batchSize] + outputShape)
        input.withPointer { x in
            output.withMutablePointer { y in
                scales.withUnsafeBufferPointer { scales in
                    // The padded plane's border stays zero; each plane overwrites its inside.
                    forEachPlane(batch: input.batchSize) { plane, padded, sums in
                        for r in 0..<w.height {
                            (padded + (r + w.padding.top) * paddedWidth + w.padding.left).update(from: x + plane * inArea + r * w.width, count: w.width)
                        }
                        Kernels.shiftedSums(padded, offsets: offsets, terms: offsets.count, into: sums, count: span)
                        let out = y + plane * outArea
                        for i in 0..<w.outputHeight {
                            for j in 0..<w.outputWidth { out[i * w.outputWidth + j] = sums[i * paddedWidth + j] * scales[i * w.outputWidth + j] }
                        }
                    }
                }
            }
        }
        return output
    }

    func unitStrideBackward(_ dy: Tensor) -> Tensor {
        let w = window, batch = dy.batchSize, (paddedWidth, paddedHeight, span) = paddedPlane
        let (inArea, outArea) = (w.height * w.width, w.outputHeight * w.outputWidth)
        var dx = Tensor.uninitialized([batch, w.channels, w.height, w.width])
        // Kernel positions from the last: each input position takes its windows' shares in window order.
        let offsets = Array(kernelOffsets.reversed())
        dy.withPointer { dy in
            dx.withMutablePointer { dx in
                scales.withUnsafeBufferPointer { scales in
                    // The wide rows' unused entries stay zero; the padded plane gathers each plane's shares afresh.
                    forEachPlane(batch: batch) { plane, padded, shares in
                        let gradients = dy + plane * outArea
                        for i in 0..<w.outputHeight {
                            for j in 0..<w.outputWidth { shares[i * paddedWidth + j] = gradients[i * w.outputWidth + j] * scales[i * w.outputWidth + j] }
                        }
                        padded.update(repeating: 0, count: paddedHeight * paddedWidth)
                        Kernels.shiftedAdds(shares, offsets: offsets, terms: offsets.count, into: padded, count: span)
                        for r in 0..<w.height {
                            (dx + plane * inArea + r * w.width).update(from: padded + (r + w.padding.top) * paddedWidth + w.padding.left, count: w.width)
                        }
                    }
                }
            }
        }
        return dx
    }
}

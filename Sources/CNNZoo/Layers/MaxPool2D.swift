/// Max-pooling: y[n,c,oh,ow] = max over the window of x[n,c,·,·].
///
/// Padded positions never win (PyTorch's semantics; after a ReLU this equals seed 004's
/// zero padding). Backward sends each output's gradient to the one input that won —
/// the first maximum on ties — and *adds* where overlapping windows share a winner.
public final class MaxPool2D: RegisteredLayer {
    public static let kind = "maxpool2d"
    public static let summary = "max-pooling over (possibly overlapping, one-side padded) windows"
    public static let settings = SlidingWindow.settings(strideDefault: "kernel")

    /// The kernel, stride and padding over the input.
    public let window: SlidingWindow
    public let outputShape: [Int]
    /// For each output of the last batch, the index of its winner within its plane
    /// (planes are at most 2²⁶ values, so the index fits in 32 bits).
    private let winners = ScratchBuffer<Int32>()
    private var batchSize = 0
    /// Whether the last forward pass recorded winners (an evaluation pass does not need them).
    private var hasWinners = false
    /// Per-thread room for the kernel's row maxima (floats, then as many indices).
    private let rowMaxima = ScratchBuffer<Float>()

    public init(settings: LayerSettings, inputShape: [Int]) throws {
        window = try SlidingWindow(settings: settings, inputShape: inputShape,
                                   defaultStrideIsKernel: true, paddingBelowKernel: true)
        outputShape = [window.channels, window.outputHeight, window.outputWidth]
    }

    public func forward(_ input: consuming Tensor, mode: Mode, random: inout RandomGenerator) -> Tensor {
        batchSize = input.batchSize
        let w = window
        let planes = batchSize * w.channels, outputPlane = w.outputHeight * w.outputWidth
        var output = Tensor.uninitialized([batchSize] + outputShape)
        hasWinners = mode == .training
        let winner = hasWinners ? winners.reserve(planes * outputPlane) : nil
        // Per thread: every input row's maxima under each window's columns, and where they are.
        let rowSize = w.height * w.outputWidth + 4  // the kernel may read 4 past the end
        let rowMaxima = rowMaxima.reserve(2 * Parallelism.chunkCount(planes) * rowSize)
        input.withPointer { x in
            output.withMutablePointer { y in
                Parallelism.forEachChunk(planes) { chunk, planeRange in
                    let best = rowMaxima + 2 * chunk * rowSize
                    let index = UnsafeMutableRawPointer(best + rowSize).assumingMemoryBound(to: Int32.self)
                    let (first, count) = (planeRange.lowerBound, planeRange.count)
                    if let winner {
                        Kernels.maxPool(w, x + first * w.height * w.width, planes: count, into: y + first * outputPlane,
                                        winners: winner + first * outputPlane, scratch: best, scratchIndex: index)
                    } else {
                        Kernels.maxPoolValues(w, x + first * w.height * w.width, planes: count, into: y + first * outputPlane,
                                              scratch: best)
                    }
                }
            }
        }
        return output
    }

    public func backward(_ outputGradient: consuming Tensor) -> Tensor {
        precondition(hasWinners, "max-pool backward needs a training-mode forward pass first")
        let planes = batchSize * window.channels
        let planeSize = window.height * window.width, outputPlane = window.outputHeight * window.outputWidth
        // Each plane is cleared by the thread that scatters into it, just before: in parallel and in cache.
        var inputGradient = Tensor.uninitialized([batchSize, window.channels, window.height, window.width])
        let winner = winners.pointer
        outputGradient.withPointer { dy in
            inputGradient.withMutablePointer { dx in
                // A plane's winners lie in that plane, so chunks of planes write disjoint memory.
                Parallelism.forEachChunk(planes) { _, planeRange in
                    for plane in planeRange {
                        let target = dx + plane * planeSize
                        target.update(repeating: 0, count: planeSize)
                        for i in (plane * outputPlane) ..< ((plane + 1) * outputPlane) { target[Int(winner[i])] += dy[i] }
                    }
                }
            }
        }
        return inputGradient
    }
}

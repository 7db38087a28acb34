/// A trainable tensor with its gradient, shared by reference between its layer and the optimizer.
///
/// Its memory is allocated when first touched, not when the layer is built: building a model —
/// to list it, show it or check its spec — allocates no weights.
public final class Parameter {
    /// The parameter's name within its layer (`weight`, `bias`).
    public let name: String
    /// The shape it was declared with.
    private let declaredShape: [Int]
    /// The current values (zeros until initialised or loaded).
    public var value: Tensor {
        get { materializeValue(); return valueStorage! }
        set { valueStorage = newValue }
        _modify { materializeValue(); yield &valueStorage! }
    }
    private var valueStorage: Tensor?
    /// The gradient of the loss accumulated since the last ``clearGradient()``.
    public var gradient: Tensor {
        get { settleClearing(); return storedGradient }
        set { storedGradient = newValue; clearingIsPending = false }
        _modify { settleClearing(); yield &storedGradient }
    }
    /// The gradient's storage, allocated when first touched.
    private var storedGradient: Tensor {
        get { materializeGradient(); return gradientStorage! }
        set { gradientStorage = newValue }
        _modify { materializeGradient(); yield &gradientStorage! }
    }
    private var gradientStorage: Tensor?

    private func materializeValue() {
        if valueStorage == nil { valueStorage = Tensor(zeros: declaredShape) }
    }

    private func materializeGradient() {
        if gradientStorage == nil { gradientStorage = Tensor(zeros: declaredShape) }
    }

    /// Whether the values have been allocated (by an initialisation, a load, or any use).
    public var isAllocated: Bool { valueStorage != nil }
    /// Set by ``clearGradient()``: the gradient is zero, but its storage has not been cleared yet,
    /// so that ``accumulate(partials:chunks:)`` can write the sum instead of adding it to zeros.
    private var clearingIsPending = false
    /// Per-thread room for the block-wise accumulation's partials.
    private let blockScratch = ScratchBuffer<Float>()
    /// How `value` is drawn when a model is freshly initialised.
    public let initializer: Initializer
    /// Fan-in and fan-out, for the initializer.
    public let fanIn: Int, fanOut: Int

    public init(name: String, shape: [Int], initializer: Initializer, fanIn: Int, fanOut: Int) {
        precondition(shape.allSatisfy { $0 >= 0 }, "negative extent in shape \(shape)")
        self.name = name
        declaredShape = shape
        self.initializer = initializer
        self.fanIn = fanIn
        self.fanOut = fanOut
    }

    /// The most scalars one parameter may hold (1 GiB of float32): a spec asking for more is
    /// refused when the model is built instead of exhausting memory.
    public static let maximumCount = 1 << 28

    /// Throws naming `layer` when a parameter of `shape` would exceed ``maximumCount``.
    public static func checkSize(_ shape: [Int], layer: String, name: String) throws {
        var total = 1
        for extent in shape {
            let (product, overflow) = total.multipliedReportingOverflow(by: extent)
            guard !overflow, product <= maximumCount else {
                throw ModelError.badSetting(layer: layer, message: "\(name) of shape \(shape) is beyond the limit of \(maximumCount) values")
            }
            total = product
        }
    }

    /// The parameter's shape.
    public var shape: [Int] { valueStorage?.shape ?? declaredShape }

    /// The number of values, without allocating them.
    public var count: Int { Tensor.count(of: shape) }

    /// When set, ``accumulate(partials:chunks:)`` keeps the per-chunk partials in
    /// ``collectedPartials`` instead of adding them, so that a data-parallel trainer can add
    /// every process's chunks in one global order.
    public var collectsPartials = false
    /// The partials kept since the trainer last took them, chunk after chunk.
    public var collectedPartials: [Float] = []

    /// Sets the gradient to zero before a backward pass. The storage is cleared only when first
    /// touched: a layer that accumulates through ``accumulate(partials:chunks:)`` writes it once
    /// instead of clearing it and then adding to it, one pass over memory instead of three.
    public func clearGradient() {
        clearingIsPending = true
    }

    private func settleClearing() {
        guard clearingIsPending else { return }
        clearingIsPending = false
        storedGradient.zero()
    }

    /// Draws fresh values with the parameter's initializer.
    public func initialize(using random: inout RandomGenerator) {
        value.scalars = initializer.values(count: count, fanIn: fanIn, fanOut: fanOut, using: &random)
    }
}

extension Parameter {
    /// Adds a batch's gradient given as per-chunk partial sums — `chunks` blocks of `count`
    /// floats, one per ``Parallelism`` chunk of samples — in chunk order.
    ///
    /// Every built-in layer reduces over its batch through here, so a gradient is always the
    /// same sum: each chunk's samples summed from zero, then the chunks added in order. That
    /// is what makes a run bit-identical for a thread count, and what lets a data-parallel run
    /// over several processes form exactly the same sum from the processes' chunks.
    public func accumulate(partials: UnsafePointer<Float>, chunks: Int) {
        let count = storedGradient.count
        if collectsPartials {
            collectedPartials.append(contentsOf: UnsafeBufferPointer(start: partials, count: chunks * count))
            return
        }
        guard chunks > 0 else { return }
        let fromZero = clearingIsPending
        clearingIsPending = false
        storedGradient.withMutablePointer { target in
            // Spans of elements on separate threads, each element adding its chunks in order; a
            // block at a time, so the running sums stay in L1 while every chunk is added.
            Parallelism.forEachSpan(count) { span in
                for start in stride(from: span.lowerBound, to: span.upperBound, by: 2048) {
                    Self.add(chunks: chunks, of: partials + start, chunkStride: count,
                             count: min(2048, span.upperBound - start), to: target + start, fromZero: fromZero)
                }
            }
        }
    }
}

extension Parameter {
    /// target[i] (+)= Σ over chunks, in chunk order, of the chunk's value at `first + chunk·chunkStride + i`,
    /// for `count` values. From zero, it writes exactly 0 + the first chunk (−0 becomes +0), as adding
    /// to a cleared gradient gives.
    @inline(__always)
    private static func add(chunks: Int, of first: UnsafePointer<Float>, chunkStride: Int, count: Int,
                    to target: UnsafeMutablePointer<Float>, fromZero: Bool) {
        if fromZero {
            for i in 0..<count { target[i] = first[i] + 0 }
        } else {
            for i in 0..<count { target[i] += first[i] }
        }
        for chunk in 1..<chunks {
            let part = first + chunk * chunkStride
            for i in 0..<count { target[i] += part[i] }
        }
    }
}

extension Parameter {
    /// Columns per block in ``accumulate(chunks:rows:columns:partial:)``.
    static let blockColumns = 256

    /// Adds a batch's gradient of a `[rows, columns]` parameter given as per-chunk partial
    /// sums, like ``accumulate(partials:chunks:)``, but produced a block of columns at a time:
    /// `partial(chunk, block, into, stride)` writes the chunk's partial for the columns of
    /// `block` (rows `stride` apart). Each block's partials are added while still in cache,
    /// instead of each chunk's whole partial going through memory (a dense layer's ∂W is
    /// larger than a core's cache).
    ///
    /// Blocks fall on the same columns whatever the thread count, and the data-parallel
    /// collection produces its partials through the same calls, so its sums stay bit-identical.
    public func accumulate(chunks: Int, rows: Int, columns: Int,
                           partial: (_ chunk: Int, _ block: Range<Int>, _ into: UnsafeMutablePointer<Float>, _ stride: Int) -> Void) {
        let count = rows * columns, width = Self.blockColumns
        precondition(storedGradient.count == count, "a [\(rows), \(columns)] gradient for a parameter of \(storedGradient.count) values")
        guard chunks > 0 else { return }
        let blocks = (columns + width - 1) / width
        func block(_ index: Int) -> Range<Int> { index * width ..< min(index * width + width, columns) }
        if collectsPartials {
            let start = collectedPartials.count
            collectedPartials.append(contentsOf: repeatElement(0, count: chunks * count))
            collectedPartials.withUnsafeMutableBufferPointer { collected in
                let base = collected.baseAddress! + start
                Parallelism.forEachChunk(blocks) { _, indices in
                    for index in indices {
                        for chunk in 0..<chunks { partial(chunk, block(index), base + chunk * count + block(index).lowerBound, columns) }
                    }
                }
            }
            return
        }
        let fromZero = clearingIsPending
        clearingIsPending = false
        let scratch = blockScratch.reserve(Parallelism.chunkCount(blocks) * chunks * rows * width)
        storedGradient.withMutablePointer { target in
            Parallelism.forEachChunk(blocks) { thread, indices in
                let parts = scratch + thread * chunks * rows * width
                for index in indices {
                    let columnRange = block(index), blockWidth = columnRange.count
                    for chunk in 0..<chunks { partial(chunk, columnRange, parts + chunk * rows * blockWidth, blockWidth) }
                    // In chunk order, as accumulate(partials:chunks:) adds them.
                    for row in 0..<rows {
                        Self.add(chunks: chunks, of: parts + row * blockWidth, chunkStride: rows * blockWidth, count: blockWidth,
                                 to: target + row * columns + columnRange.lowerBound, fromZero: fromZero)
                    }
                }
            }
        }
    }
}

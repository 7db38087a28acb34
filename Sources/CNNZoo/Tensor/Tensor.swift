/// A dense, contiguous, row-major array of `Float` with a shape.
///
/// Batches are laid out NCHW: the first axis is always the sample.
/// Parameters use PyTorch's layouts (conv `[out, in, kh, kw]`, dense `[out, in]`),
/// so a checkpoint maps one-to-one onto a PyTorch `state_dict`.
public struct Tensor: Sendable, Equatable {
    /// The extent of each axis.
    public private(set) var shape: [Int]
    /// The elements in row-major order.
    public var scalars: [Float]

    /// Wraps `scalars` with `shape`; their counts must agree.
    public init(shape: [Int], scalars: [Float]) {
        precondition(shape.allSatisfy { $0 >= 0 }, "negative extent in shape \(shape)")
        precondition(Tensor.count(of: shape) == scalars.count,
                     "shape \(shape) needs \(Tensor.count(of: shape)) scalars, got \(scalars.count)")
        self.shape = shape
        self.scalars = scalars
    }

    /// A tensor of `shape` filled with `value`.
    public init(repeating value: Float, shape: [Int]) {
        self.init(shape: shape, scalars: [Float](repeating: value, count: Tensor.count(of: shape)))
    }

    /// A tensor of `shape` filled with zeros.
    public init(zeros shape: [Int]) {
        self.init(repeating: 0, shape: shape)
    }

    /// The number of elements a tensor of `shape` holds.
    public static func count(of shape: [Int]) -> Int {
        shape.reduce(1, *)
    }

    /// The number of elements.
    public var count: Int { scalars.count }

    /// A shape as messages write it: `1×28×28`.
    public static func describe(_ shape: [Int]) -> String { shape.map(String.init).joined(separator: "×") }

    /// The extent of the first axis: the batch size for activations.
    public var batchSize: Int { shape.first ?? 1 }

    /// The number of elements per sample (everything but the first axis).
    public var sampleCount: Int { shape.count <= 1 ? 1 : Tensor.count(of: Array(shape.dropFirst())) }

    /// The same elements viewed with another shape of equal element count.
    public func reshaped(_ newShape: [Int]) -> Tensor {
        Tensor(shape: newShape, scalars: scalars)
    }
}

extension Tensor: CustomStringConvertible {
    public var description: String {
        let preview = scalars.prefix(8).map { String($0) }.joined(separator: ", ")
        return "Tensor(\(shape), [\(preview)\(count > 8 ? ", …" : "")])"
    }
}

extension Tensor {
    /// A tensor of `shape` whose elements are undefined until written: for outputs that
    /// the caller overwrites completely, it skips a zero-filling pass over memory.
    public static func uninitialized(_ shape: [Int]) -> Tensor {
        let count = Tensor.count(of: shape)
        return Tensor(shape: shape, scalars: [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            initialized = count
        })
    }
}

/// The one way layers reach a tensor's raw memory for their kernels: a read pointer to each
/// tensor they read, and a write pointer to the tensor they fill, for the duration of `body`.
extension Tensor {
    /// A read pointer to the scalars.
    @inline(__always)
    public func withPointer<R>(_ body: (UnsafePointer<Float>) -> R) -> R {
        scalars.withUnsafeBufferPointer { body($0.baseAddress ?? UnsafePointer(emptyStorage)) }
    }

    /// A write pointer to the scalars.
    @inline(__always)
    public mutating func withMutablePointer<R>(_ body: (UnsafeMutablePointer<Float>) -> R) -> R {
        scalars.withUnsafeMutableBufferPointer { body($0.baseAddress ?? emptyStorage) }
    }
}

/// Read pointers to two tensors at once.
@inline(__always)
public func withPointers<R>(_ a: Tensor, _ b: Tensor, _ body: (UnsafePointer<Float>, UnsafePointer<Float>) -> R) -> R {
    a.withPointer { a in b.withPointer { b in body(a, b) } }
}

/// Read pointers to three tensors at once.
@inline(__always)
public func withPointers<R>(_ a: Tensor, _ b: Tensor, _ c: Tensor,
                     _ body: (UnsafePointer<Float>, UnsafePointer<Float>, UnsafePointer<Float>) -> R) -> R {
    a.withPointer { a in b.withPointer { b in c.withPointer { c in body(a, b, c) } } }
}

/// What an empty tensor's pointer points at (an empty array has no storage); never read or written.
nonisolated(unsafe) private let emptyStorage = UnsafeMutablePointer<Float>.allocate(capacity: 1)

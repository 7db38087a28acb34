/// Memory a layer owns and reuses from batch to batch: per-thread work space, cached
/// intermediate values. It hands out a raw pointer directly, so kernels need no closures
/// to reach it; its contents are undefined after it grows.
public final class ScratchBuffer<Element> {
    public private(set) var pointer: UnsafeMutablePointer<Element>
    public private(set) var count = 0

    public init() { pointer = .allocate(capacity: 1) }

    deinit { pointer.deallocate() }

    /// Room for at least `count` elements; reallocates only when it must grow.
    public func reserve(_ count: Int) -> UnsafeMutablePointer<Element> {
        if count > self.count {
            pointer.deallocate()
            pointer = .allocate(capacity: count)
            self.count = count
        }
        return pointer
    }
}

/// Everything an optimizer changes as it runs: the step count and, per state slot, one
/// tensor per parameter path (`exp_avg` → `fc1.weight` → tensor). With the weights and the
/// training state it is enough to continue a run bit for bit.
public struct OptimizerState: Sendable, Equatable {
    /// Steps taken so far.
    public var step: Int
    /// Slot name → parameter path → tensor of the parameter's shape.
    public var slots: [String: [String: Tensor]]

    public init(step: Int = 0, slots: [String: [String: Tensor]] = [:]) {
        self.step = step
        self.slots = slots
    }

    /// The tensor of `slot` for `path`, if present.
    public func tensor(_ slot: String, for path: String) -> Tensor? { slots[slot]?[path] }

    /// Removes and returns the tensor of `slot` for `path` (zeros of `shape` when absent),
    /// so an update can work on the only reference in place; give it back with ``put(_:_:for:)``.
    public mutating func take(_ slot: String, for path: String, shape: [Int]) -> Tensor {
        slots[slot]?.removeValue(forKey: path) ?? Tensor(zeros: shape)
    }

    /// Stores `tensor` as `slot` for `path`.
    public mutating func put(_ tensor: consuming Tensor, _ slot: String, for path: String) {
        slots[slot, default: [:]][path] = tensor
    }
}

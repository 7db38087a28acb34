/// A trainable tensor with its gradient, shared by reference between its layer and the optimizer.
public final class Parameter {
    /// The parameter's name within its layer (`weight`, `bias`).
    public let name: String
    /// The current values.
    public var value: Tensor
    /// The gradient of the loss accumulated by the last backward pass.
    public var gradient: Tensor
    /// How `value` is drawn when a model is freshly initialised.
    public let initializer: Initializer
    /// Fan-in and fan-out, for the initializer.
    public let fanIn: Int, fanOut: Int

    public init(name: String, shape: [Int], initializer: Initializer, fanIn: Int, fanOut: Int) {
        self.name = name
        self.value = Tensor(zeros: shape)
        self.gradient = Tensor(zeros: shape)
        self.initializer = initializer
        self.fanIn = fanIn
        self.fanOut = fanOut
    }

    /// The parameter's shape.
    public var shape: [Int] { value.shape }

    /// Draws fresh values with the parameter's initializer.
    public func initialize(using random: inout RandomGenerator) {
        value.scalars = initializer.values(count: value.count, fanIn: fanIn, fanOut: fanOut, using: &random)
    }
}

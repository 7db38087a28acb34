/// Stochastic gradient descent with momentum, in PyTorch's form so momentum buffers
/// transfer to `torch.optim.SGD` unchanged:
///
///     g ← g + λ·θ                      (weight decay λ)
///     b ← g                            (first step)
///     b ← μ·b + (1 − τ)·g              (later steps; dampening τ)
///     g ← g + μ·b  if nesterov, else g ← b
///     θ ← θ − η·g
public struct SGD: Sendable {
    public var configuration: SGDConfiguration
    /// Buffers and step count: everything a checkpoint needs to continue exactly.
    public var state: OptimizerState

    public init(configuration: SGDConfiguration, state: OptimizerState = OptimizerState()) {
        self.configuration = configuration
        self.state = state
    }

    /// Applies one update to every parameter from its gradient, at learning rate `learningRate`.
    public mutating func step(_ parameters: [(path: String, parameter: Parameter)], learningRate: Float) {
        let mu = Float(configuration.momentum)
        let decay = Float(configuration.weightDecay)
        let keep = 1 - Float(configuration.dampening)
        for (path, parameter) in parameters {
            let count = parameter.value.count
            var direction = parameter.gradient.scalars
            if decay != 0 {
                for i in 0..<count { direction[i] += decay * parameter.value.scalars[i] }
            }
            if mu != 0 {
                if var buffer = state.momentumBuffers.removeValue(forKey: path) {
                    for i in 0..<count { buffer.scalars[i] = mu * buffer.scalars[i] + keep * direction[i] }
                    state.momentumBuffers[path] = buffer
                } else {
                    state.momentumBuffers[path] = Tensor(shape: parameter.shape, scalars: direction)
                }
                let buffer = state.momentumBuffers[path]!.scalars
                if configuration.nesterov {
                    for i in 0..<count { direction[i] += mu * buffer[i] }
                } else {
                    direction = buffer
                }
            }
            parameter.value.scalars.withUnsafeMutableBufferPointer { value in
                for i in 0..<count { value[i] -= learningRate * direction[i] }
            }
        }
        state.step += 1
    }
}

/// The optimizer's mutable state: one momentum buffer per parameter path, and the step count.
public struct OptimizerState: Sendable, Equatable {
    public var step: Int
    public var momentumBuffers: [String: Tensor]

    public init(step: Int = 0, momentumBuffers: [String: Tensor] = [:]) {
        self.step = step
        self.momentumBuffers = momentumBuffers
    }
}

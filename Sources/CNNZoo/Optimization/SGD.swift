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
        let nesterov = configuration.nesterov
        for (path, parameter) in parameters {
            let count = parameter.value.count
            // One pass per parameter; the buffer is taken out of the dictionary so it is updated in place.
            let first = mu != 0 && state.momentumBuffers[path] == nil
            var buffer = mu == 0 ? Tensor(zeros: [0]) : (state.momentumBuffers.removeValue(forKey: path) ?? Tensor(zeros: parameter.shape))
            parameter.value.scalars.withUnsafeMutableBufferPointer { theta in
                parameter.gradient.scalars.withUnsafeBufferPointer { gradient in
                    buffer.scalars.withUnsafeMutableBufferPointer { b in
                        for i in 0..<count {
                            var g = gradient[i] + decay * theta[i]
                            if mu != 0 {
                                b[i] = first ? g : mu * b[i] + keep * g
                                g = nesterov ? g + mu * b[i] : b[i]
                            }
                            theta[i] -= learningRate * g
                        }
                    }
                }
            }
            if mu != 0 { state.momentumBuffers[path] = buffer }
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

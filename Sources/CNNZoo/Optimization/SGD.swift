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
                        // Without momentum there is no buffer (its empty storage may still have an address).
                        let (theta, gradient, b) = (theta.baseAddress!, gradient.baseAddress!, mu == 0 ? nil : b.baseAddress)
                        // Element by element with no sums, so splitting across threads leaves results unchanged;
                        // each variant is its own loop so it vectorises.
                        Parallelism.forEachSpan(count) { span in
                            switch (b, first, nesterov) {
                            case (nil, _, _):
                                for i in span { theta[i] -= learningRate * (gradient[i] + decay * theta[i]) }
                            case (let b?, true, false):
                                for i in span {
                                    b[i] = gradient[i] + decay * theta[i]
                                    theta[i] -= learningRate * b[i]
                                }
                            case (let b?, true, true):
                                for i in span {
                                    let g = gradient[i] + decay * theta[i]
                                    b[i] = g
                                    theta[i] -= learningRate * (g + mu * b[i])
                                }
                            case (let b?, false, false):
                                for i in span {
                                    b[i] = mu * b[i] + keep * (gradient[i] + decay * theta[i])
                                    theta[i] -= learningRate * b[i]
                                }
                            case (let b?, false, true):
                                for i in span {
                                    let g = gradient[i] + decay * theta[i]
                                    b[i] = mu * b[i] + keep * g
                                    theta[i] -= learningRate * (g + mu * b[i])
                                }
                            }
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

/// Hyperparameters of SGD in PyTorch's form (see ``SGD``).
public struct SGDConfiguration: Sendable, Equatable, Codable {
    public var learningRate: Double
    public var momentum: Double
    public var dampening: Double
    public var nesterov: Bool
    public var weightDecay: Double

    public init(learningRate: Double = 0.01, momentum: Double = 0, dampening: Double = 0,
                nesterov: Bool = false, weightDecay: Double = 0) {
        self.learningRate = learningRate
        self.momentum = momentum
        self.dampening = dampening
        self.nesterov = nesterov
        self.weightDecay = weightDecay
    }

    enum CodingKeys: String, CodingKey {
        case kind, momentum, dampening, nesterov
        case learningRate = "lr"
        case weightDecay = "weight_decay"
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let kind = try container.decodeIfPresent(String.self, forKey: .kind) ?? "sgd"
        guard kind == "sgd" else {
            throw DecodingError.dataCorruptedError(forKey: .kind, in: container,
                                                   debugDescription: "unknown optimizer '\(kind)' (known: sgd)")
        }
        learningRate = try container.decodeIfPresent(Double.self, forKey: .learningRate) ?? 0.01
        momentum = try container.decodeIfPresent(Double.self, forKey: .momentum) ?? 0
        dampening = try container.decodeIfPresent(Double.self, forKey: .dampening) ?? 0
        nesterov = try container.decodeIfPresent(Bool.self, forKey: .nesterov) ?? false
        weightDecay = try container.decodeIfPresent(Double.self, forKey: .weightDecay) ?? 0
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode("sgd", forKey: .kind)
        try container.encode(learningRate, forKey: .learningRate)
        try container.encode(momentum, forKey: .momentum)
        try container.encode(dampening, forKey: .dampening)
        try container.encode(nesterov, forKey: .nesterov)
        try container.encode(weightDecay, forKey: .weightDecay)
    }

    /// Why these hyperparameters cannot train, or nil when they can.
    public var problem: String? {
        if !learningRate.isFinite || learningRate <= 0 { return "learning rate must be a positive number, got \(learningRate)" }
        if !momentum.isFinite || momentum < 0 || momentum >= 1 { return "momentum must be in [0, 1), got \(momentum)" }
        if !dampening.isFinite || dampening < 0 || dampening > 1 { return "dampening must be in [0, 1], got \(dampening)" }
        if !weightDecay.isFinite || weightDecay < 0 { return "weight decay must be ≥ 0, got \(weightDecay)" }
        if nesterov && (momentum == 0 || dampening != 0) { return "nesterov needs momentum > 0 and dampening 0" }
        return nil
    }
}

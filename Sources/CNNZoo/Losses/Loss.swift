/// A loss over a batch: the mean over samples of a per-sample loss, with its gradient
/// with respect to the model's output.
public protocol Loss {
    /// The batch-mean loss and ∂loss/∂output, for outputs and targets of shape `[N, K]`.
    func evaluate(output: Tensor, target: Tensor) -> (loss: Float, gradient: Tensor)
}

/// A loss kind that can be registered and named by a spec, like a layer or an optimizer.
public protocol RegisteredLoss: Loss, SendableMetatype {
    /// The registry name (`cross_entropy`, …).
    static var kind: String { get }
    /// One line saying what it computes.
    static var summary: String { get }
    /// The settings a spec may give.
    static var settings: [SettingDescription] { get }
    /// Builds the loss from a spec's settings, validating them.
    init(settings: Settings) throws
}

/// A loss that takes raw scores and applies its activation itself (softmax, sigmoid), or
/// probabilities: its one setting is `from_logits`.
public protocol FusedActivationLoss: RegisteredLoss {
    init(fromLogits: Bool)
}

extension FusedActivationLoss {
    public static var settings: [SettingDescription] {
        [SettingDescription("from_logits", "bool", default: "true", "the model outputs raw scores and the loss applies the activation")]
    }

    public init(settings: Settings) throws {
        self.init(fromLogits: try settings.bool("from_logits", default: true))
    }
}

/// A loss as a spec names it, written flat: `{"kind": "cross_entropy", "from_logits": true}`.
/// Built through a ``LossRegistry``.
public struct LossSpec: Sendable, Equatable, Codable {
    public var kind: String
    public var settings: [String: SettingValue]

    public init(kind: String, settings: [String: SettingValue] = [:]) {
        self.kind = kind
        self.settings = settings
    }

    /// A built-in loss with its `from_logits` setting.
    public init(kind: String, fromLogits: Bool) {
        self.init(kind: kind, settings: ["from_logits": .bool(fromLogits)])
    }

    /// Whether the model's output is raw scores (the softmax or sigmoid is fused into the loss);
    /// true unless the spec says otherwise.
    public var fromLogits: Bool {
        if case .bool(let value)? = settings["from_logits"] { return value }
        return true
    }

    public init(from decoder: Decoder) throws {
        (kind, settings) = try FlatKey.decodeKindAndSettings(from: decoder, defaultKind: nil)
    }

    public func encode(to encoder: Encoder) throws {
        try FlatKey.encode(kind: kind, settings: settings, to: encoder)
    }
}

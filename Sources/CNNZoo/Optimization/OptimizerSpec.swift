/// An optimizer as a spec names it, written flat in JSON:
/// `{"kind": "adam", "lr": 0.001, "betas": [0.9, 0.999]}`. Built through an ``OptimizerRegistry``.
public struct OptimizerSpec: Sendable, Equatable, Codable {
    public var kind: String
    public var settings: [String: SettingValue]

    public init(kind: String, settings: [String: SettingValue] = [:]) {
        self.kind = kind
        self.settings = settings
    }

    /// SGD at lr 0.01, the default when a spec names no optimizer.
    public static let `default` = OptimizerSpec(kind: "sgd", settings: ["lr": .number(0.01)])

    public init(from decoder: Decoder) throws {
        (kind, settings) = try FlatKey.decodeKindAndSettings(from: decoder, defaultKind: "sgd")
    }

    public func encode(to encoder: Encoder) throws {
        try FlatKey.encode(kind: kind, settings: settings, to: encoder)
    }
}

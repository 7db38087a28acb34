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
        let container = try decoder.container(keyedBy: FlatKey.self)
        kind = try container.decodeIfPresent(String.self, forKey: FlatKey("kind")) ?? "sgd"
        var settings: [String: SettingValue] = [:]
        for key in container.allKeys where key.stringValue != "kind" {
            settings[key.stringValue] = try container.decode(SettingValue.self, forKey: key)
        }
        self.settings = settings
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: FlatKey.self)
        try container.encode(kind, forKey: FlatKey("kind"))
        for (key, value) in settings { try container.encode(value, forKey: FlatKey(key)) }
    }
}

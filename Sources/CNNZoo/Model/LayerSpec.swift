/// One layer in a ``ModelSpec``: its name, its registered kind, and its settings,
/// written flat in JSON: `{"name": "conv1", "kind": "conv2d", "out_channels": 16, "kernel": 3}`.
///
/// A layer takes the previous layer's output unless it names its inputs —
/// `{"name": "sum", "kind": "add", "inputs": ["conv2", "skip"]}` — layers before it, or `input`
/// for the model's input: so a spec describes a directed acyclic graph, listed in an order its
/// edges respect.
public struct LayerSpec: Sendable, Equatable, Codable {
    public var name: String
    public var kind: String
    public var settings: [String: SettingValue]
    /// The layers whose outputs this one takes, in order; nil: the previous layer's output.
    public var inputs: [String]?

    /// The name that stands for the model's input in ``inputs``.
    public static let modelInput = "input"

    public init(name: String, kind: String, settings: [String: SettingValue] = [:], inputs: [String]? = nil) {
        self.name = name
        self.kind = kind
        self.settings = settings
        self.inputs = inputs
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: FlatKey.self)
        kind = try container.decode(String.self, forKey: FlatKey("kind"))
        name = try container.decodeIfPresent(String.self, forKey: FlatKey("name")) ?? ""
        inputs = try container.decodeIfPresent([String].self, forKey: FlatKey("inputs"))
        var settings: [String: SettingValue] = [:]
        for key in container.allKeys where !["kind", "name", "inputs"].contains(key.stringValue) {
            settings[key.stringValue] = try container.decode(SettingValue.self, forKey: key)
        }
        self.settings = settings
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: FlatKey.self)
        try container.encode(name, forKey: FlatKey("name"))
        try container.encode(kind, forKey: FlatKey("kind"))
        if let inputs { try container.encode(inputs, forKey: FlatKey("inputs")) }
        for (key, value) in settings { try container.encode(value, forKey: FlatKey(key)) }
    }
}

/// A JSON key by name, for specs written flat (`{"kind": "conv2d", "kernel": 3}`), whose
/// keys other than `kind` and `name` are settings.
struct FlatKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(_ string: String) { stringValue = string }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

extension FlatKey {
    /// Decodes `{"kind": …, <setting>: …}`: the kind (or `defaultKind` when absent) and every other key as a setting.
    static func decodeKindAndSettings(from decoder: Decoder, defaultKind: String?) throws -> (String, [String: SettingValue]) {
        let container = try decoder.container(keyedBy: FlatKey.self)
        let kind = try defaultKind.map { try container.decodeIfPresent(String.self, forKey: FlatKey("kind")) ?? $0 }
            ?? container.decode(String.self, forKey: FlatKey("kind"))
        var settings: [String: SettingValue] = [:]
        for key in container.allKeys where key.stringValue != "kind" {
            settings[key.stringValue] = try container.decode(SettingValue.self, forKey: key)
        }
        return (kind, settings)
    }

    /// Encodes a kind and its settings flat.
    static func encode(kind: String, settings: [String: SettingValue], to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: FlatKey.self)
        try container.encode(kind, forKey: FlatKey("kind"))
        for (key, value) in settings { try container.encode(value, forKey: FlatKey(key)) }
    }
}

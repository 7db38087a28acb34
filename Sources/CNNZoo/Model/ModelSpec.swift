import Foundation

/// A model as data: the layers by kind and settings, the loss, and the defaults
/// for training it. Zoo entries, users' own models and checkpoints all hold this.
public struct ModelSpec: Sendable, Equatable, Codable {
    /// The entry's name (`mnist-16-32-64`).
    public var name: String
    /// One line for `cnn-zoo list`.
    public var summary: String
    /// Where the design comes from.
    public var origin: String
    /// The shape of one input sample, `[channels, height, width]`.
    public var inputShape: [Int]
    /// The number of classes the output scores.
    public var classes: Int
    /// The layers, in order.
    public var layers: [LayerSpec]
    /// The loss the model is trained with.
    public var loss: LossSpec
    /// Default hyperparameters for `cnn-zoo train`.
    public var training: TrainingDefaults

    public init(name: String, summary: String = "", origin: String = "", inputShape: [Int], classes: Int,
                layers: [LayerSpec], loss: LossSpec, training: TrainingDefaults = TrainingDefaults()) {
        self.name = name
        self.summary = summary
        self.origin = origin
        self.inputShape = inputShape
        self.classes = classes
        self.layers = layers
        self.loss = loss
        self.training = training
    }

    enum CodingKeys: String, CodingKey {
        case name, summary, origin, classes, layers, loss, training
        case inputShape = "input_shape"
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decode(String.self, forKey: .name)
        summary = try container.decodeIfPresent(String.self, forKey: .summary) ?? ""
        origin = try container.decodeIfPresent(String.self, forKey: .origin) ?? ""
        inputShape = try container.decode([Int].self, forKey: .inputShape)
        classes = try container.decode(Int.self, forKey: .classes)
        layers = try container.decode([LayerSpec].self, forKey: .layers)
        loss = try container.decode(LossSpec.self, forKey: .loss)
        training = try container.decodeIfPresent(TrainingDefaults.self, forKey: .training) ?? TrainingDefaults()
    }
}

extension ModelSpec {
    /// Decodes a spec from JSON, turning decoding failures into one readable line.
    public init(json data: Data) throws {
        do {
            self = try JSONDecoder().decode(ModelSpec.self, from: data)
        } catch let error as DecodingError {
            throw ModelError.badSpec(Self.describe(error))
        } catch {
            throw ModelError.badSpec("not valid JSON")
        }
    }

    /// The spec as pretty, key-sorted JSON (what checkpoints and `show --json` hold).
    public func jsonData() -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try! encoder.encode(self)
    }

    /// The spec as a zoo entry is written: one layer a line, each naming its name and kind first.
    public func entryJSON() -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        func text<T: Encodable>(_ value: T) -> String { String(decoding: try! encoder.encode(value), as: UTF8.self) }
        let layerLines = layers.map { layer -> String in
            var fields = ["\"name\": \(text(layer.name))", "\"kind\": \(text(layer.kind))"]
            if let inputs = layer.inputs { fields.append("\"inputs\": \(text(inputs))") }
            fields += layer.settings.sorted { $0.key < $1.key }.map { "\(text($0.key)): \(text($0.value))" }
            return "    {" + fields.joined(separator: ", ") + "}"
        }
        let lines = ["{", "  \"name\": \(text(name)),", "  \"summary\": \(text(summary)),", "  \"origin\": \(text(origin)),",
                     "  \"input_shape\": \(text(inputShape)),", "  \"classes\": \(classes),", "  \"layers\": [",
                     layerLines.joined(separator: ",\n"), "  ],", "  \"loss\": \(text(loss)),", "  \"training\": \(text(training))", "}", ""]
        return Data(lines.joined(separator: "\n").utf8)
    }

    private static func describe(_ error: DecodingError) -> String {
        func path(_ codingPath: [CodingKey]) -> String {
            let text = codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
            return text.isEmpty ? "the top level" : String(text.drop { $0 == "." })
        }
        switch error {
        case let .keyNotFound(key, context):
            let at = context.codingPath.isEmpty ? "" : " in \(path(context.codingPath))"
            return "missing field '\(key.stringValue)'\(at)"
        case let .typeMismatch(type, context):
            return "\(path(context.codingPath)): expected \(Self.typeName(type))"
        case let .valueNotFound(type, context):
            return "\(path(context.codingPath)): expected \(Self.typeName(type)), found null"
        case let .dataCorrupted(context):
            if context.codingPath.isEmpty { return "not valid JSON" }
            return "\(path(context.codingPath)): \(context.debugDescription)"
        @unknown default:
            return "not a model spec"
        }
    }

    private static func typeName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: return "a string"
        case is Int.Type, is Double.Type, is Float.Type: return "a number"
        case is Bool.Type: return "true or false"
        default:
            if String(describing: type).hasPrefix("Dictionary") { return "an object" }
            return type is any Collection.Type ? "a list" : "an object"
        }
    }
}

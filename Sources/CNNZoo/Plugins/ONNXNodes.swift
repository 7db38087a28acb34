/// The ONNX nodes a layer computes itself with, in ONNX's own terms: what a plugin's layer hands
/// `cnn-zoo export` (as JSON across the C boundary) to be exported, since it cannot conform to
/// CNNZooONNX's protocol from the other side. Constants are the layer's own parameters, named
/// and optionally reshaped (`"dims"`), or literal values.
public struct ONNXNodes: Codable, Sendable, Equatable {
    /// A node of the default ONNX domain.
    public struct Node: Codable, Sendable, Equatable {
        public var op: String
        public var inputs: [String]
        public var outputs: [String]
        public var attributes: [String: Attribute]

        public init(op: String, inputs: [String], outputs: [String], attributes: [String: Attribute] = [:]) {
            (self.op, self.inputs, self.outputs, self.attributes) = (op, inputs, outputs, attributes)
        }

        public init(from decoder: Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            op = try container.decode(String.self, forKey: .op)
            inputs = try container.decode([String].self, forKey: .inputs)
            outputs = try container.decode([String].self, forKey: .outputs)
            attributes = try container.decodeIfPresent([String: Attribute].self, forKey: .attributes) ?? [:]
        }
    }

    /// An attribute, typed as ONNX types it: `{"int": 1}`, `{"ints": [1, 2]}`, `{"float": 1e-5}`, `{"string": "constant"}`.
    public enum Attribute: Codable, Sendable, Equatable {
        case int(Int), ints([Int]), float(Float), string(String)

        enum CodingKeys: String, CodingKey { case int, ints, float, string }

        public init(from decoder: Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            if let value = try container.decodeIfPresent(Int.self, forKey: .int) { self = .int(value) }
            else if let value = try container.decodeIfPresent([Int].self, forKey: .ints) { self = .ints(value) }
            else if let value = try container.decodeIfPresent(Float.self, forKey: .float) { self = .float(value) }
            else if let value = try container.decodeIfPresent(String.self, forKey: .string) { self = .string(value) }
            else { throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "an attribute is {\"int\"|\"ints\"|\"float\"|\"string\": value}")) }
        }

        public func encode(to encoder: Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            switch self {
            case .int(let value): try container.encode(value, forKey: .int)
            case .ints(let value): try container.encode(value, forKey: .ints)
            case .float(let value): try container.encode(value, forKey: .float)
            case .string(let value): try container.encode(value, forKey: .string)
            }
        }
    }

    /// A constant input of the nodes: one of the layer's parameters or buffers (by its name,
    /// reshaped to `dims` when given), or literal floats or int64s of `dims`.
    public struct Constant: Codable, Sendable, Equatable {
        public var name: String
        public var parameter: String?
        public var dims: [Int]?
        public var floats: [Float]?
        public var int64s: [Int]?

        public init(name: String, parameter: String? = nil, dims: [Int]? = nil, floats: [Float]? = nil, int64s: [Int]? = nil) {
            (self.name, self.parameter, self.dims, self.floats, self.int64s) = (name, parameter, dims, floats, int64s)
        }
    }

    public var nodes: [Node]
    public var constants: [Constant]

    public init(nodes: [Node], constants: [Constant] = []) {
        self.nodes = nodes
        self.constants = constants
    }
}

/// A layer that describes its ONNX form as ``ONNXNodes`` (a plugin's layer, through the boundary).
public protocol ONNXNodesDescribing {
    /// The nodes taking `inputs` to `output`, or nil when the layer has no ONNX form.
    func onnxNodes(name: String, inputs: [String], output: String) -> ONNXNodes?
}

import CNNZoo
import Foundation

/// An ONNX graph as a model writes itself into it: nodes in order, constant tensors
/// (initializers) and value names. Each layer adds the nodes that compute it through
/// ``ONNXExportable``, a plugin's layers as the built-in ones.
public struct ONNXGraphBuilder {
    /// The opset the file declares: a layer writes the form of each op this version defines.
    public let opset: Int
    var nodes: [Onnx_NodeProto] = []
    var initializers: [Onnx_TensorProto] = []
    private var names: Set<String> = []

    init(opset: Int) {
        self.opset = opset
    }

    /// Adds a float32 constant (a weight) under `name`, its dims the tensor's shape, and returns
    /// the name to use as a node's input.
    @discardableResult
    public mutating func addInitializer(_ name: String, _ tensor: Tensor) -> String {
        var proto = Onnx_TensorProto()
        proto.name = unique(name)
        proto.dims = tensor.shape.map(Int64.init)
        proto.dataType = Int32(Onnx_TensorProto.DataType.float.rawValue)
        proto.rawData = tensor.scalars.withUnsafeBufferPointer { Data(buffer: $0) }
        initializers.append(proto)
        return proto.name
    }

    /// Adds an int64 constant of the given dims (a shape, the pads of a `Pad`) and returns its name.
    @discardableResult
    public mutating func addInitializer(_ name: String, int64s values: [Int], dims: [Int]) -> String {
        var proto = Onnx_TensorProto()
        proto.name = unique(name)
        proto.dims = dims.map(Int64.init)
        proto.dataType = Int32(Onnx_TensorProto.DataType.int64.rawValue)
        proto.int64Data = values.map(Int64.init)
        initializers.append(proto)
        return proto.name
    }

    /// A new value name made from `base` (a layer's name and what the value is).
    public mutating func value(_ base: String) -> String {
        unique(base)
    }

    /// Adds a node of the default ONNX domain computing `outputs` from `inputs`.
    public mutating func addNode(_ op: String, inputs: [String], outputs: [String], name: String,
                                 attributes: [String: ONNXAttribute] = [:]) {
        var node = Onnx_NodeProto()
        node.opType = op
        node.input = inputs
        node.output = outputs
        node.name = name
        node.attribute = attributes.sorted { $0.key < $1.key }.map { $0.value.proto(named: $0.key) }
        nodes.append(node)
    }

    /// Adds a node with one output, `output`.
    public mutating func addNode(_ op: String, inputs: [String], output: String, name: String,
                                 attributes: [String: ONNXAttribute] = [:]) {
        addNode(op, inputs: inputs, outputs: [output], name: name, attributes: attributes)
    }

    /// Reserves a name the graph's input or output takes.
    mutating func reserve(_ name: String) {
        names.insert(name)
    }

    private mutating func unique(_ base: String) -> String {
        var name = base, counter = 1
        while names.contains(name) {
            counter += 1
            name = "\(base)_\(counter)"
        }
        names.insert(name)
        return name
    }
}

/// The value of a node's attribute.
public enum ONNXAttribute: Equatable, Sendable {
    case int(Int)
    case ints([Int])
    case float(Float)
    case string(String)

    func proto(named name: String) -> Onnx_AttributeProto {
        var attribute = Onnx_AttributeProto()
        attribute.name = name
        switch self {
        case .int(let value):
            attribute.type = .int
            attribute.i = Int64(value)
        case .ints(let values):
            attribute.type = .ints
            attribute.ints = values.map(Int64.init)
        case .float(let value):
            attribute.type = .float
            attribute.f = value
        case .string(let value):
            attribute.type = .string
            attribute.s = Data(value.utf8)
        }
        return attribute
    }
}

extension ONNXGraphBuilder {
    /// Adds the nodes a layer described itself with (a plugin's, through the C boundary): its
    /// constants — its own parameters by name, or literal values — then its nodes.
    mutating func add(_ described: ONNXNodes, of layer: any Layer, name: String) throws {
        var renamed: [String: String] = [:]
        let tensors = Dictionary((layer.parameters + layer.buffers).map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        for constant in described.constants {
            if let parameter = constant.parameter {
                guard let tensor = tensors[parameter]?.value else {
                    throw ONNXExportError("layer '\(name)': its ONNX form names a parameter '\(parameter)' it does not have")
                }
                let dims = constant.dims ?? tensor.shape
                guard Tensor.count(of: dims) == tensor.count else {
                    throw ONNXExportError("layer '\(name)': its ONNX form gives \(parameter) dims \(dims), which do not fit \(tensor.shape)")
                }
                renamed[constant.name] = addInitializer(constant.name, Tensor(shape: dims, scalars: tensor.scalars))
            } else if let floats = constant.floats {
                renamed[constant.name] = addInitializer(constant.name, Tensor(shape: constant.dims ?? [floats.count], scalars: floats))
            } else if let values = constant.int64s {
                renamed[constant.name] = addInitializer(constant.name, int64s: values, dims: constant.dims ?? [values.count])
            } else {
                throw ONNXExportError("layer '\(name)': its ONNX constant '\(constant.name)' has no parameter and no values")
            }
        }
        for (index, node) in described.nodes.enumerated() {
            for output in node.outputs { reserve(output) }
            addNode(node.op, inputs: node.inputs.map { renamed[$0] ?? $0 }, outputs: node.outputs, name: "\(name).\(index)",
                    attributes: node.attributes.mapValues { attribute in
                        switch attribute {
                        case .int(let value): return .int(value)
                        case .ints(let values): return .ints(values)
                        case .float(let value): return .float(value)
                        case .string(let value): return .string(value)
                        }
                    })
        }
    }
}

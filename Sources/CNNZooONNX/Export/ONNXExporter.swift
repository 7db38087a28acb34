import CNNZoo
import Foundation
import SwiftProtobuf

/// Writes a model — chain or graph — as an ONNX file in inference form: the weights as
/// initializers, one input `input` of shape [N, C, H, W] with a symbolic batch N, and one
/// output: `probabilities`, the loss's activation appended to the last layer (softmax for
/// cross-entropy from logits, sigmoid for binary cross-entropy), or `logits` when asked or when
/// the loss fuses none.
public struct ONNXExporter {
    /// The opsets this exporter writes (and the importer reads).
    public static let opsets = 13...21
    public static let defaultOpset = 17

    /// The ONNX opset to write, 13…21.
    public var opset = ONNXExporter.defaultOpset
    /// Whether the output is the last layer's raw scores instead of probabilities.
    public var keepsLogits = false
    /// The producer recorded in the file (`cnn-zoo 0.4.0`).
    public var producerVersion = ""

    public init(opset: Int = ONNXExporter.defaultOpset, keepsLogits: Bool = false, producerVersion: String = "") {
        self.opset = opset
        self.keepsLogits = keepsLogits
        self.producerVersion = producerVersion
    }

    /// The IR version of each opset, as ONNX's own version table pairs them.
    static func irVersion(opset: Int) -> Int64 {
        switch opset {
        case ...14: return 7
        case 15...18: return 8
        case 19...20: return 9
        default: return 10
        }
    }

    /// The model as an ONNX `ModelProto`; `registry` names the plugin of a layer that cannot be exported.
    /// - Throws: ``ONNXExportError`` for an opset out of range or a layer with no ONNX form.
    public func modelProto(_ model: Model, registry: Registry = .standard) throws -> Onnx_ModelProto {
        guard Self.opsets.contains(opset) else {
            throw ONNXExportError("opset \(opset) is not supported; choose \(Self.opsets.lowerBound)…\(Self.opsets.upperBound)")
        }
        let activation = keepsLogits ? OutputActivation.identity : OutputActivation(loss: model.spec.loss)
        let outputName = activation == .identity ? "logits" : "probabilities"
        var graph = ONNXGraphBuilder(opset: opset)
        graph.reserve("input")
        graph.reserve(outputName)
        var values: [String] = []
        for (index, (name, layer)) in model.layers.enumerated() {
            let inputs = model.sources[index].map { $0 < 0 ? "input" : values[$0] }
            let isLast = index == model.layers.count - 1
            let output = isLast && activation == .identity ? outputName : graph.value(name)
            if let exportable = layer as? any ONNXExportable {
                try exportable.exportONNX(to: &graph, name: name, inputs: inputs, output: output)
            } else if let describing = layer as? any ONNXNodesDescribing,
                      let nodes = describing.onnxNodes(name: name, inputs: inputs, output: output) {
                try graph.add(nodes, of: layer, name: name)
            } else {
                let kind = model.spec.layers[index].kind
                let plugin = registry.owner(of: .layer(kind)).map { " from plugin '\($0.name)' \($0.version)" } ?? ""
                throw ONNXExportError("layer '\(name)': kind '\(kind)'\(plugin) has no ONNX form (its type neither conforms to ONNXExportable nor describes ONNXNodes)")
            }
            values.append(output)
        }
        switch activation {
        case .identity: break
        case .softmax: graph.addNode("Softmax", inputs: [values.last!], output: outputName, name: "output_softmax", attributes: ["axis": .int(1)])
        case .sigmoid: graph.addNode("Sigmoid", inputs: [values.last!], output: outputName, name: "output_sigmoid")
        }

        var proto = Onnx_GraphProto()
        proto.name = model.spec.name
        proto.node = graph.nodes
        proto.initializer = graph.initializers
        proto.input = [Self.valueInfo("input", dims: model.spec.inputShape)]
        proto.output = [Self.valueInfo(outputName, dims: model.outputShape)]
        var file = Onnx_ModelProto()
        file.irVersion = Self.irVersion(opset: opset)
        file.producerName = "cnn-zoo"
        file.producerVersion = producerVersion
        file.graph = proto
        var opsetImport = Onnx_OperatorSetIdProto()
        opsetImport.domain = ""
        opsetImport.version = Int64(opset)
        file.opsetImport = [opsetImport]
        file.docString = model.spec.summary
        // cnn-zoo's own reading of the file back: the entry's name and training defaults.
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let training = (try? encoder.encode(model.spec.training)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        file.metadataProps = [("cnn_zoo.model_name", model.spec.name), ("cnn_zoo.training", training)].map { key, value in
            var entry = Onnx_StringStringEntryProto()
            entry.key = key
            entry.value = value
            return entry
        }
        return file
    }

    /// The model as the bytes of an ONNX file.
    public func export(_ model: Model, registry: Registry = .standard) throws -> Data {
        try modelProto(model, registry: registry).serializedData()
    }

    /// A float tensor value of shape [N] + `dims`, N symbolic.
    static func valueInfo(_ name: String, dims: [Int]) -> Onnx_ValueInfoProto {
        var shape = Onnx_TensorShapeProto()
        var batch = Onnx_TensorShapeProto.Dimension()
        batch.dimParam = "N"
        shape.dim = [batch] + dims.map { extent in
            var dimension = Onnx_TensorShapeProto.Dimension()
            dimension.dimValue = Int64(extent)
            return dimension
        }
        var tensor = Onnx_TypeProto.Tensor()
        tensor.elemType = Int32(Onnx_TensorProto.DataType.float.rawValue)
        tensor.shape = shape
        var type = Onnx_TypeProto()
        type.tensorType = tensor
        var info = Onnx_ValueInfoProto()
        info.name = name
        info.type = type
        return info
    }
}

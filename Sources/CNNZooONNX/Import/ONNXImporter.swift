import CNNZoo
import Foundation
import SwiftProtobuf

/// Reads an ONNX CNN — what `torch.onnx.export` writes for one, opsets 13…21, weights as
/// initializers or `Constant` nodes — into a cnn-zoo spec and its weights. Each layer is built
/// through the registry as it is read, so its shape is the engine's and a spec that would not
/// build is refused here, naming the node. Anything the engine has no layer for — an op, a
/// second image input, a dynamic image size, a non-float tensor — is one error naming the
/// node, the op and the opset.
public struct ONNXImporter {
    /// The largest file read: protobuf's own limit.
    public static let maximumFileSize = Int(Int32.max)

    /// What an import gives: a spec, its weights and buffers by dotted path, and what the
    /// import changed on the way (a final softmax folded into the loss, say).
    public struct Result {
        public var spec: ModelSpec
        public var weights: [String: Tensor]
        public var notes: [String]
    }

    let registry: Registry

    public init(registry: Registry = .standard) {
        self.registry = registry
    }

    /// Reads the file at `path`, refusing one over ``maximumFileSize`` before reading it.
    public func read(contentsOf path: String, name: String? = nil) throws -> Result {
        let attributes: [FileAttributeKey: Any]
        do { attributes = try FileManager.default.attributesOfItem(atPath: path) } catch {
            throw ONNXImportError("\(path): cannot be read")
        }
        let size = (attributes[.size] as? NSNumber)?.intValue ?? 0
        guard size <= Self.maximumFileSize else {
            throw ONNXImportError("the file is \(size) bytes, over ONNX's 2 GB limit for a self-contained model")
        }
        guard let data = FileManager.default.contents(atPath: path) else { throw ONNXImportError("\(path): cannot be read") }
        let base = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        return try read(data, name: name ?? base)
    }

    /// Reads an ONNX model from its bytes; `name` names the spec when the file does not.
    public func read(_ data: Data, name: String) throws -> Result {
        guard data.count <= Self.maximumFileSize else {
            throw ONNXImportError("the file is \(data.count) bytes, over ONNX's 2 GB limit for a self-contained model")
        }
        let model: Onnx_ModelProto
        do {
            var options = BinaryDecodingOptions()
            options.messageDepthLimit = 64
            model = try Onnx_ModelProto(serializedBytes: data, options: options)
        } catch {
            throw ONNXImportError("not an ONNX model: the file is not a whole protobuf message (\(error))")
        }
        guard model.hasIrVersion, model.hasGraph, !model.graph.node.isEmpty else {
            throw ONNXImportError("not an ONNX model: a protobuf message without an IR version and a graph of nodes")
        }
        let opsets = model.opsetImport.filter { $0.domain.isEmpty || $0.domain == "ai.onnx" }
        guard let opset = opsets.first.map({ Int($0.version) }) else {
            throw ONNXImportError("the model imports no opset of the default ONNX domain")
        }
        guard ONNXExporter.opsets.contains(opset) else {
            throw ONNXImportError("opset \(opset) is outside the supported \(ONNXExporter.opsets.lowerBound)…\(ONNXExporter.opsets.upperBound); re-export it with one of those (torch.onnx.export(..., opset_version=17))")
        }
        let specName = model.metadataProps.first { $0.key == "cnn_zoo.model_name" }?.value ?? name
        var translation = try GraphTranslation(graph: model.graph, opset: opset, registry: registry)
        var result = try translation.run(name: specName)
        // A file cnn-zoo wrote carries the entry's training defaults.
        if let training = model.metadataProps.first(where: { $0.key == "cnn_zoo.training" }),
           let defaults = try? JSONDecoder().decode(TrainingDefaults.self, from: Data(training.value.utf8)) {
            result.spec.training = defaults
        }
        return result
    }
}

/// One pass over an ONNX graph, node by node in topological order, building the spec.
struct GraphTranslation {
    /// A value of the graph as the translation has it.
    enum Value {
        /// A layer's output (or the model's input): the layer's name, the engine's per-sample
        /// shape and ONNX's (they differ after `GlobalAveragePool`: [C] against [C, 1, 1]),
        /// and whether every element is ≥ 0 (after a ReLU or a sigmoid).
        case layer(name: String, shape: [Int], onnxShape: [Int], nonNegative: Bool)
        case constant(ONNXTensor)
        /// A zero `Pad` of a layer's output, folded into the `Conv`, `MaxPool` or `AveragePool` after it.
        case padded(source: String, pads: [Int])
    }

    let graph: Onnx_GraphProto
    let opset: Int
    let registry: Registry
    var values: [String: Value] = [:]
    var layers: [LayerSpec] = []
    var shapes: [String: [Int]] = ["input": []]
    var weights: [String: Tensor] = [:]
    var notes: [String] = []
    var consumers: [String: Int] = [:]
    var names: Set<String> = ["input"]
    /// The node being translated, for errors.
    var node = Onnx_NodeProto()

    init(graph: Onnx_GraphProto, opset: Int, registry: Registry) throws {
        self.graph = graph
        self.opset = opset
        self.registry = registry
        for initializer in graph.initializer {
            values[initializer.name] = .constant(try ONNXTensor(initializer, what: "initializer '\(initializer.name)'"))
        }
        let images = graph.input.filter { values[$0.name] == nil }
        guard images.count == 1, let image = images.first else {
            throw ONNXImportError(images.isEmpty ? "the graph has no image input"
                : "the graph takes \(images.count) inputs (\(images.map(\.name).joined(separator: ", "))); a cnn-zoo model takes one image input")
        }
        let tensor = image.type.tensorType
        guard case .tensorType? = image.type.value, tensor.elemType == Int32(Onnx_TensorProto.DataType.float.rawValue) else {
            throw ONNXImportError("input '\(image.name)' is not a float32 tensor; cnn-zoo models take float images")
        }
        let dims = tensor.shape.dim
        guard tensor.hasShape, dims.count >= 2 else {
            throw ONNXImportError("input '\(image.name)' has no static shape [N, C, H, W]")
        }
        var sample: [Int] = []
        for (axis, dim) in dims.enumerated().dropFirst() {
            guard case .dimValue(let extent)? = dim.value, extent > 0, extent <= 1 << 16 else {
                throw ONNXImportError("input '\(image.name)' has a dynamic or unusable size on axis \(axis) (\(dim.value.map { "\($0)" } ?? "unset")); cnn-zoo models take one static image size")
            }
            sample.append(Int(extent))
        }
        shapes["input"] = sample
        values[image.name] = .layer(name: "input", shape: sample, onnxShape: sample, nonNegative: false)
        for node in graph.node { for input in node.input where !input.isEmpty { consumers[input, default: 0] += 1 } }
        for output in graph.output { consumers[output.name, default: 0] += 1 }
    }

    /// The nodes in an order where each comes after what it takes; a cycle is refused.
    func sortedNodes() throws -> [Onnx_NodeProto] {
        var available = Set(values.keys), pending = graph.node, sorted: [Onnx_NodeProto] = []
        while !pending.isEmpty {
            let before = pending.count
            pending.removeAll { node in
                let ready = node.input.allSatisfy { $0.isEmpty || available.contains($0) }
                if ready {
                    sorted.append(node)
                    available.formUnion(node.output)
                }
                return ready
            }
            if pending.count == before {
                let stuck = pending[0]
                let missing = stuck.input.first { !$0.isEmpty && !available.contains($0) } ?? "?"
                let produced = graph.node.contains { $0.output.contains(missing) }
                throw ONNXImportError(produced
                    ? "node '\(stuck.name)' (\(stuck.opType)) is on a cycle: its input '\(missing)' depends on its own output"
                    : "node '\(stuck.name)' (\(stuck.opType)) takes '\(missing)', which no node, input or initializer provides")
            }
        }
        return sorted
    }

    mutating func run(name: String) throws -> ONNXImporter.Result {
        for node in try sortedNodes() {
            self.node = node
            guard node.domain.isEmpty || node.domain == "ai.onnx" else { throw unsupported("its domain '\(node.domain)' is not ONNX's own") }
            try translate()
        }
        guard graph.output.count == 1, let output = graph.output.first else {
            throw ONNXImportError("the graph has \(graph.output.count) outputs; a cnn-zoo model has one")
        }
        guard case .layer(let last, let shape, let onnxShape, _)? = values[output.name], last != "input" else {
            throw ONNXImportError("the graph's output '\(output.name)' is not computed from its input")
        }
        guard onnxShape.count == 1 else {
            throw ONNXImportError("the graph's output '\(output.name)' has shape \(onnxShape) per image; a classifier's is flat [classes]")
        }
        guard layers.last?.name == last else {
            throw ONNXImportError("layer '\(layers.last!.name)' computes something the output does not use")
        }
        // A final softmax or sigmoid is the loss's activation in cnn-zoo (export appends it again).
        var loss = LossSpec(kind: "cross_entropy", fromLogits: true)
        if layers.count > 1, let last = layers.last, last.kind == "softmax" || last.kind == "sigmoid" {
            layers.removeLast()
            let (op, kind) = last.kind == "softmax" ? ("Softmax", "cross-entropy") : ("Sigmoid", "binary cross-entropy")
            if last.kind == "sigmoid" { loss = LossSpec(kind: "binary_cross_entropy", fromLogits: true) }
            notes.append("the final \(op) became the \(kind) loss's activation: the model outputs logits, and 'cnn-zoo export' appends the \(op) again")
        }
        // A graph whose every layer takes the one before is written as a chain.
        if layers.enumerated().allSatisfy({ index, layer in layer.inputs == [index == 0 ? "input" : layers[index - 1].name] }) {
            for index in layers.indices { layers[index].inputs = nil }
        }
        let spec = ModelSpec(name: name, summary: "imported from ONNX (opset \(opset))", origin: "ONNX graph '\(graph.name)'",
                             inputShape: shapes["input"]!, classes: shape.reduce(1, *), layers: layers, loss: loss)
        return ONNXImporter.Result(spec: spec, weights: weights, notes: notes)
    }

    // MARK: - Nodes

    mutating func translate() throws {
        switch node.opType {
        case "Conv": try conv()
        case "MaxPool": try maxPool()
        case "AveragePool": try averagePool()
        case "GlobalAveragePool":
            let x = try spatial(0)
            try emit("global_avg_pool", [:], inputs: [x.name], onnxShape: [x.shape[0], 1, 1])
        case "BatchNormalization": try batchNorm()
        case "Gemm": try gemm()
        case "MatMul": try matMul()
        case "Relu": try elementwise("relu", nonNegative: true)
        case "Sigmoid": try elementwise("sigmoid", nonNegative: true)
        case "Tanh": try elementwise("tanh")
        case "LeakyRelu": try elementwise("leaky_relu", ["negative_slope": .number(Self.decimal(try float("alpha", default: 0.01)))])
        case "Softmax": try softmax()
        case "Flatten": try flatten()
        case "Reshape": try reshape()
        case "Add": try add()
        case "Sum": try merge("add")
        case "Sub": try normalize(dividing: false)
        case "Div": try normalize(dividing: true)
        case "Concat":
            let rank = try layerInput(0).onnxShape.count + 1
            let axis = try int("axis", default: 1)
            guard axis == 1 || axis == 1 - rank else { throw unsupported("Concat along axis \(axis); cnn-zoo concatenates channels (axis 1)") }
            try merge("concat")
        case "Identity", "Dropout":
            values[node.output[0]] = try value(0)
        case "Constant": try constant()
        case "Pad": try pad()
        default:
            throw unsupported("cnn-zoo has no layer for it")
        }
    }

    mutating func conv() throws {
        let (x, extraPads) = try windowInput(0)
        let w = try floatConstant(1, "W")
        guard w.shape.count == 4 else { throw unsupported("a \(w.shape.count - 2)-D convolution; cnn-zoo's are 2-D") }
        try requireOnes("dilations")
        let pads = try windowPads(extraPads)
        var settings = try window(kernel: [w.shape[2], w.shape[3]], pads: pads)
        settings["out_channels"] = .number(Double(w.shape[0]))
        let groups = try int("group", default: 1)
        if groups != 1 { settings["groups"] = .number(Double(groups)) }
        var parameters = ["weight": w]
        if node.input.count > 2, !node.input[2].isEmpty { parameters["bias"] = try floatConstant(2, "B") } else { settings["bias"] = false }
        try emit("conv2d", settings, inputs: [x.name], weights: parameters)
    }

    mutating func maxPool() throws {
        let (x, extraPads) = try windowInput(0)
        try requireOnes("dilations")
        guard try int("ceil_mode", default: 0) == 0 else { throw unsupported("ceil_mode 1") }
        guard node.output.count < 2 || node.output[1].isEmpty || consumers[node.output[1], default: 0] == 0 else {
            throw unsupported("its Indices output is used")
        }
        let own = try ints("pads", default: [0, 0, 0, 0])
        // ONNX pads a max-pool with −∞, cnn-zoo with zeros: the same only where no value is negative.
        guard own.allSatisfy({ $0 == 0 }) || x.nonNegative else {
            throw unsupported("its pads take −∞ where cnn-zoo's max-pool pads with zeros; they agree only after a ReLU or a sigmoid")
        }
        let kernel = try ints("kernel_shape", default: nil)
        try emit("maxpool2d", try window(kernel: kernel, pads: try windowPads(extraPads)), inputs: [x.name],
                 nonNegative: x.nonNegative)
    }

    mutating func averagePool() throws {
        let (x, extraPads) = try windowInput(0)
        guard try int("ceil_mode", default: 0) == 0 else { throw unsupported("ceil_mode 1") }
        let countsPadding = try int("count_include_pad", default: 0) == 1
        if extraPads.contains(where: { $0 != 0 }) && !countsPadding {
            throw unsupported("a Pad before an AveragePool that leaves padding out of its divisor")
        }
        var settings = try window(kernel: try ints("kernel_shape", default: nil), pads: try windowPads(extraPads))
        settings["count_include_pad"] = .bool(countsPadding)
        try emit("avgpool2d", settings, inputs: [x.name], nonNegative: x.nonNegative)
    }

    mutating func batchNorm() throws {
        let x = try spatial(0)
        guard try int("training_mode", default: 0) == 0 else { throw unsupported("training_mode 1") }
        let momentum = try float("momentum", default: 0.9), epsilon = try float("epsilon", default: 1e-5)
        let parameters = ["weight": try floatConstant(1, "scale"), "bias": try floatConstant(2, "B"),
                          "running_mean": try floatConstant(3, "input_mean"), "running_var": try floatConstant(4, "input_var")]
        try emit("batchnorm2d", ["eps": .number(Self.decimal(epsilon)), "momentum": .number(Self.decimal(Float(1 - Self.decimal(momentum))))],
                 inputs: [x.name], weights: parameters)
    }

    mutating func gemm() throws {
        let x = try flat(0)
        guard try int("transA", default: 0) == 0 else { throw unsupported("transA 1") }
        guard try float("alpha", default: 1) == 1, try float("beta", default: 1) == 1 else { throw unsupported("alpha or beta other than 1") }
        var w = try floatConstant(1, "B")
        guard w.shape.count == 2 else { throw unsupported("a B of shape \(w.shape)") }
        if try int("transB", default: 0) == 0 { w = Self.transposed(w) }
        var parameters = ["weight": w]
        var settings: [String: SettingValue] = ["units": .number(Double(w.shape[0]))]
        if node.input.count > 2, !node.input[2].isEmpty { parameters["bias"] = try floatConstant(2, "C") } else { settings["bias"] = false }
        try emit("dense", settings, inputs: [x.name], weights: parameters)
    }

    /// `MatMul` by a constant [inputs, units]: a dense layer without bias, which an `Add` of a
    /// constant right after then gives its bias.
    mutating func matMul() throws {
        let x = try flat(0)
        let b = try floatConstant(1, "B")
        guard b.shape.count == 2 else { throw unsupported("a B of shape \(b.shape)") }
        try emit("dense", ["units": .number(Double(b.shape[1])), "bias": false], inputs: [x.name], weights: ["weight": Self.transposed(b)])
    }

    mutating func elementwise(_ kind: String, _ settings: [String: SettingValue] = [:], nonNegative: Bool = false) throws {
        let x = try layerInput(0)
        let source = x.shape == x.onnxShape ? x : try spatial(0)
        try emit(kind, settings, inputs: [source.name], onnxShape: source.onnxShape, nonNegative: nonNegative)
    }

    mutating func softmax() throws {
        let x = try layerInput(0)
        let axis = try int("axis", default: -1)
        guard x.onnxShape.count == 1, axis == 1 || axis == -1 else {
            throw unsupported("a softmax along axis \(axis) of \(x.onnxShape); cnn-zoo's is over each image's flat scores")
        }
        try emit("softmax", [:], inputs: [x.name], nonNegative: true)
    }

    mutating func flatten() throws {
        let x = try layerInput(0)
        let axis = try int("axis", default: 1)
        guard axis == 1 || axis == 1 - (x.onnxShape.count + 1) else { throw unsupported("Flatten at axis \(axis); cnn-zoo keeps the batch axis") }
        try flatten(x)
    }

    mutating func flatten(_ x: LayerValue) throws {
        if x.shape.count == 1 {
            values[node.output[0]] = .layer(name: x.name, shape: x.shape, onnxShape: [x.shape[0]], nonNegative: x.nonNegative)
        } else {
            try emit("flatten", [:], inputs: [x.name], nonNegative: x.nonNegative)
        }
    }

    mutating func reshape() throws {
        let x = try layerInput(0)
        guard case .constant(.int64(let target, _))? = values[node.input[1]], target.count >= 2 else {
            throw unsupported("a shape that is not a constant [batch, …]")
        }
        guard try int("allowzero", default: 0) == 0 else { throw unsupported("allowzero 1") }
        guard target[0] == 0 || target[0] == -1 else { throw unsupported("a fixed batch size \(target[0]); cnn-zoo keeps the batch symbolic") }
        var sample = target.dropFirst().enumerated().map { axis, extent in extent == 0 && axis < x.onnxShape.count ? x.onnxShape[axis] : extent }
        let count = x.shape.reduce(1, *)
        if let free = sample.firstIndex(of: -1) {
            let known = sample.enumerated().reduce(1) { $1.offset == free ? $0 : $0 * $1.element }
            guard known > 0, count % known == 0, target[0] == 0 || sample.filter({ $0 == -1 }).count == 1 else {
                throw unsupported("a shape \(target) that does not fit \(x.onnxShape)")
            }
            sample[free] = count / known
        }
        guard sample.allSatisfy({ $0 > 0 }), sample.reduce(1, *) == count else { throw unsupported("a shape \(target) that does not fit \(x.onnxShape)") }
        if sample.count == 1 { return try flatten(x) }
        if sample == x.shape {
            values[node.output[0]] = .layer(name: x.name, shape: x.shape, onnxShape: sample, nonNegative: x.nonNegative)
            return
        }
        try emit("reshape", ["shape": .array(sample.map { .number(Double($0)) })], inputs: [x.name], nonNegative: x.nonNegative)
    }

    /// `Add` of two values is the `add` layer; of a value and a constant, the constant is a
    /// bias: a dense layer's own when it has none, else a `bias` layer holding it per position.
    mutating func add() throws {
        guard node.input.count == 2 else { throw unsupported("\(node.input.count) inputs") }
        let constantIndex = [0, 1].first { if case .constant? = values[node.input[$0]] { return true } else { return false } }
        guard let constantIndex else { return try merge("add") }
        let x = try layerInput(1 - constantIndex)
        let c = try floatConstant(constantIndex, "B")
        let sample = x.onnxShape
        // A dense layer's missing bias: a MatMul's Add.
        if let index = layers.lastIndex(where: { $0.name == x.name }), layers[index].kind == "dense",
           layers[index].settings["bias"] == .bool(false), consumers[node.input[1 - constantIndex], default: 0] <= 1,
           c.count == sample[0] {
            layers[index].settings["bias"] = nil
            weights["\(x.name).bias"] = Tensor(shape: [c.count], scalars: c.scalars)
            values[node.output[0]] = .layer(name: x.name, shape: x.shape, onnxShape: x.onnxShape, nonNegative: false)
            return
        }
        guard let expanded = Self.broadcast(c, to: sample) else {
            throw unsupported("a constant of shape \(c.shape) that does not broadcast onto \(sample)")
        }
        let source = x.shape == sample ? x : try spatial(1 - constantIndex)
        try emit("bias", [:], inputs: [source.name], weights: ["bias": expanded])
    }

    /// `Sub` or `Div` by one constant per channel: a normalize layer, a `Div` right after a
    /// `Sub` (as `cnn-zoo export` writes one) folding into it.
    mutating func normalize(dividing: Bool) throws {
        guard node.input.count == 2, case .constant? = values[node.input[1]] else {
            throw unsupported("only a value \(dividing ? "divided" : "minus") a per-channel constant")
        }
        let x = try layerInput(0)
        let c = try floatConstant(1, "B")
        let channels = x.onnxShape.count == 3 ? x.onnxShape[0] : 1
        guard c.count == channels || c.count == 1 else {
            throw unsupported("a constant of shape \(c.shape); cnn-zoo normalises with one value per channel")
        }
        let values = c.count == channels ? c.scalars.map(Double.init) : [Double](repeating: Double(c.scalars[0]), count: channels)
        func list(_ numbers: [Double]) -> SettingValue { .array(numbers.map { .number(Self.decimal(Float($0))) }) }
        if dividing, let index = layers.lastIndex(where: { $0.name == x.name }), layers[index].kind == "normalize",
           layers[index].settings["std"] == list([Double](repeating: 1, count: channels)), consumers[node.input[0], default: 0] <= 1 {
            layers[index].settings["std"] = list(values)
            self.values[node.output[0]] = .layer(name: x.name, shape: x.shape, onnxShape: x.onnxShape, nonNegative: false)
            return
        }
        let source = x.shape == x.onnxShape ? x : try spatial(0)
        let zeros = [Double](repeating: 0, count: channels), ones = [Double](repeating: 1, count: channels)
        try emit("normalize", ["mean": list(dividing ? zeros : values), "std": list(dividing ? values : ones)], inputs: [source.name])
    }

    mutating func merge(_ kind: String) throws {
        var inputs: [String] = []
        for index in node.input.indices {
            let x = try layerInput(index)
            inputs.append((x.shape == x.onnxShape ? x : try spatial(index)).name)
        }
        try emit(kind, [:], inputs: inputs)
    }

    mutating func constant() throws {
        guard let attribute = node.attribute.first else { throw unsupported("no value") }
        switch attribute.name {
        case "value": values[node.output[0]] = .constant(try ONNXTensor(attribute.t, what: "the value of node '\(node.name)'"))
        case "value_ints": values[node.output[0]] = .constant(.int64(attribute.ints.map(Int.init), dims: [attribute.ints.count]))
        case "value_float": values[node.output[0]] = .constant(.float(Tensor(shape: [1], scalars: [attribute.f])))
        default: throw unsupported("a '\(attribute.name)' value")
        }
    }

    mutating func pad() throws {
        let x = try spatial(0)
        guard (try string("mode", default: "constant")) == "constant" else { throw unsupported("a mode other than constant") }
        guard case .constant(.int64(let pads, _))? = values[node.input[1]], pads.count == 8,
              pads[0] == 0, pads[1] == 0, pads[4] == 0, pads[5] == 0, pads.allSatisfy({ $0 >= 0 }) else {
            throw unsupported("pads other than constant non-negative ones on the height and width")
        }
        if node.input.count > 2, !node.input[2].isEmpty {
            guard case .constant(.float(let value))? = values[node.input[2]], value.scalars.allSatisfy({ $0 == 0 }) else {
                throw unsupported("a pad value other than 0")
            }
        }
        values[node.output[0]] = .padded(source: x.name, pads: [pads[2], pads[3], pads[6], pads[7]])
    }

    // MARK: - Building layers

    /// A layer's output as an input: its name and shapes.
    struct LayerValue {
        let name: String, shape: [Int], onnxShape: [Int], nonNegative: Bool
    }

    /// Builds the layer through the registry (so its shape is the engine's), checks the weights
    /// against its parameters, and makes its output the node's.
    mutating func emit(_ kind: String, _ settings: [String: SettingValue], inputs: [String], weights given: [String: Tensor] = [:],
                       onnxShape: [Int]? = nil, nonNegative: Bool = false) throws {
        let name = layerName()
        let layer: any Layer
        do {
            layer = try registry.layers.makeLayer(kind: kind, settings: LayerSettings(layerName: name, values: settings),
                                                  inputShapes: inputs.map { shapes[$0]! })
        } catch let error as ModelError {
            throw unsupported("as cnn-zoo's \(kind) \(error.description)")
        }
        var remaining = given
        for parameter in layer.parameters + layer.buffers {
            guard let value = remaining.removeValue(forKey: parameter.name) else { throw unsupported("no \(parameter.name) for its \(kind) layer") }
            guard value.count == parameter.count else {
                throw unsupported("its \(parameter.name) has shape \(value.shape) where cnn-zoo's \(kind) takes \(parameter.shape)")
            }
            weights["\(name).\(parameter.name)"] = Tensor(shape: parameter.shape, scalars: value.scalars)
        }
        guard remaining.isEmpty else { throw unsupported("weights cnn-zoo's \(kind) has no place for: \(remaining.keys.sorted())") }
        layers.append(LayerSpec(name: name, kind: kind, settings: settings, inputs: inputs))
        shapes[name] = layer.outputShape
        values[node.output[0]] = .layer(name: name, shape: layer.outputShape, onnxShape: onnxShape ?? layer.outputShape, nonNegative: nonNegative)
    }

    /// A unique layer name from the node's (`/layer1/layer1.0/conv1/Conv` → `layer1_0_conv1`).
    mutating func layerName() -> String {
        var parts = node.name.split(separator: "/").map(String.init).filter { !$0.isEmpty }
        if parts.count > 1, parts.last == node.opType { parts.removeLast() }
        var base = parts.joined(separator: "_")
        base = String(base.map { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") ? $0 : "_" }.suffix(48))
        if base.isEmpty || base == "input" { base = node.opType.lowercased() }
        var name = base, counter = 1
        while names.contains(name) {
            counter += 1
            name = "\(base)_\(counter)"
        }
        names.insert(name)
        return name
    }

    // MARK: - Inputs

    func value(_ index: Int) throws -> Value {
        guard index < node.input.count, let value = values[node.input[index]] else { throw unsupported("no input \(index + 1)") }
        return value
    }

    func layerInput(_ index: Int) throws -> LayerValue {
        switch try value(index) {
        case let .layer(name, shape, onnxShape, nonNegative): return LayerValue(name: name, shape: shape, onnxShape: onnxShape, nonNegative: nonNegative)
        case .constant: throw unsupported("a constant where cnn-zoo needs an image value (input \(index + 1))")
        case .padded: throw unsupported("the output of a Pad, which cnn-zoo folds only into a Conv, MaxPool or AveragePool")
        }
    }

    /// A [C, H, W] input: a layer whose engine shape is flatter than ONNX's gets a reshape first.
    mutating func spatial(_ index: Int) throws -> LayerValue {
        let x = try layerInput(index)
        guard x.shape != x.onnxShape else { return x }
        let name = layerName()
        let layer = try registry.layers.makeLayer(kind: "reshape", settings: LayerSettings(layerName: name, values: ["shape": .array(x.onnxShape.map { .number(Double($0)) })]),
                                                  inputShapes: [x.shape])
        layers.append(LayerSpec(name: name, kind: "reshape", settings: ["shape": .array(x.onnxShape.map { .number(Double($0)) })], inputs: [x.name]))
        shapes[name] = layer.outputShape
        return LayerValue(name: name, shape: x.onnxShape, onnxShape: x.onnxShape, nonNegative: x.nonNegative)
    }

    /// A flat [features] input, as `Gemm` and `MatMul` take.
    func flat(_ index: Int) throws -> LayerValue {
        let x = try layerInput(index)
        guard x.onnxShape.count == 1 else { throw unsupported("an input of shape \(x.onnxShape) per image; cnn-zoo's dense layer takes flat ones") }
        return x
    }

    /// The input of a windowed op, with the zero padding of a `Pad` before it.
    mutating func windowInput(_ index: Int) throws -> (LayerValue, [Int]) {
        if case .padded(let source, let pads)? = values[node.input[index]] {
            let shape = shapes[source]!
            return (LayerValue(name: source, shape: shape, onnxShape: shape, nonNegative: false), pads)
        }
        return (try spatial(index), [0, 0, 0, 0])
    }

    func floatConstant(_ index: Int, _ role: String) throws -> Tensor {
        guard index < node.input.count, case .constant(let constant)? = values[node.input[index]] else {
            throw unsupported("its \(role) is not a constant; cnn-zoo imports weights as initializers or Constant nodes")
        }
        guard case .float(let tensor) = constant else { throw unsupported("its \(role) is not float32") }
        return tensor
    }

    // MARK: - Attributes

    func attribute(_ name: String) -> Onnx_AttributeProto? { node.attribute.first { $0.name == name } }

    func int(_ name: String, default value: Int) throws -> Int { attribute(name).map { Int($0.i) } ?? value }

    func float(_ name: String, default value: Float) throws -> Float { attribute(name).map(\.f) ?? value }

    func string(_ name: String, default value: String) throws -> String { attribute(name).map { String(decoding: $0.s, as: UTF8.self) } ?? value }

    func ints(_ name: String, default value: [Int]?) throws -> [Int] {
        if let attribute = attribute(name) { return attribute.ints.map(Int.init) }
        guard let value else { throw unsupported("no '\(name)'") }
        return value
    }

    func requireOnes(_ name: String) throws {
        guard try ints(name, default: [1, 1]).allSatisfy({ $0 == 1 }) else { throw unsupported("\(name) other than 1") }
    }

    /// The op's pads, ONNX's [top, left, bottom, right], plus a folded `Pad`'s.
    func windowPads(_ extra: [Int]) throws -> [Int] {
        guard try string("auto_pad", default: "NOTSET") == "NOTSET" || string("auto_pad", default: "") == "VALID" else {
            throw unsupported("auto_pad \(try string("auto_pad", default: "")); give explicit pads")
        }
        let own = try ints("pads", default: [0, 0, 0, 0])
        guard own.count == 4, own.allSatisfy({ $0 >= 0 }) else { throw unsupported("pads \(own)") }
        return zip(own, extra).map { $0 + $1 }
    }

    /// Kernel, stride and padding settings; ONNX's strides default to 1 for pools as for convolutions.
    func window(kernel: [Int], pads: [Int]) throws -> [String: SettingValue] {
        guard kernel.count == 2 else { throw unsupported("a \(kernel.count)-D window; cnn-zoo's are 2-D") }
        let strides = try ints("strides", default: [1, 1])
        guard strides.count == 2 else { throw unsupported("strides \(strides)") }
        func list(_ values: [Int]) -> SettingValue { .array(values.map { .number(Double($0)) }) }
        // cnn-zoo orders padding [top, bottom, left, right].
        return ["kernel": list(kernel), "stride": list(strides), "padding": list([pads[0], pads[2], pads[1], pads[3]])]
    }

    func unsupported(_ problem: String) -> ONNXImportError {
        ONNXImportError("node '\(node.name)' (\(node.opType), opset \(opset)): \(problem)")
    }

    // MARK: - Helpers

    /// The shortest decimal that reads back as the same float: 1e-05, not 9.99999974737875e-06.
    static func decimal(_ value: Float) -> Double { Double("\(value)") ?? Double(value) }

    static func transposed(_ matrix: Tensor) -> Tensor {
        let (rows, columns) = (matrix.shape[0], matrix.shape[1])
        var scalars = [Float](repeating: 0, count: matrix.count)
        for r in 0..<rows { for c in 0..<columns { scalars[c * rows + r] = matrix.scalars[r * columns + c] } }
        return Tensor(shape: [columns, rows], scalars: scalars)
    }

    /// `constant` broadcast (numpy's rules, the batch axis dropped) onto a sample of `shape`.
    static func broadcast(_ constant: Tensor, to shape: [Int]) -> Tensor? {
        var dims = constant.shape
        while dims.count > shape.count, dims.first == 1 { dims.removeFirst() }
        guard dims.count <= shape.count else { return nil }
        dims = [Int](repeating: 1, count: shape.count - dims.count) + dims
        guard zip(dims, shape).allSatisfy({ $0 == $1 || $0 == 1 }) else { return nil }
        let count = shape.reduce(1, *)
        var scalars = [Float](repeating: 0, count: count)
        var index = [Int](repeating: 0, count: shape.count)
        for flat in 0..<count {
            var rest = flat
            for axis in shape.indices.reversed() {
                index[axis] = rest % shape[axis]
                rest /= shape[axis]
            }
            var source = 0
            for axis in shape.indices { source = source * dims[axis] + (dims[axis] == 1 ? 0 : index[axis]) }
            scalars[flat] = constant.scalars[source]
        }
        return Tensor(shape: shape, scalars: scalars)
    }
}

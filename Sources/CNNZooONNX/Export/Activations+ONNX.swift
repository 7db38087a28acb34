import CNNZoo

extension ReLU: ONNXExportable {
    public func exportONNX(to graph: inout ONNXGraphBuilder, name: String, inputs: [String], output: String) throws {
        graph.addNode("Relu", inputs: inputs, output: output, name: name)
    }
}

extension LeakyReLU: ONNXExportable {
    public func exportONNX(to graph: inout ONNXGraphBuilder, name: String, inputs: [String], output: String) throws {
        graph.addNode("LeakyRelu", inputs: inputs, output: output, name: name, attributes: ["alpha": .float(slope)])
    }
}

extension Sigmoid: ONNXExportable {
    public func exportONNX(to graph: inout ONNXGraphBuilder, name: String, inputs: [String], output: String) throws {
        graph.addNode("Sigmoid", inputs: inputs, output: output, name: name)
    }
}

extension Tanh: ONNXExportable {
    public func exportONNX(to graph: inout ONNXGraphBuilder, name: String, inputs: [String], output: String) throws {
        graph.addNode("Tanh", inputs: inputs, output: output, name: name)
    }
}

extension Softmax: ONNXExportable {
    /// `Softmax` over each sample's values: over axis 1 of a flat sample, or of the sample
    /// flattened and then given its shape back.
    public func exportONNX(to graph: inout ONNXGraphBuilder, name: String, inputs: [String], output: String) throws {
        guard outputShape.count > 1 else {
            graph.addNode("Softmax", inputs: inputs, output: output, name: name, attributes: ["axis": .int(1)])
            return
        }
        let flat = graph.value("\(name).flat"), normalised = graph.value("\(name).flat_softmax")
        graph.addNode("Flatten", inputs: inputs, output: flat, name: "\(name).flatten", attributes: ["axis": .int(1)])
        graph.addNode("Softmax", inputs: [flat], output: normalised, name: name, attributes: ["axis": .int(1)])
        let shape = graph.addInitializer("\(name).shape", int64s: [-1] + outputShape, dims: [outputShape.count + 1])
        graph.addNode("Reshape", inputs: [normalised, shape], output: output, name: "\(name).reshape")
    }
}

extension Dropout: ONNXExportable {
    /// Inference form: the identity.
    public func exportONNX(to graph: inout ONNXGraphBuilder, name: String, inputs: [String], output: String) throws {
        graph.addNode("Identity", inputs: inputs, output: output, name: name)
    }
}

import CNNZoo

extension Flatten: ONNXExportable {
    public func exportONNX(to graph: inout ONNXGraphBuilder, name: String, inputs: [String], output: String) throws {
        graph.addNode("Flatten", inputs: inputs, output: output, name: name, attributes: ["axis": .int(1)])
    }
}

extension Reshape: ONNXExportable {
    /// `Reshape` to [-1] + the resolved sample shape: the batch stays symbolic.
    public func exportONNX(to graph: inout ONNXGraphBuilder, name: String, inputs: [String], output: String) throws {
        let shape = graph.addInitializer("\(name).shape", int64s: [-1] + outputShape, dims: [outputShape.count + 1])
        graph.addNode("Reshape", inputs: [inputs[0], shape], output: output, name: name)
    }
}

extension Add: ONNXExportable {
    /// `Add` of two inputs, `Sum` of more.
    public func exportONNX(to graph: inout ONNXGraphBuilder, name: String, inputs: [String], output: String) throws {
        graph.addNode(inputs.count == 2 ? "Add" : "Sum", inputs: inputs, output: output, name: name)
    }
}

extension Concat: ONNXExportable {
    /// `Concat` along the channels, axis 1.
    public func exportONNX(to graph: inout ONNXGraphBuilder, name: String, inputs: [String], output: String) throws {
        graph.addNode("Concat", inputs: inputs, output: output, name: name, attributes: ["axis": .int(1)])
    }
}

extension Normalize: ONNXExportable {
    /// `Sub` of the channel means, then `Div` by the standard deviations, each [C, 1, 1].
    public func exportONNX(to graph: inout ONNXGraphBuilder, name: String, inputs: [String], output: String) throws {
        let dims = outputShape.count == 3 ? [mean.count, 1, 1] : [mean.count]
        let centred = graph.value("\(name).centred")
        graph.addNode("Sub", inputs: [inputs[0], graph.addInitializer("\(name).mean", Tensor(shape: dims, scalars: mean))],
                      output: centred, name: name)
        graph.addNode("Div", inputs: [centred, graph.addInitializer("\(name).std", Tensor(shape: dims, scalars: std))],
                      output: output, name: "\(name).div")
    }
}

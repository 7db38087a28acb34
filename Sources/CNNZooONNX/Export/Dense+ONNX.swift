import CNNZoo

extension Dense: ONNXExportable {
    /// `Gemm` with W [units, inputs] transposed, as PyTorch's `Linear` exports.
    public func exportONNX(to graph: inout ONNXGraphBuilder, name: String, inputs: [String], output: String) throws {
        var operands = [inputs[0], graph.addInitializer("\(name).weight", weight.value)]
        if let bias { operands.append(graph.addInitializer("\(name).bias", bias.value)) }
        graph.addNode("Gemm", inputs: operands, output: output, name: name,
                      attributes: ["transB": .int(1), "alpha": .float(1), "beta": .float(1)])
    }
}

extension PositionBias: ONNXExportable {
    /// An `Add` of the per-position bias, which broadcasts over the batch.
    public func exportONNX(to graph: inout ONNXGraphBuilder, name: String, inputs: [String], output: String) throws {
        graph.addNode("Add", inputs: [inputs[0], graph.addInitializer("\(name).bias", bias.value)], output: output, name: name)
    }
}

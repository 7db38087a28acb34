import CNNZoo

extension BatchNorm2D: ONNXExportable {
    /// `BatchNormalization` with the running statistics, as in evaluation. ONNX's momentum weighs
    /// the running value, PyTorch's (and ours) the batch's: ONNX's is 1 − ours.
    public func exportONNX(to graph: inout ONNXGraphBuilder, name: String, inputs: [String], output: String) throws {
        let operands = [inputs[0], graph.addInitializer("\(name).weight", weight.value), graph.addInitializer("\(name).bias", bias.value),
                        graph.addInitializer("\(name).running_mean", runningMean.value),
                        graph.addInitializer("\(name).running_var", runningVariance.value)]
        graph.addNode("BatchNormalization", inputs: operands, output: output, name: name,
                      attributes: ["epsilon": .float(epsilon), "momentum": .float(1 - rate)])
    }
}

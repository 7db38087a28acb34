import CNNZoo

extension MaxPool2D: ONNXExportable {
    /// `MaxPool`. cnn-zoo pads a max-pool with zeros, as the seeds do, where ONNX's pads are −∞: a
    /// padded pool is an explicit zero `Pad` and then an unpadded `MaxPool`, exact for any input.
    public func exportONNX(to graph: inout ONNXGraphBuilder, name: String, inputs: [String], output: String) throws {
        var source = inputs[0]
        let padding = window.padding
        if padding != Padding(top: 0, bottom: 0, left: 0, right: 0) {
            let pads = graph.addInitializer("\(name).pads", int64s: [0, 0, padding.top, padding.left, 0, 0, padding.bottom, padding.right], dims: [8])
            let padded = graph.value("\(name).padded")
            graph.addNode("Pad", inputs: [source, pads], output: padded, name: "\(name).pad", attributes: ["mode": .string("constant")])
            source = padded
        }
        graph.addNode("MaxPool", inputs: [source], output: output, name: name,
                      attributes: ["kernel_shape": .ints([window.kernelHeight, window.kernelWidth]),
                                   "strides": .ints([window.strideHeight, window.strideWidth])])
    }
}

extension AvgPool2D: ONNXExportable {
    /// `AveragePool`, counting the padding in the divisor or not as the layer does.
    public func exportONNX(to graph: inout ONNXGraphBuilder, name: String, inputs: [String], output: String) throws {
        var attributes = window.onnxAttributes
        attributes["count_include_pad"] = .int(countsPadding ? 1 : 0)
        graph.addNode("AveragePool", inputs: inputs, output: output, name: name, attributes: attributes)
    }
}

extension GlobalAvgPool: ONNXExportable {
    /// `GlobalAveragePool` leaves [N, C, 1, 1]; a `Flatten` makes it the layer's [N, C].
    public func exportONNX(to graph: inout ONNXGraphBuilder, name: String, inputs: [String], output: String) throws {
        let pooled = graph.value("\(name).pooled")
        graph.addNode("GlobalAveragePool", inputs: inputs, output: pooled, name: name)
        graph.addNode("Flatten", inputs: [pooled], output: output, name: "\(name).flatten", attributes: ["axis": .int(1)])
    }
}

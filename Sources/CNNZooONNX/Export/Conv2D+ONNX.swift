import CNNZoo

extension SlidingWindow {
    /// The window's attributes as ONNX writes them; ONNX orders pads [top, left, bottom, right].
    var onnxAttributes: [String: ONNXAttribute] {
        ["kernel_shape": .ints([kernelHeight, kernelWidth]), "strides": .ints([strideHeight, strideWidth]),
         "pads": .ints([padding.top, padding.left, padding.bottom, padding.right])]
    }
}

extension Conv2D: ONNXExportable {
    /// `Conv` with its groups, W [O, C/G, kh, kw] and the bias [O] as initializers.
    public func exportONNX(to graph: inout ONNXGraphBuilder, name: String, inputs: [String], output: String) throws {
        var operands = [inputs[0], graph.addInitializer("\(name).weight", weight.value)]
        if let bias { operands.append(graph.addInitializer("\(name).bias", bias.value)) }
        var attributes = window.onnxAttributes
        attributes["group"] = .int(groups)
        attributes["dilations"] = .ints([1, 1])
        graph.addNode("Conv", inputs: operands, output: output, name: name, attributes: attributes)
    }
}

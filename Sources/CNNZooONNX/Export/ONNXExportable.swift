import CNNZoo

/// A layer that writes itself into an ONNX graph: the nodes that compute, in inference form, what
/// its forward pass computes in evaluation mode. Every built-in layer conforms; a plugin's layer
/// conforms the same way to be exported (see `Tools/groupnorm-plugin`), and a layer that does not
/// makes `cnn-zoo export` fail in one line naming its kind and plugin.
public protocol ONNXExportable {
    /// Adds the nodes taking `inputs` (one value name per input of the layer, each of shape
    /// `[N] + the input shape`) to the value `output`; `name` is the layer's name, the prefix of
    /// its weights' names (`conv1.weight`) and of the nodes'.
    func exportONNX(to graph: inout ONNXGraphBuilder, name: String, inputs: [String], output: String) throws
}

/// Why a model could not be exported.
public struct ONNXExportError: Error, Equatable, CustomStringConvertible {
    public let description: String

    public init(_ description: String) {
        self.description = description
    }
}

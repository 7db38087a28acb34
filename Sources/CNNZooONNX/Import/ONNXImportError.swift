/// Why an ONNX file could not be imported; the text names the node, the op and the opset where
/// one is to blame.
public struct ONNXImportError: Error, Equatable, CustomStringConvertible {
    public let description: String

    public init(_ description: String) {
        self.description = description
    }
}

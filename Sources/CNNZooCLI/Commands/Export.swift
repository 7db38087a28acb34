import ArgumentParser
import CNNZoo
import CNNZooCheckpoint
import CNNZooONNX
import Foundation

struct Export: RegistryCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a model as an ONNX file, for onnxruntime, OpenVINO, TensorRT or a browser.",
        discussion: """
            The model — chain or graph — in inference form: weights as initializers, batch \
            normalisation with its running statistics, dropout as the identity. One input, \
            'input' [N, C, H, W] with a symbolic batch N; one output, 'probabilities' (the loss's \
            softmax or sigmoid appended), or 'logits' with --logits. The file passes \
            onnx.checker.check_model(..., full_check=True).

            The target is a checkpoint, or a zoo entry or spec: its default checkpoint \
            checkpoints/<name>.h5 when there is one, else the untrained model with weights drawn \
            from --seed.

            Examples:
              cnn-zoo export checkpoints/mnist-resnet.h5 --onnx mnist-resnet.onnx
              cnn-zoo export mnist-small --onnx small.onnx --opset 13 --logits
              python3 -c "import onnxruntime as ort; print(ort.InferenceSession('small.onnx').get_inputs()[0].shape)"
            """)

    @Argument(help: "A checkpoint path, or a zoo entry or spec .json.")
    var target: String

    @Option(help: ArgumentHelp("The ONNX file to write.", valueName: "file"))
    var onnx: String

    @Option(help: ArgumentHelp("The ONNX opset, \(ONNXExporter.opsets.lowerBound)…\(ONNXExporter.opsets.upperBound).", valueName: "n"))
    var opset = ONNXExporter.defaultOpset

    @Flag(help: "Output the last layer's raw scores instead of probabilities.")
    var logits = false

    @Option(help: ArgumentHelp("For an untrained model: the seed its weights are drawn with.", valueName: "n"))
    var seed: UInt64 = 1

    @OptionGroup(title: "Plugins")
    var pluginOptions: PluginOptions

    func validate() throws {
        guard ONNXExporter.opsets.contains(opset) else {
            throw ValidationError("--opset \(opset) is not supported; choose \(ONNXExporter.opsets.lowerBound)…\(ONNXExporter.opsets.upperBound)")
        }
    }

    func run(with registry: Registry) throws {
        let model = try Self.model(target, seed: seed, registry: registry)
        let exporter = ONNXExporter(opset: opset, keepsLogits: logits, producerVersion: Version.current)
        let bytes: Data
        do { bytes = try exporter.export(model, registry: registry) } catch let error as ONNXExportError { throw RuntimeError("\(target): \(error)") }
        try AtomicFile.write(bytes, to: onnx)
        Console.notice("wrote \(onnx): \(model.spec.name), opset \(opset), \(Format.grouped(model.parameterCount)) parameters, \(Format.grouped(bytes.count)) bytes")
    }

    /// The model a target names: a checkpoint's, or a spec's with fresh weights.
    static func model(_ target: String, seed: UInt64, registry: Registry) throws -> Model {
        let isFile = FileManager.default.fileExists(atPath: target)
        if target.hasSuffix(".h5") || (isFile && !target.hasSuffix(".json")) {
            return try CheckpointLoader.read(target, registry: registry).makeModel(registry: registry)
        }
        if !target.hasSuffix(".json"), FileManager.default.fileExists(atPath: "checkpoints/\(target).h5") {
            Console.notice("exporting checkpoints/\(target).h5")
            return try CheckpointLoader.read("checkpoints/\(target).h5", registry: registry).makeModel(registry: registry)
        }
        let spec = try resolveSpec(target, registry: registry).spec
        Console.notice("\(target) has no checkpoint: exporting the untrained model (weights drawn with seed \(seed))")
        let model: Model
        do { model = try Model(spec: spec, registry: registry) } catch let error as ModelError { throw UsageError(error.description, pointsAtHelp: false) }
        model.initializeParameters(seed: seed)
        return model
    }
}

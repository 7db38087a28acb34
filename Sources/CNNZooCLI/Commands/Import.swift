import ArgumentParser
import CNNZoo
import CNNZooCheckpoint
import CNNZooONNX
import Foundation

struct Import: RegistryCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Turn an ONNX CNN (as torch.onnx.export writes one) into a cnn-zoo spec and checkpoint.",
        discussion: """
            Reads Conv (with groups), MaxPool, AveragePool, GlobalAveragePool, BatchNormalization, \
            Gemm, MatMul, Relu, LeakyRelu, Sigmoid, Tanh, Softmax, Flatten, Reshape, Add, Sum, \
            Concat, Pad, Identity, Dropout and Constant nodes, opsets \(ONNXExporter.opsets.lowerBound)–\(ONNXExporter.opsets.upperBound), weights as \
            initializers or Constant nodes, one float image input of static size. Anything else \
            is refused in one line naming the node, the op and the opset.

            Writes <out>/<name>.json (the spec) and <out>/<name>.h5 (a checkpoint of the \
            weights, before any training step). A final Softmax becomes the cross-entropy \
            loss's activation.

            Examples:
              cnn-zoo import resnet.onnx --out imported
              cnn-zoo eval imported/resnet.h5 --data ~/fashion-mnist
              cnn-zoo train imported/resnet.json --weights imported/resnet.h5 --epochs 2   fine-tune
            """)

    @Argument(help: "The ONNX file.")
    var file: String

    @Option(help: ArgumentHelp("The spec's name (default: the file's name).", valueName: "name"))
    var name: String?

    @Option(help: ArgumentHelp("The folder to write the spec and the checkpoint into.", valueName: "dir"))
    var out = "."

    @OptionGroup(title: "Plugins")
    var pluginOptions: PluginOptions

    func validate() throws {
        if let name, !LayerName.isValid(name) { throw ValidationError("--name '\(name)' must be 1–64 letters, digits, '_' or '-'") }
    }

    func run(with registry: Registry) throws {
        guard FileManager.default.fileExists(atPath: file) else { throw UsageError("\(file): no such file") }
        let imported: ONNXImporter.Result
        do {
            imported = try ONNXImporter(registry: registry).read(contentsOf: file, name: name.map { $0 } ?? Self.defaultName(file))
        } catch let error as ONNXImportError {
            throw UsageError("\(file): \(error)", pointsAtHelp: false)
        }
        var spec = imported.spec
        if let name { spec.name = name }
        let model: Model
        do { model = try Model(spec: spec, registry: registry) } catch let error as ModelError {
            throw UsageError("\(file): the imported graph does not build: \(error.description)", pointsAtHelp: false)
        }
        let checkpoint = try Self.checkpoint(of: model, weights: imported.weights, registry: registry)
        try AtomicFile.prepareFolder(out, for: "--out")
        let base = (out as NSString).appendingPathComponent(spec.name)
        try AtomicFile.write(spec.entryJSON(), to: base + ".json")
        do { try checkpoint.write(to: base + ".h5") } catch let error as HDF5Error { throw RuntimeError("\(base).h5: \(error.description)") }
        for note in imported.notes { Console.notice(note) }
        Console.notice("wrote \(base).json and \(base).h5: \(spec.name), \(spec.layers.count) layers, \(Format.grouped(model.parameterCount)) parameters")
    }

    /// A name the registry accepts, made from the file's.
    static func defaultName(_ file: String) -> String {
        let base = URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent
        let cleaned = String(base.map { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") ? $0 : "_" }.prefix(64))
        return cleaned.isEmpty ? "imported" : cleaned
    }

    /// A checkpoint before any step: the imported weights, the spec's optimizer untouched.
    static func checkpoint(of model: Model, weights: [String: Tensor], registry: Registry) throws -> Checkpoint {
        var parameters: [(path: String, value: Tensor)] = [], buffers: [(path: String, value: Tensor)] = []
        for (path, parameter) in model.namedParameters {
            guard let value = weights[path] else { throw RuntimeError("the import gave no \(path)") }
            parameters.append((path, value))
            parameter.value = value
        }
        for (path, buffer) in model.namedBuffers {
            guard let value = weights[path] else { throw RuntimeError("the import gave no \(path)") }
            buffers.append((path, value))
            buffer.value = value
        }
        let spec = model.spec
        let optimizer = try registry.optimizers.makeOptimizer(spec.training.optimizer)
        let run = RunSettings(totalEpochs: spec.training.epochs, batchSize: spec.training.batchSize, schedule: spec.training.schedule,
                              dataset: spec.training.dataset ?? "", dataDirectory: "")
        return Checkpoint(spec: spec, parameters: parameters, buffers: buffers, optimizer: optimizer, optimizerState: OptimizerState(),
                          training: TrainingState(seed: 1), run: run, writer: "\(Version.writer) import",
                          plugins: PluginNeed.needs(of: spec, optimizer: optimizer.kind, in: registry))
    }
}

import ArgumentParser
import CNNZoo
import CNNZooCheckpoint
import CNNZooData
import Foundation

struct Eval: RegistryCommand {
    static let configuration = CommandConfiguration(
        abstract: "Evaluate a trained model: accuracy, per-class accuracy and the confusion matrix.",
        discussion: """
            The target is a checkpoint file, or a model name meaning its default checkpoint \
            checkpoints/<name>.h5. The test set is the one the run trained with, unless --dataset or \
            --data picks another.

            Examples:
              cnn-zoo eval checkpoints/mnist-small.h5
              cnn-zoo eval mnist-small --json
            """)

    @Argument(help: "A checkpoint path, or a model name (its checkpoints/<name>.h5).")
    var target: String

    @OptionGroup(title: "Data")
    var data: DataOptions

    @Flag(help: "Print JSON.")
    var json = false

    @Option(help: ArgumentHelp("Also write every test image's class probabilities, [images, classes] float32, as a NumPy .npy file (as 'cnn-zoo export' outputs them).", valueName: "file"))
    var outputs: String?

    @Flag(help: "With --outputs: write the raw scores (logits), not probabilities.")
    var logits = false

    @OptionGroup(title: "Compute")
    var compute: ComputeOptions

    @OptionGroup(title: "Plugins")
    var pluginOptions: PluginOptions

    func run(with registry: Registry) throws {
        compute.apply()
        let path = try Self.checkpointPath(for: target, registry: registry)
        let saved = try CheckpointLoader.read(path, registry: registry)
        let (prepared, classes) = try data.testData(for: saved, quiet: json)
        guard prepared.classCount <= saved.spec.classes else {
            throw RuntimeError("\(prepared.name) has \(prepared.classCount) classes but \(path) scores \(saved.spec.classes)")
        }
        if let recorded = DataFingerprint(saved.run.testFingerprint), let difference = recorded.difference(from: DataFingerprint(prepared.test)), !json {
            Console.notice("this test set is not the one \(path) was tested on during training: \(difference)")
        }
        let run = try DataOptions.reading(saved, from: path, registry: registry, data: prepared)
        let model = run.trainer.model
        let evaluation: Evaluation
        do { evaluation = try run.evaluate() } catch { throw RuntimeError("\(path): \(error)") }
        let names = ClassNames.names(for: saved, dataset: prepared.name, classes: classes) ?? (0..<model.spec.classes).map(String.init)
        if let outputs { try AtomicFile.write(NumPyFile.data(try Self.outputs(of: model, on: run.data.test, logits: logits)), to: outputs) }
        if json {
            Console.json(Report(checkpoint: path, model: model.spec.name, dataset: prepared.name, images: evaluation.count,
                                accuracy: evaluation.accuracy, loss: evaluation.meanLoss, classNames: names,
                                classAccuracy: evaluation.classAccuracies, confusion: evaluation.confusion))
            return
        }
        print("\(model.spec.name) from \(path), \(Format.grouped(evaluation.count)) test images of \(prepared.name)")
        print(String(format: "accuracy %@   mean loss %.4f\n", Format.percent(evaluation.accuracy), evaluation.meanLoss))
        var perClass = Table([("CLASS", .right), ("NAME", .left), ("IMAGES", .right), ("ACCURACY", .right)])
        for (k, accuracy) in evaluation.classAccuracies.enumerated() {
            perClass.add([String(k), k < names.count ? names[k] : "", Format.grouped(evaluation.confusion[k].reduce(0, +)),
                          accuracy.map(Format.percent) ?? "–"])
        }
        print(perClass.render())
        print("\nconfusion matrix (rows: true class, columns: predicted)")
        var matrix = Table([("", .right)] + (0..<model.spec.classes).map { (String($0), .right) })
        for (k, row) in evaluation.confusion.enumerated() { matrix.add([String(k)] + row.map(String.init)) }
        print(matrix.render())
    }

    /// A checkpoint path as given, or a model name's default checkpoint.
    static func checkpointPath(for target: String, registry: Registry) throws -> String {
        if FileManager.default.fileExists(atPath: target) || target.hasSuffix(".h5") || target.contains("/") { return target }
        let path = "checkpoints/\(target).h5"
        guard FileManager.default.fileExists(atPath: path) else {
            _ = try resolveSpec(target, registry: registry)  // an unknown name is a usage error with a suggestion
            throw RuntimeError("no checkpoint for \(target) at \(path); train it first with: cnn-zoo train \(target)")
        }
        return path
    }

    /// The model's outputs on every image of `test`, in order, with the loss's activation unless `logits`.
    static func outputs(of model: Model, on test: LabeledImages, logits: Bool) throws -> Tensor {
        let activation = logits ? OutputActivation.identity : OutputActivation(loss: model.spec.loss)
        var scalars: [Float] = []
        scalars.reserveCapacity(test.count * model.spec.classes)
        let indices = Array(0..<test.count)
        for start in stride(from: 0, to: test.count, by: 256) {
            let (images, _) = test.batch(indices[start ..< min(start + 256, test.count)])
            scalars += activation.apply(try model.predict(images)).scalars
        }
        return Tensor(shape: [test.count, model.spec.classes], scalars: scalars)
    }

    struct Report: Encodable {
        let checkpoint: String
        let model: String
        let dataset: String
        let images: Int
        let accuracy: Double
        let loss: Double
        let classNames: [String]
        let classAccuracy: [Double?]
        let confusion: [[Int]]
        enum CodingKeys: String, CodingKey {
            case checkpoint, model, dataset, images, accuracy, loss, confusion
            case classNames = "class_names"
            case classAccuracy = "class_accuracy"
        }
    }
}

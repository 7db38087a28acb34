import ArgumentParser
import CNNZoo
import CNNZooCheckpoint
import CNNZooPlots
import Foundation

struct Plot: RegistryCommand {
    static let configuration = CommandConfiguration(
        abstract: "Draw a checkpoint: training curves, confusion matrix, filters, feature maps, and an HTML report.",
        discussion: """
            Writes five files into the output folder (default: beside the checkpoint, in <name>-plots/):
              curves.svg        the loss of every step (raw and smoothed) and per epoch, train and test
                                accuracy per epoch, and the learning rate over the run
              confusion.svg     the test-set confusion matrix as a heat map, with per-class accuracy
              filters.svg       every convolution layer's kernels as grey tiles (input channels averaged)
              activations.svg   one test image (--image N) after each convolution and pooling layer,
                                and the predicted class probabilities
              report.html       one self-contained page: layer table, settings, history, per-class
                                accuracy and the four pictures (no scripts, nothing fetched)
            The curves come from the checkpoint alone; the confusion matrix and the feature maps need
            the test set the run trained with (or --data / --dataset). Each file is written whole or
            not at all. 'cnn-zoo train ... --plot DIR' keeps DIR/curves.svg up to date during a run.

            Examples:
              cnn-zoo plot checkpoints/mnist-16-32-64.h5
              cnn-zoo plot checkpoints/mnist-small.h5 --out pictures --image 7
            """)

    @Argument(help: "A checkpoint path, or a model name (its checkpoints/<name>.h5).")
    var target: String

    @Option(help: ArgumentHelp("The folder to write into (default: <checkpoint>-plots beside it).", valueName: "dir"))
    var out: String?

    @Option(help: ArgumentHelp("Which test image to follow through the network.", valueName: "n"))
    var image: Int = 0

    @OptionGroup(title: "Data")
    var data: DataOptions

    @OptionGroup(title: "Compute")
    var compute: ComputeOptions

    func validate() throws {
        if image < 0 { throw ValidationError("--image must be 0 or more, got \(image)") }
    }

    @OptionGroup(title: "Plugins")
    var pluginOptions: PluginOptions

    func run(with registry: Registry) throws {
        compute.apply()
        let path = try Eval.checkpointPath(for: target, registry: registry)
        let saved = try CheckpointLoader.read(path, registry: registry)
        let folder = out ?? (path.hasSuffix(".h5") ? String(path.dropLast(3)) : path) + "-plots"
        let curves = Self.curves(spec: saved.spec, state: saved.training, run: saved.run, optimizer: saved.optimizer,
                                 stepsPerEpoch: saved.training.epoch > 0 ? (saved.training.globalStep - saved.training.batchInEpoch) / saved.training.epoch : nil)
        // A checkpoint before any step (an import) has no curves to draw; the rest still is.
        if curves.isEmpty { Console.notice("\(path): no training step has been taken yet, so there are no training curves; drawing the rest") }

        let (prepared, classes) = try data.testData(for: saved, quiet: true)
        guard prepared.test.count > 0 else {
            throw RuntimeError("\(prepared.directory) has no test images; the confusion matrix and the feature maps need them")
        }
        guard image < prepared.test.count else {
            throw UsageError("--image \(image) is out of range: the test set of \(prepared.name) has \(Format.grouped(prepared.test.count)) images (0–\(prepared.test.count - 1))")
        }
        try AtomicFile.prepareFolder(folder, for: "--out")

        let run = try DataOptions.reading(saved, from: path, registry: registry, data: prepared)
        let model = run.trainer.model
        let evaluation: Evaluation
        do { evaluation = try run.evaluate() } catch { throw RuntimeError("\(path): \(error)") }
        let names = ClassNames.names(for: saved, dataset: prepared.name, classes: classes) ?? (0..<model.spec.classes).map(String.init)
        let confusion = ConfusionMatrixPicture(confusion: evaluation.confusion, classNames: names,
                                               title: "\(model.spec.name) — confusion matrix on \(prepared.name)")
        let filters = FilterGrid(model: model.spec.name, layers: model.layers.compactMap { name, layer in
            layer.parameters.first { $0.name == "weight" && $0.shape.count == 4 }.map { (name, $0.value) }
        })
        let activations = try Self.activations(model: model, data: prepared.test, index: image, classNames: names)

        let pictures: [(file: String, caption: String, svg: SVGDocument)] = (curves.isEmpty ? [] : [("curves.svg", "Training curves", curves.render())]) + [
            ("confusion.svg", "Confusion matrix on the test set", confusion.render()),
            ("filters.svg", "Learned convolution filters", filters.render()),
            ("activations.svg", "Test image \(image) through the network", activations.render()),
        ]
        let report = Report(
            title: "\(model.spec.name): \(model.spec.summary)",
            subtitle: "\(path), written by \(saved.writer) (checkpoint format \(saved.fileVersion)); test accuracy "
                + "\(Format.percent(evaluation.accuracy)) on \(Format.grouped(evaluation.count)) images of \(prepared.name)",
            layers: Show.rows(model).map {
                Report.LayerRow(name: $0.name, kind: $0.kind, output: Format.shape($0.outputShape), parameters: $0.parameters,
                                multiplyAdds: $0.multiplyAdds)
            },
            settings: Self.settings(saved), history: saved.training.history,
            classes: evaluation.classAccuracies.enumerated().map { k, accuracy in
                (k < names.count ? names[k] : String(k), evaluation.confusion[k].reduce(0, +), accuracy)
            },
            pictures: pictures.map { ($0.caption, $0.svg) })

        for picture in pictures {
            try AtomicFile.write(picture.svg.render(), to: (folder as NSString).appendingPathComponent(picture.file))
        }
        try AtomicFile.write(report.render(), to: (folder as NSString).appendingPathComponent("report.html"))
        print("wrote \(pictures.map(\.file).joined(separator: ", ")) and report.html to \(folder)")
    }

    /// The training curves of a run, from the checkpoint or a live trainer.
    static func curves(spec: ModelSpec, state: TrainingState, run: RunSettings, optimizer: any Optimizer, stepsPerEpoch: Int?) -> TrainingCurves {
        TrainingCurves(model: spec.name, state: state, stepsPerEpoch: stepsPerEpoch, totalEpochs: run.totalEpochs) { progress in
            run.schedule.rate(base: optimizer.learningRate, progress: progress, totalEpochs: run.totalEpochs)
        }
    }

    /// Test image `index` through the model, kept after every layer whose output is spatial
    /// ([channels, height, width]) and differs from its input's: convolutions, pools, merges and
    /// plugin layers alike, whatever their kind is called.
    static func activations(model: Model, data: LabeledImages, index: Int, classNames: [String]) throws -> ActivationMaps {
        let (batch, labels) = data.batch([index][...])
        var stages: [ActivationMaps.Stage] = []
        let activation = try model.forward(batch) { layer, output in
            let kind = model.spec.layers[layer].kind
            // An element-wise layer (an activation, a bias) keeps the picture of the layer before it.
            let elementWise = model.layers[layer].layer is any SampleWiseLayer
            if output.shape.count == 4, !elementWise {
                stages.append(.init(name: model.layers[layer].name, kind: kind, output: output.reshaped(Array(output.shape.dropFirst()))))
            }
        }
        let scores = activation.scalars.map(Double.init)
        let probabilities: [Double]
        switch (model.spec.loss.kind, model.spec.loss.fromLogits) {
        case ("cross_entropy", true):
            let top = scores.max() ?? 0
            let exps = scores.map { exp($0 - top) }
            probabilities = exps.map { $0 / exps.reduce(0, +) }
        case ("binary_cross_entropy", true):
            probabilities = scores.map { 1 / (1 + exp(-$0)) }
        default:
            probabilities = scores.map { min(max($0, 0), 1) }
        }
        return ActivationMaps(model: model.spec.name, image: batch.reshaped(Array(batch.shape.dropFirst())), imageIndex: index,
                              trueLabel: labels[0], stages: stages, probabilities: probabilities, classNames: classNames)
    }

    /// The run's settings as the report lists them.
    static func settings(_ saved: Checkpoint) -> [(String, String)] {
        let run = saved.run, training = saved.training
        return [
            ("model", "\(saved.spec.name) (\(saved.spec.origin))"),
            ("loss", saved.spec.loss.kind + (saved.spec.loss.fromLogits ? " (from logits)" : "")),
            ("optimizer", saved.optimizer.summaryLine),
            ("schedule", Show.describe(run.schedule)),
            ("epochs", "\(training.epoch) finished of \(run.totalEpochs)" + (training.batchInEpoch > 0 ? ", \(training.batchInEpoch) steps into the next" : "")),
            ("batch size", String(run.batchSize)),
            ("steps", String(training.globalStep)),
            ("data", "\(run.dataset) (\(run.dataDirectory))" + (run.classes.isEmpty ? "" : ", classes \(run.classes.map(String.init).joined(separator: ","))")
                + (run.limit > 0 ? ", limit \(run.limit)" : "")),
            ("seed", String(training.seed)),
            ("threads", run.threads == 0 ? "not recorded" : String(run.threads)),
        ]
    }
}

import ArgumentParser
import CNNZoo
import CNNZooCheckpoint
import CNNZooTraining
import Foundation

struct Train: RegistryCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train a zoo model, saving a checkpoint after every epoch.",
        discussion: """
            Every hyperparameter defaults to the model's own (see 'cnn-zoo show NAME'). --optimizer \
            picks another optimizer (sgd, adam, adamw), starting from that optimizer's defaults; the \
            options that follow set its settings, and an option the optimizer does not take is an \
            error. The checkpoint holds the weights, the optimizer's whole state and the exact \
            training state; --resume continues a run bit for bit, from an epoch boundary or \
            mid-epoch. Ctrl-C stops after the current step and saves.

            Examples:
              cnn-zoo train mnist-small
              cnn-zoo train mnist-16-32-64 --epochs 5 --lr 0.01 --momentum 0.9
              cnn-zoo train mnist-16-32-64 --optimizer adam --lr 1e-3 --betas 0.9,0.999
              cnn-zoo train mnist-small --classes 0,1 --limit 200        seed 001's two-class set-up
              cnn-zoo train my-model.json --data ~/datasets/mnist
              cnn-zoo train mnist-small --checkpoint run.h5 --save-every 200
              cnn-zoo train --resume run.h5 --epochs 10                   continue to 10 epochs
              cnn-zoo train mnist-16-32-64 --plot pictures                 pictures/curves.svg after every epoch
            """)

    @Argument(help: "A zoo model name or the path of a spec .json (omit with --resume).")
    var model: String?

    @Option(help: "Epochs to train (with --resume: the total to reach).")
    var epochs: Int?

    @Option(help: "Images per batch.")
    var batchSize: Int?

    @Option(help: ArgumentHelp("The optimizer: sgd, adam or adamw (default: the model's).", valueName: "kind"))
    var optimizer: String?

    @Option(help: "Learning rate.")
    var lr: Double?

    @Option(help: "SGD momentum in [0, 1).")
    var momentum: Double?

    @Option(help: ArgumentHelp("Adam/AdamW β₁,β₂ in [0, 1), e.g. 0.9,0.999.", valueName: "b1,b2"))
    var betas: String?

    @Option(help: "Adam/AdamW ε added to the denominator.")
    var eps: Double?

    @Option(help: "Weight decay (SGD and Adam: L2 added to the gradient; AdamW: decoupled).")
    var weightDecay: Double?

    @Flag(help: "SGD: use Nesterov momentum.")
    var nesterov = false

    @Flag(help: "Adam/AdamW: use AMSGrad.")
    var amsgrad = false

    @Option(help: "Seed for the initial weights, the shuffles and dropout.")
    var seed: UInt64 = 1

    @OptionGroup(title: "Data")
    var data: DataOptions

    @Option(help: ArgumentHelp("Where to save the checkpoint (default: checkpoints/<model>.h5).", valueName: "path"))
    var checkpoint: String?

    @Flag(help: "Do not save checkpoints.")
    var noCheckpoint = false

    @Option(help: ArgumentHelp("Also save every N steps (mid-epoch).", valueName: "n"))
    var saveEvery: Int?

    @Option(help: ArgumentHelp("Continue the run saved in this checkpoint.", valueName: "path"))
    var resume: String?

    @Flag(help: "With --resume: continue even if the data is not what the run trained on (the checkpoint records it).")
    var allowOtherData = false

    @Option(help: ArgumentHelp("Start from this checkpoint's weights (fine-tuning, as after 'cnn-zoo import'): a new run with a fresh optimizer.", valueName: "path"))
    var weights: String?

    @Flag(help: "Print one JSON object per epoch instead of text.")
    var json = false

    @Option(help: ArgumentHelp("Keep DIR/curves.svg up to date: redrawn after every epoch (see 'cnn-zoo plot').", valueName: "dir"))
    var plot: String?

    @OptionGroup(title: "Compute")
    var compute: ComputeOptions

    @OptionGroup(title: "Compute")
    var chunking: ChunkOptions

    @OptionGroup(title: "Compute")
    var reduction: ReductionOptions

    func validate() throws {
        if model == nil && resume == nil { throw ValidationError("name a model to train, or --resume a checkpoint") }
        if model != nil && resume != nil { throw ValidationError("give a model or --resume, not both (the checkpoint holds its model)") }
        if weights != nil && resume != nil { throw ValidationError("--weights starts a new run; --resume continues one: give one of them") }
        if let epochs, epochs < 1 { throw ValidationError("--epochs must be at least 1, got \(epochs)") }
        if let batchSize, batchSize < 1 { throw ValidationError("--batch-size must be at least 1, got \(batchSize)") }
        if let batchSize, batchSize > 1 << 16 { throw ValidationError("--batch-size must be at most 65536, got \(batchSize)") }
        if let lr, !(lr > 0 && lr.isFinite) { throw ValidationError("--lr must be a positive number, got \(lr)") }
        if let momentum, !(momentum >= 0 && momentum < 1) { throw ValidationError("--momentum must be in [0, 1), got \(momentum)") }
        if let weightDecay, !(weightDecay >= 0 && weightDecay.isFinite) { throw ValidationError("--weight-decay must be ≥ 0, got \(weightDecay)") }
        if let betas { _ = try Self.parseBetas(betas) }
        if let eps, !(eps >= 0 && eps <= 1) { throw ValidationError("--eps must be between 0 and 1, got \(eps)") }
        if let saveEvery, saveEvery < 1 { throw ValidationError("--save-every must be at least 1, got \(saveEvery)") }
        if noCheckpoint && (checkpoint != nil || saveEvery != nil) {
            throw ValidationError("--no-checkpoint cannot be combined with --checkpoint or --save-every")
        }
        if resume != nil {
            let fixed: [(String, Bool)] = [("--batch-size", batchSize != nil), ("--optimizer", optimizer != nil), ("--lr", lr != nil),
                                           ("--momentum", momentum != nil), ("--betas", betas != nil), ("--eps", eps != nil),
                                           ("--weight-decay", weightDecay != nil), ("--nesterov", nesterov), ("--amsgrad", amsgrad),
                                           ("--classes", data.classes != nil), ("--limit", data.limit != nil),
                                           ("--chunks", chunking.chunks != nil)]
            if let (name, _) = fixed.first(where: \.1) {
                throw ValidationError("\(name) cannot change when resuming; the checkpoint fixes it so the run continues exactly")
            }
        }
    }

    @OptionGroup(title: "Plugins")
    var pluginOptions: PluginOptions

    func run(with registry: Registry) throws {
        let parallel = try DataParallelRun.start()
        try parallel.run { try train(registry: registry, parallel: parallel) }
    }

    /// The run itself, a ``TrainingRun`` set up from the options. Under mpirun every process
    /// trains its share of each batch (see ``DataParallelRun``); only the first prints, saves and draws.
    private func train(registry: Registry, parallel: DataParallelRun) throws {
        let run = try resume.map { try resumedRun($0, registry: registry, parallel: parallel) } ?? newRun(registry: registry, parallel: parallel)
        if let weights {
            let saved = try CheckpointLoader.read(weights, registry: registry)
            let stored = Dictionary((saved.parameters + saved.buffers).map { ($0.path, $0.value) }, uniquingKeysWith: { a, _ in a })
            do { try run.start(from: stored, source: weights) } catch let error as TrainingRunError { throw RuntimeError(error.description) }
            if !json { Console.notice("starting from the weights of \(weights), with a fresh \(run.trainer.optimizer.kind) optimizer") }
        }
        let trainer = run.trainer
        trainer.group = parallel.group
        reduction.apply(to: trainer)
        if noCheckpoint || !parallel.isLeader { run.checkpointPath = nil }
        run.saveEvery = saveEvery
        run.writer = Version.writer
        do { try run.prepareCheckpoint() } catch let error as TrainingRunError { throw RuntimeError(error.description) }
        let plot = parallel.isLeader ? self.plot : nil
        if let plot { try AtomicFile.prepareFolder(plot, for: "--plot") }
        if !json {
            for notice in run.notices { Console.notice(notice) }
            let what = resume == nil ? "training" : "resuming"
            Console.notice("\(what) \(trainer.model.spec.name) (\(Format.grouped(trainer.model.parameterCount)) parameters) on \(run.data.name): "
                + "\(Format.grouped(trainer.data.count)) train / \(Format.grouped(run.data.test.count)) test images, "
                + "batch \(trainer.batchSize), \(trainer.totalEpochs) epochs, \(trainer.optimizer.summaryLine), \(TrainingRun.layout(parallel.ranks, Parallelism.threads))")
            if let group = parallel.group, group.size > 1 { Console.notice("data-parallel over Open MPI: \(group.libraryVersion)") }
        }
        Interrupt.install()

        var progress: Progress?
        let outcome: TrainingRun.Outcome
        do {
            outcome = try run.train { event in
                switch event {
                case let .step(step, steps, images, loss):
                    guard !json else { return }
                    if progress == nil {
                        progress = Progress(total: steps, label: "epoch \(trainer.state.epoch + 1)/\(trainer.totalEpochs)", startingAt: step - 1)
                    }
                    progress?.update(step: step, images: images, loss: loss)
                case let .epoch(record, images, seconds):
                    progress?.finish()
                    progress = nil
                    if let plot {
                        let curves = Plot.curves(spec: trainer.model.spec, state: trainer.state, run: run.settings, optimizer: trainer.optimizer,
                                                 stepsPerEpoch: trainer.stepsPerEpoch)
                        try AtomicFile.write(curves.render().render(), to: (plot as NSString).appendingPathComponent("curves.svg"))
                    }
                    report(record, images: images, seconds: seconds)
                case .saved:
                    break
                }
            } stoppingWhen: {
                try parallel.stopRequested()
            }
        } catch let error as TrainingRunError {
            progress?.finish()
            throw RuntimeError(error.description)
        }
        progress?.finish()
        if outcome == .stopped {
            let position = "epoch \(trainer.state.epoch + 1), step \(trainer.state.batchInEpoch)/\(trainer.stepsPerEpoch)"
            if let checkpointPath = run.checkpointPath {
                Console.notice("interrupted at \(position); saved \(checkpointPath). Continue with: cnn-zoo train --resume \(checkpointPath)")
            } else {
                Console.notice("interrupted at \(position); nothing saved (--no-checkpoint)")
            }
            throw ExitCode(130)
        }
        if let checkpointPath = run.checkpointPath, !json { Console.notice("saved \(checkpointPath)") }
    }

    private func report(_ record: EpochRecord, images: Int, seconds: Double) {
        guard !Console.quiet else { return }
        let rate = Double(images) / max(seconds, 1e-9)
        if json {
            Console.json(EpochLine(epoch: record.epoch, trainLoss: record.trainLoss, trainAccuracy: record.trainAccuracy,
                                   testAccuracy: record.testAccuracy, imagesPerSecond: rate, seconds: seconds, lr: record.learningRate))
        } else {
            let test = record.testAccuracy.map { "test acc \(Format.percent($0))" } ?? "no test set"
            print(String(format: "epoch %d  train loss %.4f  train acc %@  %@  %@ img/s  %.1fs",
                         record.epoch, record.trainLoss, Format.percent(record.trainAccuracy), test,
                         Format.grouped(Int(rate.rounded())), seconds))
            fflush(nil)
        }
    }

    /// A new run of the named model on the chosen data, with the options' settings.
    private func newRun(registry: Registry, parallel: DataParallelRun) throws -> TrainingRun {
        let (spec, _) = try resolveSpec(model!, registry: registry)
        let options = self.data.readOptions(quiet: json)
        let data = try PreparedData.load(name: self.data.dataset ?? spec.training.dataset, directory: self.data.data,
                                         classes: try self.data.parsedClasses(), limit: self.data.limit, quiet: json, options: options)
        let optimizer = try optimizerSpec(default: spec.training.optimizer, registry: registry.optimizers)
        let threads = compute.apply(fallback: parallel.defaultThreads)
        let run = try Self.starting {
            try TrainingRun(spec: spec, registry: registry, data: data, epochs: epochs, batchSize: batchSize, optimizer: optimizer,
                            seed: seed, checkpoint: checkpoint ?? "checkpoints/\(spec.name).h5", threads: threads, ranks: parallel.ranks,
                            chunking: chunking.chunking)
        }
        run.recordReading(cifarLabels: options.cifarLabels.rawValue, validationSplit: options.folder.validationSplit,
                          skipsBadImages: options.folder.skipsBadImages)
        return run
    }

    /// The run saved at `path`, on its recorded data unless the options name other data.
    private func resumedRun(_ path: String, registry: Registry, parallel: DataParallelRun) throws -> TrainingRun {
        let saved = try CheckpointLoader.read(path, registry: registry)
        let recorded = saved.run
        let directory = data.data ?? (data.dataset == nil ? recorded.dataDirectory : nil)
        let data = try PreparedData.load(name: self.data.dataset ?? recorded.dataset, directory: directory,
                                         classes: recorded.classes.isEmpty ? nil : recorded.classes,
                                         limit: recorded.limit == 0 ? nil : recorded.limit, quiet: json,
                                         options: self.data.readOptions(recorded: recorded, quiet: json))
        // The run keeps its recorded processes × threads where it can; failing that, this layout's default.
        if compute.threads == nil, let fallback = parallel.defaultThreads { Parallelism.setThreads(fallback) }
        return try Self.starting {
            try TrainingRun(resuming: saved, from: path, registry: registry, data: data, epochs: epochs, checkpoint: checkpoint,
                            threads: compute.threads, ranks: parallel.ranks, allowsOtherData: allowOtherData)
        }
    }

    /// Runs `start`, turning the run's refusals into the command's: a setting it cannot honour is a usage error.
    private static func starting(_ start: () throws -> TrainingRun) throws -> TrainingRun {
        do {
            return try start()
        } catch let error as TrainingRunError {
            guard let setting = error.setting else { throw RuntimeError(error.description) }
            throw UsageError(setting == "epochs" && error.description.hasPrefix("the checkpoint") ? "--epochs: \(error.description)" : error.description,
                             pointsAtHelp: setting != "data")
        } catch let error as ModelError {
            throw UsageError(error.description)
        }
    }

    /// The optimizer to train with: the spec's, or the kind `--optimizer` names from its own
    /// defaults, with every hyperparameter option applied; an option the kind does not take is
    /// a usage error naming the ones it does.
    private func optimizerSpec(default spec: OptimizerSpec, registry: OptimizerRegistry) throws -> OptimizerSpec {
        var chosen = spec
        if let optimizer, optimizer != spec.kind { chosen = OptimizerSpec(kind: optimizer) }
        guard let entry = registry.entry(for: chosen.kind) else {
            var message = "--optimizer: unknown optimizer '\(chosen.kind)'"
            if let nearest = Suggestion.nearest(to: chosen.kind, in: registry.kinds) { message += " (did you mean '\(nearest)'?)" }
            throw UsageError(message + "; known: \(registry.kinds.joined(separator: ", "))")
        }
        let betas = try self.betas.map(Self.parseBetas)
        let overrides: [(option: String, setting: String, value: SettingValue?)] = [
            ("--lr", "lr", lr.map { .number($0) }),
            ("--momentum", "momentum", momentum.map { .number($0) }),
            ("--betas", "betas", betas.map { .array($0.map { .number($0) }) }),
            ("--eps", "eps", eps.map { .number($0) }),
            ("--weight-decay", "weight_decay", weightDecay.map { .number($0) }),
            ("--nesterov", "nesterov", nesterov ? .bool(true) : nil),
            ("--amsgrad", "amsgrad", amsgrad ? .bool(true) : nil),
        ]
        let taken = Set(entry.settings.map(\.name))
        for (option, setting, value) in overrides where value != nil {
            guard taken.contains(setting) else {
                let options = overrides.filter { taken.contains($0.setting) }.map(\.option).joined(separator: ", ")
                throw UsageError("\(option) does not apply to \(chosen.kind); it takes \(options)")
            }
            chosen.settings[setting] = value
        }
        do { _ = try registry.makeOptimizer(chosen) } catch let error as ModelError { throw UsageError(error.description) }
        return chosen
    }

    /// "0.9,0.999" → [0.9, 0.999], each in [0, 1).
    static func parseBetas(_ text: String) throws -> [Double] {
        let values = text.split(separator: ",", omittingEmptySubsequences: false).map { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard values.count == 2, let b1 = values[0], let b2 = values[1], (0..<1).contains(b1), (0..<1).contains(b2) else {
            throw ValidationError("--betas must be two numbers in [0, 1) separated by a comma, e.g. 0.9,0.999; got '\(text)'")
        }
        return [b1, b2]
    }

    struct EpochLine: Encodable {
        let epoch: Int
        let trainLoss: Double
        let trainAccuracy: Double
        let testAccuracy: Double?
        let imagesPerSecond: Double
        let seconds: Double
        let lr: Double
        enum CodingKeys: String, CodingKey {
            case epoch, seconds, lr
            case trainLoss = "train_loss"
            case trainAccuracy = "train_accuracy"
            case testAccuracy = "test_accuracy"
            case imagesPerSecond = "images_per_second"
        }
    }
}

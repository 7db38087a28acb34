import ArgumentParser
import CNNZoo
import CNNZooCheckpoint
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

    @Flag(help: "Print one JSON object per epoch instead of text.")
    var json = false

    @Option(help: ArgumentHelp("Keep DIR/curves.svg up to date: redrawn after every epoch (see 'cnn-zoo plot').", valueName: "dir"))
    var plot: String?

    @OptionGroup(title: "Compute")
    var compute: ComputeOptions

    func validate() throws {
        if model == nil && resume == nil { throw ValidationError("name a model to train, or --resume a checkpoint") }
        if model != nil && resume != nil { throw ValidationError("give a model or --resume, not both (the checkpoint holds its model)") }
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
                                           ("--classes", data.classes != nil), ("--limit", data.limit != nil)]
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

    /// The run itself. Under mpirun every process trains its share of each batch (see
    /// ``DataParallelRun``); only the first prints, saves and draws.
    private func train(registry: Registry, parallel: DataParallelRun) throws {
        let session = try resume.map { try resumeSession($0, registry: registry, parallel: parallel) }
            ?? newSession(registry: registry, parallel: parallel)
        let trainer = session.trainer
        trainer.group = parallel.group
        let checkpointPath = noCheckpoint || !parallel.isLeader ? nil : session.checkpointPath
        if let checkpointPath { try ensureWritable(checkpointPath) }
        let plot = parallel.isLeader ? self.plot : nil
        if let plot { try AtomicFile.prepareFolder(plot, for: "--plot") }
        if !json {
            let what = resume == nil ? "training" : "resuming"
            let layout = parallel.ranks > 1 ? "\(parallel.ranks) processes × \(Parallelism.threads) thread(s)" : "\(Parallelism.threads) thread(s)"
            Console.notice("\(what) \(trainer.model.spec.name) (\(Format.grouped(trainer.model.parameterCount)) parameters) on \(session.data.name): "
                + "\(Format.grouped(trainer.data.count)) train / \(Format.grouped(session.data.test.count)) test images, "
                + "batch \(trainer.batchSize), \(trainer.totalEpochs) epochs, \(trainer.optimizer.summaryLine), \(layout)")
            if let group = parallel.group, group.size > 1 { Console.notice("data-parallel over Open MPI: \(group.libraryVersion)") }
        }
        Interrupt.install()

        func save(_ reason: String) throws {
            guard let checkpointPath else { return }
            do {
                try Checkpoint(trainer: trainer, run: session.run, writer: Version.writer, registry: registry).write(to: checkpointPath)
            } catch let error as HDF5Error {
                throw RuntimeError("saving the checkpoint (\(reason)) failed: \(error.description)")
            }
        }

        while !trainer.isFinished {
            let epochStart = Date()
            var images = 0
            var progress = Progress(total: trainer.stepsPerEpoch, label: "epoch \(trainer.state.epoch + 1)/\(trainer.totalEpochs)",
                                    startingAt: trainer.state.batchInEpoch)
            while !trainer.epochIsComplete {
                do {
                    images += try trainer.step().count
                } catch let error as TrainingError {
                    progress.finish()
                    let kept = checkpointPath.map { FileManager.default.fileExists(atPath: $0) ? "; the last good checkpoint is \($0)" : "" } ?? ""
                    throw RuntimeError(error.description + kept)
                }
                if !json { progress.update(step: trainer.state.batchInEpoch, images: images, loss: trainer.state.running.meanLoss) }
                if let saveEvery, trainer.state.globalStep % saveEvery == 0, !trainer.epochIsComplete { try save("step") }
                if try parallel.stopRequested() {
                    progress.finish()
                    try save("interrupt")
                    let position = "epoch \(trainer.state.epoch + 1), step \(trainer.state.batchInEpoch)/\(trainer.stepsPerEpoch)"
                    if let checkpointPath {
                        Console.notice("interrupted at \(position); saved \(checkpointPath). Continue with: cnn-zoo train --resume \(checkpointPath)")
                    } else {
                        Console.notice("interrupted at \(position); nothing saved (--no-checkpoint)")
                    }
                    throw ExitCode(130)
                }
            }
            progress.finish()
            let seconds = Date().timeIntervalSince(epochStart)
            // The training batch size keeps every layer's scratch buffers at one size.
            let evaluation = session.data.test.count > 0 ? try Evaluation(model: trainer.model, data: session.data.test, batchSize: trainer.batchSize) : nil
            let record = try trainer.finishEpoch(testAccuracy: evaluation?.accuracy, seconds: seconds)
            try save("epoch")
            if let plot {
                let curves = Plot.curves(spec: trainer.model.spec, state: trainer.state, run: session.run, optimizer: trainer.optimizer,
                                         stepsPerEpoch: trainer.stepsPerEpoch)
                try AtomicFile.write(curves.render().render(), to: (plot as NSString).appendingPathComponent("curves.svg"))
            }
            report(record, images: images, seconds: seconds)
        }
        if let checkpointPath, !json { Console.notice("saved \(checkpointPath)") }
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

    /// Fails early, before any training, when the checkpoint cannot be written.
    private func ensureWritable(_ path: String) throws {
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        var isDirectory: ObjCBool = false
        if !FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) {
            do { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) } catch {
                throw RuntimeError("\(path): cannot create the folder \(directory)")
            }
        } else if !isDirectory.boolValue {
            throw RuntimeError("\(path): \(directory) is not a folder")
        }
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            throw RuntimeError("\(path): is a directory")
        }
        // Write a probe rather than trust permission bits (root passes access(2) checks that writes then fail).
        let probe = (directory as NSString).appendingPathComponent(".cnn-zoo-probe-\(getpid())")
        guard FileManager.default.createFile(atPath: probe, contents: Data()) else {
            throw RuntimeError("\(path): cannot write in the folder \(directory)")
        }
        unlink(probe)
        Checkpoint.removeStaleTemporaries(besides: path)
    }

    struct Session {
        let trainer: Trainer
        let data: PreparedData
        let run: RunSettings
        let checkpointPath: String
    }

    private func newSession(registry: Registry, parallel: DataParallelRun) throws -> Session {
        var (spec, _) = try resolveSpec(model!, registry: registry)
        let classes = try data.parsedClasses()
        let prepared = try PreparedData.load(name: data.dataset ?? spec.training.dataset, directory: data.data,
                                             classes: classes, limit: data.limit, quiet: json)
        guard prepared.train.imageShape == spec.inputShape else {
            throw RuntimeError("\(spec.name) takes \(Format.shape(spec.inputShape)) images but \(prepared.name) has \(Format.shape(prepared.train.imageShape))")
        }
        if classes == nil && prepared.classCount > spec.classes {
            throw RuntimeError("\(prepared.directory): labels go up to \(prepared.classCount - 1) but \(spec.name) scores \(spec.classes) classes; "
                + "pick a subset with --classes or fix the labels file")
        }
        if prepared.classCount != spec.classes {
            do { spec = try spec.withClasses(prepared.classCount) } catch let error as ModelError { throw RuntimeError(error.description) }
        }
        let model = try Model(spec: spec, registry: registry)
        model.initializeParameters(seed: seed)
        let optimizer = try makeOptimizer(default: spec.training.optimizer, registry: registry.optimizers)
        let epochs = self.epochs ?? spec.training.epochs
        let batchSize = self.batchSize ?? spec.training.batchSize
        let threads = compute.apply(fallback: parallel.defaultThreads)
        let trainer = try Trainer(model: model, data: prepared.train, optimizer: optimizer, schedule: spec.training.schedule,
                                  batchSize: batchSize, totalEpochs: epochs, state: TrainingState(seed: seed))
        let run = RunSettings(totalEpochs: epochs, batchSize: batchSize, schedule: spec.training.schedule, dataset: prepared.name,
                              dataDirectory: prepared.directory, classes: classes ?? [], limit: data.limit ?? 0, threads: threads,
                              ranks: parallel.ranks)
        return Session(trainer: trainer, data: prepared, run: run, checkpointPath: checkpoint ?? "checkpoints/\(spec.name).h5")
    }

    private func resumeSession(_ path: String, registry: Registry, parallel: DataParallelRun) throws -> Session {
        let saved = try CheckpointLoader.read(path, registry: registry)
        var run = saved.run
        if let epochs {
            guard epochs > saved.training.epoch || (epochs == saved.training.epoch && saved.training.batchInEpoch > 0) else {
                throw UsageError("--epochs \(epochs): the checkpoint has already finished \(saved.training.epoch) epochs; ask for more")
            }
            run.totalEpochs = epochs
        }
        guard saved.training.epoch < run.totalEpochs else {
            throw UsageError("\(path) has finished all \(run.totalEpochs) epochs; pass --epochs N with N > \(run.totalEpochs) to train on")
        }
        // A run's sums depend on its chunk count, processes × threads, and on nothing else of its
        // layout: 2 processes × 1 thread continue exactly as 1 × 2 do.
        let (recordedThreads, recordedRanks) = (run.threads, run.ranks)
        let sameChunks = recordedThreads == 0 ? nil : (recordedRanks * recordedThreads) % parallel.ranks == 0
            ? recordedRanks * recordedThreads / parallel.ranks : nil
        run.threads = compute.apply(fallback: sameChunks ?? parallel.defaultThreads)
        run.ranks = parallel.ranks
        if recordedThreads != 0 && run.ranks * run.threads != recordedRanks * recordedThreads && !json {
            Console.notice("resuming as \(Self.layout(run.ranks, run.threads)) where the run used \(Self.layout(recordedRanks, recordedThreads)): "
                + "it continues correctly, but not bit-identically to an uninterrupted run (that needs processes × threads = \(recordedRanks * recordedThreads))")
        }
        let directory = data.data ?? (data.dataset == nil ? run.dataDirectory : nil)
        let prepared = try PreparedData.load(name: data.dataset ?? run.dataset, directory: directory,
                                             classes: run.classes.isEmpty ? nil : run.classes,
                                             limit: run.limit == 0 ? nil : run.limit, quiet: json)
        let model: Model
        do { model = try saved.makeModel(registry: registry) } catch let error as HDF5Error { throw RuntimeError("\(path): \(error.description)") }
        let trainer = try Trainer(model: model, data: prepared.train, optimizer: saved.optimizer, optimizerState: saved.optimizerState,
                                  schedule: run.schedule, batchSize: run.batchSize, totalEpochs: run.totalEpochs, state: saved.training)
        guard saved.training.batchInEpoch <= trainer.stepsPerEpoch else {
            throw RuntimeError("\(path): stopped at step \(saved.training.batchInEpoch) of an epoch that has only \(trainer.stepsPerEpoch); is this the same data?")
        }
        return Session(trainer: trainer, data: prepared, run: run, checkpointPath: checkpoint ?? path)
    }

    /// "2 processes × 1 thread", or "2 threads" for one process.
    static func layout(_ ranks: Int, _ threads: Int) -> String {
        ranks > 1 ? "\(ranks) processes × \(threads) thread\(threads == 1 ? "" : "s")" : "\(threads) thread\(threads == 1 ? "" : "s")"
    }

    /// The optimizer to train with: the spec's, or the kind `--optimizer` names from its own
    /// defaults, with every hyperparameter option applied; an option the kind does not take is
    /// a usage error naming the ones it does.
    private func makeOptimizer(default spec: OptimizerSpec, registry: OptimizerRegistry) throws -> any Optimizer {
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
        do { return try registry.makeOptimizer(chosen) } catch let error as ModelError { throw UsageError(error.description) }
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

import CNNZoo
import CNNZooCheckpoint
import CNNZooData
import Foundation

/// One training run, whole: the model and its data, the optimizer and schedule, where and when
/// it saves, how it continues from a checkpoint, and the epoch loop. `cnn-zoo train` is this
/// type behind command-line options; a Swift program uses it directly:
///
///     let registry = try Registry(plugins: [ZooCatalog.builtInPlugin()])
///     let data = try DataSet.load(name: "fashion-mnist", limit: 1000)
///     let run = try TrainingRun(model: "mnist-conv-pool", registry: registry, data: data, epochs: 2, checkpoint: "run.h5")
///     try run.train { event in print(event) }
///
/// A checkpoint holds exactly this value — its settings, the weights, the optimizer's state and
/// the training state — so ``init(resuming:registry:data:epochs:checkpoint:threads:ranks:)``
/// continues it bit for bit.
public final class TrainingRun {
    /// The model, the optimizer and their state, stepping through the data.
    public let trainer: Trainer
    /// The data the run trains and tests on.
    public let data: DataSet
    /// How the run is set up, as its checkpoints record it.
    public private(set) var settings: RunSettings
    /// The kinds the model and optimizer were built from, recorded in checkpoints.
    public let registry: Registry
    /// Where checkpoints are saved: after every epoch, when stopped, and every ``saveEvery``
    /// steps. Nil: nothing is saved.
    public var checkpointPath: String?
    /// Also save every this many steps within an epoch (nil: only at epoch ends and when stopped).
    public var saveEvery: Int?
    /// The program named in checkpoints as their writer.
    public var writer = "cnn-zoo \(CNNZooVersion.current)"
    /// What setting up the run had to say: a resumed run laid out differently from the one saved.
    public private(set) var notices: [String] = []

    /// A new run of `spec` on `data`: weights drawn from `seed`, every setting not given taken
    /// from the spec's training defaults. A spec scoring more classes than the data has is
    /// narrowed to the data's (a two-class subset trains a two-class model).
    ///
    /// Every batch is cut into chunks as `chunking` says (``Trainer/batchChunks``), so the run
    /// ends with the same bits under any `threads` and `ranks` — unless it cuts one per thread.
    public init(spec: ModelSpec, registry: Registry, data: DataSet, epochs: Int? = nil, batchSize: Int? = nil,
                optimizer: OptimizerSpec? = nil, seed: UInt64 = 1, checkpoint: String? = nil, threads: Int? = nil, ranks: Int = 1,
                chunking: BatchChunking = .automatic) throws {
        var spec = spec
        guard data.train.imageShape == spec.inputShape else {
            throw TrainingRunError("\(spec.name) takes \(Tensor.describe(spec.inputShape)) images but \(data.name) has \(Tensor.describe(data.train.imageShape))")
        }
        if data.classes == nil && data.classCount > spec.classes {
            throw TrainingRunError("\(data.directory): labels go up to \(data.classCount - 1) but \(spec.name) scores \(spec.classes) classes; "
                + "pick a subset of the classes or fix the labels file")
        }
        if data.classCount != spec.classes {
            do { spec = try spec.withClasses(data.classCount) } catch let error as ModelError { throw TrainingRunError(error.description) }
        }
        // A normalize layer without its statistics takes the training images'.
        for index in spec.layers.indices where spec.layers[index].kind == Normalize.kind && !Normalize.isGiven(spec.layers[index]) {
            let (mean, std) = Self.channelStatistics(data.train)
            spec.layers[index].settings["mean"] = .array(mean.map { .number($0) })
            spec.layers[index].settings["std"] = .array(std.map { .number($0) })
        }
        let model = try Model(spec: spec, registry: registry)
        let optimizer = try registry.optimizers.makeOptimizer(optimizer ?? spec.training.optimizer)
        // Refused before a weight is allocated: the built model holds none yet.
        try Self.checkMemory(model, batchSize: batchSize ?? spec.training.batchSize, optimizer: optimizer)
        model.initializeParameters(seed: seed)
        if let threads { Parallelism.setThreads(threads) }
        var settings = RunSettings(totalEpochs: epochs ?? spec.training.epochs, batchSize: batchSize ?? spec.training.batchSize,
                               schedule: spec.training.schedule, dataset: data.name, dataDirectory: data.directory,
                               classes: data.classes ?? [], limit: data.limit ?? 0, threads: Parallelism.threads, ranks: ranks)
        let chunks = chunking.count(batchSize: settings.batchSize)
        settings.chunks = chunks ?? 0
        settings.classNames = data.classNames ?? []
        settings.trainFingerprint = DataFingerprint(data.train).description
        settings.testFingerprint = DataFingerprint(data.test).description
        trainer = try Trainer(model: model, data: data.train, optimizer: optimizer, schedule: settings.schedule,
                              batchSize: settings.batchSize, totalEpochs: settings.totalEpochs, state: TrainingState(seed: seed))
        trainer.batchChunks = chunks
        self.settings = settings
        self.data = data
        self.registry = registry
        checkpointPath = checkpoint
    }

    /// Starts a new run from trained weights instead of drawn ones — fine-tuning an imported or
    /// earlier model; the optimizer starts fresh. Every parameter and buffer of the model must
    /// be in `weights`, by dotted path, with its shape.
    public func start(from weights: [String: Tensor], source: String) throws {
        let model = trainer.model
        guard trainer.state.globalStep == 0 else { throw TrainingRunError("a run that has taken steps cannot start from other weights") }
        for (path, parameter) in model.namedParameters + model.namedBuffers.map({ ($0.path, $0.buffer) }) {
            guard let value = weights[path] else { throw TrainingRunError("\(source) has no \(path) for \(model.spec.name)") }
            guard value.shape == parameter.shape else {
                throw TrainingRunError("\(source): \(path) has shape \(Tensor.describe(value.shape)) but \(model.spec.name) takes \(Tensor.describe(parameter.shape))")
            }
            parameter.value = value
        }
    }

    /// Records how the data's files were read, so a resume reads them the same way.
    public func recordReading(cifarLabels: String, validationSplit: Double, skipsBadImages: Bool) {
        settings.cifarLabels = cifarLabels
        settings.validationSplit = validationSplit
        settings.skipsBadImages = skipsBadImages
    }

    /// Each channel's mean and (population) standard deviation over every training image, on
    /// the [0, 1] scale the model sees, rounded to 6 digits so specs stay readable.
    static func channelStatistics(_ images: LabeledImages) -> (mean: [Double], std: [Double]) {
        let channels = images.imageShape[0], area = images.imageSize / channels
        var sums = [Double](repeating: 0, count: channels), squares = [Double](repeating: 0, count: channels)
        images.pixels.withUnsafeBufferPointer { pixels in
            for n in 0..<images.count {
                for c in 0..<channels {
                    var sum = 0, square = 0
                    for value in pixels[(n * channels + c) * area ..< (n * channels + c + 1) * area] {
                        sum += Int(value)
                        square += Int(value) * Int(value)
                    }
                    sums[c] += Double(sum)
                    squares[c] += Double(square)
                }
            }
        }
        let count = Double(max(images.count * area, 1))
        func rounded(_ value: Double) -> Double { (value * 1e6).rounded() / 1e6 }
        let mean = sums.map { $0 / count / 255 }
        let std = zip(squares, mean).map { square, m in max(sqrt(max(square / count / (255 * 255) - m * m, 0)), 1e-3) }
        return (mean.map(rounded), std.map(rounded))
    }

    /// A new run of the zoo entry `model`.
    public convenience init(model name: String, registry: Registry, data: DataSet, epochs: Int? = nil, batchSize: Int? = nil,
                            optimizer: OptimizerSpec? = nil, seed: UInt64 = 1, checkpoint: String? = nil, threads: Int? = nil, ranks: Int = 1,
                            chunking: BatchChunking = .automatic) throws {
        guard let spec = registry.models.first(where: { $0.name == name }) else {
            throw TrainingRunError("unknown model '\(name)'; the zoo has \(registry.models.map(\.name).joined(separator: ", "))")
        }
        try self.init(spec: spec, registry: registry, data: data, epochs: epochs, batchSize: batchSize, optimizer: optimizer,
                      seed: seed, checkpoint: checkpoint, threads: threads, ranks: ranks, chunking: chunking)
    }

    /// Continues the run `saved` holds, bit for bit where the layout allows (below), up to
    /// `epochs` in all (default: the run's own total). `data` defaults to the data the run
    /// recorded; checkpoints go to `checkpoint`, by default back where the run was read from.
    ///
    /// A run's sums depend on its chunk count (``RunSettings/chunks``) and on nothing of its
    /// layout, so it continues bit for bit under any `threads` and `ranks`. A run from before
    /// runs had a chunk count cut one chunk per thread: with `threads` nil it keeps its
    /// processes × threads where `ranks` divides it; another layout continues correctly but not
    /// bit-identically, and says so in ``notices``.
    ///
    /// The data must be what the run trained on: its fingerprint (``DataFingerprint``) must be
    /// the one the checkpoint recorded, unless `allowsOtherData`, when the run continues and the
    /// checkpoint records that it is no longer one uninterrupted run on one data set.
    public convenience init(resuming saved: Checkpoint, from path: String, registry: Registry, data: DataSet? = nil, epochs: Int? = nil,
                            checkpoint: String? = nil, threads: Int? = nil, ranks: Int = 1, allowsOtherData: Bool = false) throws {
        var settings = saved.run
        if let epochs {
            guard epochs > saved.training.epoch || (epochs == saved.training.epoch && saved.training.batchInEpoch > 0) else {
                throw TrainingRunError(setting: "epochs", "the checkpoint has already finished \(saved.training.epoch) epochs; ask for more")
            }
            settings.totalEpochs = epochs
        }
        guard saved.training.epoch < settings.totalEpochs else {
            throw TrainingRunError(setting: "epochs", "\(path) has finished all \(settings.totalEpochs) epochs; ask for more than \(settings.totalEpochs) to train on")
        }
        let (recordedThreads, recordedRanks) = (settings.threads, settings.ranks)
        let perThread = settings.chunks == 0
        let sameChunks = !perThread || recordedThreads == 0 ? nil
            : (recordedRanks * recordedThreads) % ranks == 0 ? recordedRanks * recordedThreads / ranks : nil
        Parallelism.setThreads(threads ?? sameChunks ?? Parallelism.threads)
        settings.threads = Parallelism.threads
        settings.ranks = ranks
        var notices: [String] = []
        if perThread && recordedThreads != 0 && settings.ranks * settings.threads != recordedRanks * recordedThreads {
            notices.append("resuming as \(Self.layout(settings.ranks, settings.threads)) where the run used \(Self.layout(recordedRanks, recordedThreads)): "
                + "it continues correctly, but not bit-identically to an uninterrupted run (that needs processes × threads = \(recordedRanks * recordedThreads))")
        }
        let data = try data ?? DataSet.load(name: settings.dataset, directory: settings.dataDirectory,
                                            classes: settings.classes.isEmpty ? nil : settings.classes,
                                            limit: settings.limit == 0 ? nil : settings.limit)
        if let recorded = DataFingerprint(settings.trainFingerprint), let difference = recorded.difference(from: DataFingerprint(data.train)) {
            guard allowsOtherData else {
                throw TrainingRunError(setting: "data", "\(data.directory) is not the data \(path) trained on: \(difference); "
                    + "resume on the run's own data, or pass --allow-other-data to continue anyway (the checkpoint then records it)")
            }
            notices.append("continuing on other data (\(difference)): the checkpoint records that this is no longer one uninterrupted run")
            settings.continuedOnOtherData = true
            settings.trainFingerprint = DataFingerprint(data.train).description
            settings.testFingerprint = DataFingerprint(data.test).description
        }
        try self.init(saved, from: path, settings: settings, registry: registry, data: data)
        trainer.batchChunks = perThread ? nil : settings.chunks
        self.notices = notices
        guard saved.training.batchInEpoch <= trainer.stepsPerEpoch else {
            throw TrainingRunError("\(path): stopped at step \(saved.training.batchInEpoch) of an epoch that has only \(trainer.stepsPerEpoch); is this the same data?")
        }
        checkpointPath = checkpoint ?? path
    }

    /// The run `saved` holds as it stands, to look at rather than to train on: its model
    /// evaluated on `data`'s test set (``evaluate(on:)``), its settings and history read. Nothing
    /// is checked for continuing it, and it saves nowhere unless given a ``checkpointPath``.
    public convenience init(reading saved: Checkpoint, from path: String, registry: Registry, data: DataSet) throws {
        try self.init(saved, from: path, settings: saved.run, registry: registry, data: data)
    }

    private init(_ saved: Checkpoint, from path: String, settings: RunSettings, registry: Registry, data: DataSet) throws {
        let model: Model
        do { model = try saved.makeModel(registry: registry) } catch let error as HDF5Error { throw TrainingRunError("\(path): \(error.description)") }
        trainer = try Trainer(model: model, data: data.train, optimizer: saved.optimizer, optimizerState: saved.optimizerState,
                              schedule: settings.schedule, batchSize: settings.batchSize, totalEpochs: settings.totalEpochs, state: saved.training)
        self.settings = settings
        self.data = data
        self.registry = registry
    }

    /// Continues the run saved at `path` (read in this process; see the other initializer).
    public convenience init(resuming path: String, registry: Registry, data: DataSet? = nil, epochs: Int? = nil,
                            checkpoint: String? = nil, threads: Int? = nil, ranks: Int = 1, allowsOtherData: Bool = false) throws {
        let saved: Checkpoint
        do { saved = try Checkpoint.read(from: path, registry: registry) } catch let error as HDF5Error {
            throw TrainingRunError(error.description)
        }
        try self.init(resuming: saved, from: path, registry: registry, data: data, epochs: epochs, checkpoint: checkpoint,
                      threads: threads, ranks: ranks, allowsOtherData: allowsOtherData)
    }

    /// What a run reports as it goes.
    public enum Event: Sendable {
        /// A step finished: `step` of `steps` in the epoch, the images so far this epoch and the
        /// epoch's mean loss so far.
        case step(step: Int, of: Int, images: Int, loss: Double)
        /// An epoch finished, tested on the data's test set when it has one.
        case epoch(EpochRecord, images: Int, seconds: Double)
        /// A checkpoint was written.
        case saved(path: String, reason: SaveReason)
    }

    /// Why a checkpoint was written.
    public enum SaveReason: String, Sendable {
        case epoch, step, stop
    }

    /// How ``train(progress:stoppingWhen:)`` ended.
    public enum Outcome: Sendable, Equatable {
        /// Every epoch is done.
        case finished
        /// `shouldStop` said stop; the run was saved where it stood.
        case stopped
    }

    /// Trains to the last epoch, or until `shouldStop` (asked after every step) says stop —
    /// `run.train { event in … } stoppingWhen: { … }` —
    /// saves after every epoch, every ``saveEvery`` steps and when stopped, and tells `progress`
    /// as it goes. A failure to save, or a step gone non-finite, throws with what is still on
    /// disk named.
    @discardableResult
    public func train(progress: (Event) throws -> Void = { _ in },
                      stoppingWhen shouldStop: () throws -> Bool = { false }) throws -> Outcome {
        try prepareCheckpoint()
        while !trainer.isFinished {
            let start = Date()
            var images = 0
            while !trainer.epochIsComplete {
                do {
                    images += try trainer.step().count
                } catch let error as TrainingError {
                    let kept = checkpointPath.map { FileManager.default.fileExists(atPath: $0) ? "; the last good checkpoint is \($0)" : "" } ?? ""
                    throw TrainingRunError(error.description + kept)
                }
                try progress(.step(step: trainer.state.batchInEpoch, of: trainer.stepsPerEpoch, images: images, loss: trainer.state.running.meanLoss))
                if try shouldStop() {
                    try save(.stop, progress)
                    return .stopped
                }
                if let saveEvery, trainer.state.globalStep % saveEvery == 0, !trainer.epochIsComplete { try save(.step, progress) }
            }
            let seconds = Date().timeIntervalSince(start)
            let record = try trainer.finishEpoch(testAccuracy: data.test.count > 0 ? try evaluate().accuracy : nil, seconds: seconds)
            try save(.epoch, progress)
            try progress(.epoch(record, images: images, seconds: seconds))
        }
        return .finished
    }

    /// The model on `test` (default: the data's test set), in batches of the training batch size
    /// (which keeps every layer's scratch buffers at one size).
    public func evaluate(on test: LabeledImages? = nil) throws -> Evaluation {
        try Evaluation(model: trainer.model, data: test ?? data.test, batchSize: trainer.batchSize)
    }

    /// The run as a checkpoint holds it.
    public var checkpoint: Checkpoint {
        Checkpoint(trainer: trainer, run: settings, writer: writer, registry: registry)
    }

    /// Writes the run to `path` (default: ``checkpointPath``), atomically.
    public func save(to path: String? = nil) throws {
        guard let path = path ?? checkpointPath else { return }
        do { try checkpoint.write(to: path) } catch let error as HDF5Error {
            throw TrainingRunError("saving \(path) failed: \(error.description)")
        }
    }

    private func save(_ reason: SaveReason, _ progress: (Event) throws -> Void) throws {
        guard let checkpointPath else { return }
        try save(to: checkpointPath)
        try progress(.saved(path: checkpointPath, reason: reason))
    }

    /// Fails when a checkpoint cannot be written at ``checkpointPath`` (creating its folder if
    /// need be), and clears temporaries a killed run left beside it; ``train(progress:stoppingWhen:)``
    /// starts with it, before any step.
    public func prepareCheckpoint() throws {
        if let checkpointPath { try Self.prepare(checkpointPath) }
    }

    static func prepare(_ path: String) throws {
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        var isDirectory: ObjCBool = false
        if !FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) {
            do { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) } catch {
                throw TrainingRunError("\(path): cannot create the folder \(directory)")
            }
        } else if !isDirectory.boolValue {
            throw TrainingRunError("\(path): \(directory) is not a folder")
        }
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            throw TrainingRunError("\(path): is a directory")
        }
        // A probe rather than permission bits: root passes access(2) checks that writes then fail.
        let probe = (directory as NSString).appendingPathComponent(".cnn-zoo-probe-\(getpid())")
        guard FileManager.default.createFile(atPath: probe, contents: Data()) else {
            throw TrainingRunError("\(path): cannot write in the folder \(directory)")
        }
        unlink(probe)
        Checkpoint.removeStaleTemporaries(besides: path)
    }

    /// Throws, saying how much it needs and how much there is, when a run of `model` cannot fit in
    /// this process's memory.
    static func checkMemory(_ model: Model, batchSize: Int, optimizer: any Optimizer) throws {
        let needed = model.trainingMemory(batchSize: batchSize, optimizerSlots: optimizer.slots.count)
        // The program, the data and the allocator need room of their own beside the model.
        let available = MachineMemory.available / 10 * 9
        guard needed <= available else {
            func gigabytes(_ bytes: Int) -> String { String(format: "%.1f GB", Double(bytes) / 1e9) }
            let parameters = String(model.parameterCount).reversed().enumerated()
                .map { $0.offset > 0 && $0.offset % 3 == 0 ? "\($0.element)," : "\($0.element)" }.reversed().joined()
            let state = optimizer.slots.isEmpty ? "" : " and \(optimizer.kind)'s \(optimizer.slots.joined(separator: ", "))"
            throw TrainingRunError("\(model.spec.name) needs about \(gigabytes(needed)) to train (\(parameters) parameters, their gradients\(state), "
                + "and the activations of a batch of \(batchSize)); this process may use \(gigabytes(available))")
        }
    }

    /// "2 processes × 1 thread", or "2 threads" for one process.
    public static func layout(_ ranks: Int, _ threads: Int) -> String {
        ranks > 1 ? "\(ranks) processes × \(threads) thread\(threads == 1 ? "" : "s")" : "\(threads) thread\(threads == 1 ? "" : "s")"
    }

}

/// Why a run could not start, go on or save: one line naming what to fix.
public struct TrainingRunError: Error, Equatable, CustomStringConvertible {
    public let description: String
    /// The setting asked for that the run cannot honour (`epochs`), when that is the problem.
    public let setting: String?

    public init(_ description: String) {
        self.description = description
        setting = nil
    }

    public init(setting: String, _ description: String) {
        self.description = description
        self.setting = setting
    }
}

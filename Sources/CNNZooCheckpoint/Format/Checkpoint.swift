import CNNZoo
import Foundation

/// A training run frozen between two steps: the model spec, its weights, the optimizer with
/// its whole state and the training state, so `--resume` continues bit for bit.
///
/// The layout on disk is specified in `Sources/CNNZooCheckpoint/FORMAT.md`.
public struct Checkpoint {
    /// The format's name, stored in the root attribute `format`.
    public static let formatName = "cnn-zoo checkpoint"
    /// The layout version this program writes and the newest it reads.
    public static let formatVersion: Int64 = 2
    /// The oldest layout version this program reads.
    public static let oldestReadableVersion: Int64 = 1

    /// The model as data; rebuilt through the registry on load.
    public var spec: ModelSpec
    /// Every parameter by dotted path (`conv1.weight`), in the model's order.
    public var parameters: [(path: String, value: Tensor)]
    /// Every buffer (saved, not trained: `bn1.running_mean`), in the model's order.
    public var buffers: [(path: String, value: Tensor)]
    /// The update rule and its hyperparameters.
    public var optimizer: any Optimizer
    /// The optimizer's step count and every slot tensor.
    public var optimizerState: OptimizerState
    public var training: TrainingState
    /// How the run was set up (epochs, batch, schedule, data).
    public var run: RunSettings
    /// The program that wrote it (`cnn-zoo 0.1.0`).
    public var writer: String
    /// The layout version of the file it was read from (``formatVersion`` for a new one).
    public var fileVersion: Int
    /// For each kind the run uses that is not built in: the plugin that registered it and its version.
    public var plugins: [PluginNeed]
    /// Things a reader should tell the user (a plugin of another version than the one recorded).
    public var notices: [String] = []

    public init(spec: ModelSpec, parameters: [(path: String, value: Tensor)], buffers: [(path: String, value: Tensor)] = [],
                optimizer: any Optimizer, optimizerState: OptimizerState, training: TrainingState, run: RunSettings, writer: String,
                fileVersion: Int = Int(Checkpoint.formatVersion), plugins: [PluginNeed] = []) {
        self.spec = spec
        self.parameters = parameters
        self.buffers = buffers
        self.plugins = plugins
        self.optimizer = optimizer
        self.optimizerState = optimizerState
        self.training = training
        self.run = run
        self.writer = writer
        self.fileVersion = fileVersion
    }

    /// A checkpoint of a live trainer; `registry` says which plugin each kind it uses came from.
    public init(trainer: Trainer, run: RunSettings, writer: String, registry: Registry = .standard) {
        self.init(spec: trainer.model.spec,
                  parameters: trainer.model.namedParameters.map { ($0.path, $0.parameter.value) },
                  buffers: trainer.model.namedBuffers.map { ($0.path, $0.buffer.value) },
                  optimizer: trainer.optimizer, optimizerState: trainer.optimizerState,
                  training: trainer.state, run: run, writer: writer,
                  plugins: PluginNeed.needs(of: trainer.model.spec, optimizer: trainer.optimizer.kind, in: registry))
    }

    /// Builds the model from the spec through `registry` and loads the weights and buffers into it.
    public func makeModel(registry: Registry = .standard) throws -> Model {
        let model = try Model(spec: spec, registry: registry)
        let stored = Dictionary((parameters + buffers).map { ($0.path, $0.value) }, uniquingKeysWith: { a, _ in a })
        for (path, parameter) in model.namedParameters + model.namedBuffers.map({ ($0.path, $0.buffer) }) {
            guard let value = stored[path] else { throw HDF5Error("\(path): missing from the checkpoint") }
            guard value.shape == parameter.shape else {
                throw HDF5Error("\(path): checkpoint has \(value.shape), model expects \(parameter.shape)")
            }
            parameter.value = value
        }
        return model
    }
}

/// How a run was set up: what `--resume` needs besides the weights and state.
public struct RunSettings: Sendable, Equatable {
    public var totalEpochs: Int
    public var batchSize: Int
    public var schedule: LearningRateSchedule
    /// The data set's name and the folder it was read from.
    public var dataset: String
    public var dataDirectory: String
    /// The original labels kept, in order (empty: all).
    public var classes: [Int]
    /// The sample limit (0: none).
    public var limit: Int
    /// The engine's thread count per process (0: not recorded).
    public var threads: Int
    /// The processes of a data-parallel run (1: one process).
    public var ranks: Int
    /// The chunks every batch is cut into (``Trainer/batchChunks``): results are bit-identical
    /// for the same count on any layout. 0: one chunk per thread of every process, as runs before
    /// the count was recorded did — bit-identical then only for the same ranks × threads.
    public var chunks = 0
    /// The classes' names in label order, where the data named them (empty: it did not).
    public var classNames: [String] = []
    /// What the run trains and tests on (``DataFingerprint``'s text; empty in older files).
    public var trainFingerprint = "", testFingerprint = ""
    /// Set once a resume continued on data whose fingerprint differs: the run is then not one
    /// uninterrupted run on one data set.
    public var continuedOnOtherData = false
    /// How the data's files were read: CIFAR-100's labels (`fine`, `coarse`), an image folder's
    /// held-out share and whether undecodable images were left out.
    public var cifarLabels = "fine"
    public var validationSplit = 0.2
    public var skipsBadImages = false

    public init(totalEpochs: Int, batchSize: Int, schedule: LearningRateSchedule, dataset: String,
                dataDirectory: String, classes: [Int] = [], limit: Int = 0, threads: Int = 0, ranks: Int = 1) {
        self.totalEpochs = totalEpochs
        self.batchSize = batchSize
        self.schedule = schedule
        self.dataset = dataset
        self.dataDirectory = dataDirectory
        self.classes = classes
        self.limit = limit
        self.threads = threads
        self.ranks = ranks
    }
}

/// A kind a checkpoint's run uses that a plugin, not the built-ins, registered: what a reader
/// must have loaded, said in the error when it has not.
public struct PluginNeed: Sendable, Equatable, Codable {
    /// `layer`, `loss` or `optimizer`.
    public let role: String
    public let kind: String
    public let plugin: String
    public let version: String

    public init(role: String, kind: String, plugin: String, version: String) {
        (self.role, self.kind, self.plugin, self.version) = (role, kind, plugin, version)
    }

    /// The kind as the registry names it (nil for a role this program does not know).
    public var contribution: Registry.Contribution? { Registry.Contribution(role: role, name: kind) }

    /// The needs of a run of `spec` with `optimizer`: every kind whose owner in `registry` is not built in.
    public static func needs(of spec: ModelSpec, optimizer: String, in registry: Registry) -> [PluginNeed] {
        Registry.contributions(of: spec, optimizer: optimizer).compactMap { contribution in
            guard let owner = registry.owner(of: contribution), owner.name != Plugin.builtInName else { return nil }
            return PluginNeed(role: contribution.role, kind: contribution.name, plugin: owner.name, version: owner.version)
        }
    }
}

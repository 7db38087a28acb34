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

    public init(spec: ModelSpec, parameters: [(path: String, value: Tensor)], optimizer: any Optimizer,
                optimizerState: OptimizerState, training: TrainingState, run: RunSettings, writer: String,
                fileVersion: Int = Int(Checkpoint.formatVersion)) {
        self.spec = spec
        self.parameters = parameters
        self.optimizer = optimizer
        self.optimizerState = optimizerState
        self.training = training
        self.run = run
        self.writer = writer
        self.fileVersion = fileVersion
    }

    /// A checkpoint of a live trainer.
    public init(trainer: Trainer, run: RunSettings, writer: String) {
        self.init(spec: trainer.model.spec,
                  parameters: trainer.model.namedParameters.map { ($0.path, $0.parameter.value) },
                  optimizer: trainer.optimizer, optimizerState: trainer.optimizerState,
                  training: trainer.state, run: run, writer: writer)
    }

    /// Builds the model from the spec and loads the weights into it.
    public func makeModel(registry: LayerRegistry = .standard) throws -> Model {
        let model = try Model(spec: spec, registry: registry)
        let stored = Dictionary(parameters.map { ($0.path, $0.value) }, uniquingKeysWith: { a, _ in a })
        for (path, parameter) in model.namedParameters {
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
    /// The engine's thread count; results are bit-identical only for the same count (0: not recorded).
    public var threads: Int

    public init(totalEpochs: Int, batchSize: Int, schedule: LearningRateSchedule, dataset: String,
                dataDirectory: String, classes: [Int] = [], limit: Int = 0, threads: Int = 0) {
        self.totalEpochs = totalEpochs
        self.batchSize = batchSize
        self.schedule = schedule
        self.dataset = dataset
        self.dataDirectory = dataDirectory
        self.classes = classes
        self.limit = limit
        self.threads = threads
    }
}

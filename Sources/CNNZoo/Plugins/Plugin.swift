/// What a plugin adds to cnn-zoo, under its name and version: layer, loss and optimizer kinds
/// and zoo entries. The built-in kinds are themselves a plugin (``engine``), registered
/// through the same path as anyone else's.
public struct Plugin: Sendable {
    public let name: String
    public let version: String
    public var layers: [LayerEntry]
    public var losses: [LossEntry]
    public var optimizers: [OptimizerEntry]
    /// Zoo entries: specs that `cnn-zoo list` shows and `train NAME` trains.
    public var models: [ModelSpec]

    /// A plugin of registry entries: Swift types (`LayerEntry(Swish.self)`) or kinds that come
    /// through the C boundary (see ``init(library:)``).
    public init(name: String, version: String, layers: [LayerEntry] = [], losses: [LossEntry] = [],
                optimizers: [OptimizerEntry] = [], models: [ModelSpec] = []) {
        self.name = name
        self.version = version
        self.layers = layers
        self.losses = losses
        self.optimizers = optimizers
        self.models = models
    }

    /// A plugin of Swift types built into the program.
    public init(name: String, version: String, layers: [any RegisteredLayer.Type] = [], losses: [any RegisteredLoss.Type] = [],
                optimizers: [any RegisteredOptimizer.Type] = [], models: [ModelSpec] = []) {
        self.init(name: name, version: version, layers: layers.map(LayerEntry.init), losses: losses.map(LossEntry.init),
                  optimizers: optimizers.map(OptimizerEntry.init), models: models)
    }

    /// The name the built-in kinds (and the built-in zoo) are registered under.
    public static let builtInName = "cnn-zoo"

    /// The engine's own kinds; the zoo entries shipped with the program are added by `CNNZooModels`.
    public static let engine = Plugin(
        name: builtInName, version: CNNZooVersion.current,
        layers: ([Conv2D.self, MaxPool2D.self, AvgPool2D.self, GlobalAvgPool.self, BatchNorm2D.self, Dense.self, PositionBias.self, Dropout.self,
                  Flatten.self, Reshape.self, Normalize.self, ReLU.self, LeakyReLU.self, Sigmoid.self, Tanh.self, Softmax.self] as [any RegisteredLayer.Type])
            .map(LayerEntry.init) + [LayerEntry(Add.self), LayerEntry(Concat.self)],
        losses: [CategoricalCrossEntropy.self, BinaryCrossEntropy.self, MeanSquaredError.self].map(LossEntry.init),
        optimizers: ([SGD.self, Adam.self, AdamW.self] as [any RegisteredOptimizer.Type]).map(OptimizerEntry.init))
}

/// The engine's version, which the built-in plugin carries and checkpoints record.
public enum CNNZooVersion {
    public static let current = "0.3.0"
}

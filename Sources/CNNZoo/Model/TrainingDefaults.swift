/// The hyperparameters a spec suggests for training it; every one can be overridden on the command line.
public struct TrainingDefaults: Sendable, Equatable, Codable {
    public var epochs: Int
    public var batchSize: Int
    /// The optimizer by kind and settings, built through an ``OptimizerRegistry``.
    public var optimizer: OptimizerSpec
    public var schedule: LearningRateSchedule
    /// The data set to use when the user names none (`fashion-mnist`, `mnist`).
    public var dataset: String?
    /// How training batches are augmented (nil: not at all).
    public var augmentation: Augmentation?

    public init(epochs: Int = 5, batchSize: Int = 64, optimizer: OptimizerSpec = .default,
                schedule: LearningRateSchedule = .constant, dataset: String? = nil, augmentation: Augmentation? = nil) {
        self.augmentation = augmentation
        self.epochs = epochs
        self.batchSize = batchSize
        self.optimizer = optimizer
        self.schedule = schedule
        self.dataset = dataset
    }

    enum CodingKeys: String, CodingKey {
        case epochs, optimizer, schedule, dataset, augmentation
        case batchSize = "batch_size"
    }

    public init(from decoder: Decoder) throws {
        let defaults = TrainingDefaults()
        let container = try decoder.container(keyedBy: CodingKeys.self)
        epochs = try container.decodeIfPresent(Int.self, forKey: .epochs) ?? defaults.epochs
        batchSize = try container.decodeIfPresent(Int.self, forKey: .batchSize) ?? defaults.batchSize
        optimizer = try container.decodeIfPresent(OptimizerSpec.self, forKey: .optimizer) ?? defaults.optimizer
        schedule = try container.decodeIfPresent(LearningRateSchedule.self, forKey: .schedule) ?? defaults.schedule
        dataset = try container.decodeIfPresent(String.self, forKey: .dataset)
        augmentation = try container.decodeIfPresent(Augmentation.self, forKey: .augmentation)
    }
}

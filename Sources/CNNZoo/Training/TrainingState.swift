/// Everything about a training run that is not the weights or the optimizer: where it
/// stands, its random stream, and its history. With the model and ``OptimizerState``,
/// it is enough to continue a run bit for bit.
public struct TrainingState: Sendable, Equatable {
    /// The run's seed: initial weights, every epoch's shuffle and the dropout stream derive from it.
    public var seed: UInt64
    /// The epoch under way (0-based); equals the number of finished epochs.
    public var epoch: Int
    /// Batches of the current epoch already done.
    public var batchInEpoch: Int
    /// Batches done since the run started.
    public var globalStep: Int
    /// The dropout stream, exactly where the last step left it.
    public var random: RandomGenerator
    /// Running sums of the epoch under way, so a mid-epoch resume reports the same epoch figures.
    public var running: RunningTotals
    /// One record per finished epoch.
    public var history: [EpochRecord]
    /// The loss of every step from global step ``firstLoggedStep`` on (for plots of the
    /// training curve; a run resumed from a checkpoint without it starts logging there).
    public var stepLosses: [Float]
    /// The global step of `stepLosses[0]`.
    public var firstLoggedStep: Int

    public init(seed: UInt64) {
        self.seed = seed
        epoch = 0
        batchInEpoch = 0
        globalStep = 0
        random = RandomGenerator(seed: seed ^ 0xD809_0F5E_ED5E_ED00)
        running = RunningTotals()
        history = []
        stepLosses = []
        firstLoggedStep = 0
    }

    public init(seed: UInt64, epoch: Int, batchInEpoch: Int, globalStep: Int, random: RandomGenerator,
                running: RunningTotals, history: [EpochRecord], stepLosses: [Float] = [], firstLoggedStep: Int? = nil) {
        self.seed = seed
        self.epoch = epoch
        self.batchInEpoch = batchInEpoch
        self.globalStep = globalStep
        self.random = random
        self.running = running
        self.history = history
        self.stepLosses = stepLosses
        self.firstLoggedStep = firstLoggedStep ?? globalStep - stepLosses.count
    }
}

/// Loss and accuracy sums over the batches of an epoch so far.
public struct RunningTotals: Sendable, Equatable {
    public var lossSum: Double = 0
    public var correct: Int = 0
    public var seen: Int = 0
    public init(lossSum: Double = 0, correct: Int = 0, seen: Int = 0) {
        self.lossSum = lossSum
        self.correct = correct
        self.seen = seen
    }
    public var meanLoss: Double { seen == 0 ? 0 : lossSum / Double(seen) }
    public var accuracy: Double { seen == 0 ? 0 : Double(correct) / Double(seen) }
}

/// The figures of one finished epoch.
public struct EpochRecord: Sendable, Equatable, Codable {
    public var epoch: Int
    public var trainLoss: Double
    public var trainAccuracy: Double
    /// Nil when no test set was given.
    public var testAccuracy: Double?
    public var seconds: Double
    public var learningRate: Double

    public init(epoch: Int, trainLoss: Double, trainAccuracy: Double, testAccuracy: Double?, seconds: Double, learningRate: Double) {
        self.epoch = epoch
        self.trainLoss = trainLoss
        self.trainAccuracy = trainAccuracy
        self.testAccuracy = testAccuracy
        self.seconds = seconds
        self.learningRate = learningRate
    }

    enum CodingKeys: String, CodingKey {
        case epoch, seconds
        case trainLoss = "train_loss"
        case trainAccuracy = "train_accuracy"
        case testAccuracy = "test_accuracy"
        case learningRate = "lr"
    }
}

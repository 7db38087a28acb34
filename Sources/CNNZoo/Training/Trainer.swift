/// Runs training one batch at a time, keeping every piece of state explicit so that a
/// checkpoint taken between any two steps continues bit for bit.
///
/// Each epoch visits the data in a shuffled order that is a pure function of the seed
/// and the epoch number; a step is forward, loss, backward, a divergence check, and an
/// optimizer update at the scheduled learning rate.
public final class Trainer {
    public let model: Model
    /// The augmentation of training batches: the spec's (``TrainingDefaults/augmentation``).
    public var augmentation: Augmentation?
    /// The update rule; its state is ``optimizerState``.
    public let optimizer: any Optimizer
    /// The optimizer's step count and per-parameter slots.
    public private(set) var optimizerState: OptimizerState
    public let schedule: LearningRateSchedule
    public let batchSize: Int
    /// The epoch count the run is to reach; may be raised when resuming.
    public var totalEpochs: Int
    public let data: LabeledImages
    public internal(set) var state: TrainingState

    /// The processes this one trains with, each on its share of every batch (nil: alone).
    /// Set it before the first step; see ``DataParallelGroup``.
    public var group: (any DataParallelGroup)? {
        didSet {
            metered = group.map(MeteredGroup.init)
            reductionMetered = group.map(MeteredGroup.init)
            communicationQueue = metered.flatMap { $0.callableFromAnyThread ? CommunicationQueue() : nil }
            if let metered, let reductionMetered, let communicationQueue {
                communication = QueuedGroup(metered, queue: communicationQueue)
                reductionCommunication = QueuedGroup(reductionMetered, queue: communicationQueue)
            } else {
                (communication, reductionCommunication) = (metered, reductionMetered)
            }
            for (_, parameter) in model.namedParameters { parameter.collectsPartials = group != nil }
            for (_, layer) in model.layers { (layer as? any BatchStatisticsLayer)?.group = communication }
        }
    }
    /// The group, with the traffic of the passes' own collectives counted: the batch
    /// statistics' sums, and the outputs' gather for a loss that is not sample-wise.
    var metered: MeteredGroup?
    /// The same group, with the gradient reduction's traffic counted apart.
    var reductionMetered: MeteredGroup?
    /// Where the group's operations wait their turn when reductions run during the backward
    /// pass (nil where the transport takes calls from one thread only).
    var communicationQueue: CommunicationQueue?
    /// The group as the step calls it: counted, and after the reductions under way.
    var communication: (any DataParallelGroup)?
    /// The group as the reduction after the backward pass calls it.
    var reductionCommunication: (any DataParallelGroup)?
    /// Whether a data-parallel step reduces the gradients of the layers its backward pass has
    /// finished while the pass goes on to the layers before them (``GradientBuckets``), rather
    /// than all of them after it. The same bits either way. Off by default: the reduction's
    /// thread needs a core the computing threads leave free (see SCALING.md).
    public var overlapsReduction = false
    /// The least gradient, in floats, that a bucket of an overlapped reduction carries.
    public var bucketFloats = 1 << 16 {
        didSet {
            precondition(bucketFloats >= 1, "a bucket carries at least one float")
            buckets = nil
        }
    }
    var buckets: GradientBuckets?
    /// How the processes add their partial gradients (nil: ``GradientReduction/suited(chunks:ranks:)``);
    /// every reduction gives the same bits.
    public var reduction: GradientReduction?
    /// Floats per message of the chain reduction (nil: ``GradientReduction/chainSegment(floats:ranks:)``);
    /// any size gives the same bits.
    public var chainSegment: Int? {
        didSet { precondition(chainSegment.map { $0 >= 1 } ?? true, "a segment carries at least one float") }
    }

    /// The reduction a step over `ranks` processes runs.
    public func reduction(ranks: Int) -> GradientReduction {
        reduction ?? .suited(chunks: groupChunks(ranks: ranks), ranks: ranks)
    }
    /// The number of chunks every batch is cut into, whatever the thread and process count —
    /// what makes a run's sums, and so its bits, the same on any machine (see ``Parallelism``).
    /// Nil binds the run to its layout instead: one chunk per thread of every process.
    /// A new trainer takes ``BatchChunking/automatic``'s count for its batch size.
    public var batchChunks: Int? {
        didSet { precondition(batchChunks.map { $0 >= 1 } ?? true, "a batch is cut into at least one chunk") }
    }

    /// Seconds spent in the group's collective operations, over all steps so far — during the
    /// backward pass too, where the reduction overlaps it.
    public var communicationSeconds: Double { (metered?.seconds ?? 0) + (reductionMetered?.seconds ?? 0) }
    /// Seconds of ``communicationSeconds`` spent in the gradient reduction; the rest went to the
    /// passes' own collectives.
    public var reductionSeconds: Double { reductionMetered?.seconds ?? 0 }
    /// The collective operations the passes themselves called, over all steps so far: every
    /// batch statistic's sums, and the outputs' gather where the loss is not sample-wise. Each
    /// is small and makes every process wait for the slowest, so what they cost grows with the
    /// rounds of messages, not the bytes.
    public var passCollectives: Int { metered?.operations ?? 0 }
    /// Bytes of ``sentBytes`` the passes' own collectives sent.
    public var passSentBytes: Int { metered?.sentBytes ?? 0 }
    /// Seconds the steps waited for the group, over all steps so far: the communication that
    /// nothing hid.
    public var exposedCommunicationSeconds: Double { communicationQueue?.waitingSeconds ?? communicationSeconds }
    /// Whether the steps reduce gradients during the backward pass: asked for, and the group's
    /// transport allows it.
    public var reducesDuringBackward: Bool { overlapsReduction && communicationQueue != nil }
    /// Bytes this process has sent the group, over all steps so far (see ``MeteredGroup``).
    public var sentBytes: Int { (metered?.sentBytes ?? 0) + (reductionMetered?.sentBytes ?? 0) }

    private var order: [Int] = []
    private var orderEpoch = -1

    /// - Parameters:
    ///   - optimizerState: slots and step count from a checkpoint, or empty for a new run.
    ///   - state: where a run stands; a new run starts from `TrainingState(seed:)`.
    public init(model: Model, data: LabeledImages, optimizer: any Optimizer, optimizerState: OptimizerState = OptimizerState(),
                schedule: LearningRateSchedule, batchSize: Int, totalEpochs: Int, state: TrainingState) throws {
        if let problem = schedule.problem { throw TrainingError.badHyperparameter(problem) }
        guard batchSize >= 1 else { throw TrainingError.badHyperparameter("batch size must be at least 1, got \(batchSize)") }
        guard totalEpochs >= 1 else { throw TrainingError.badHyperparameter("epochs must be at least 1, got \(totalEpochs)") }
        guard data.count > 0 else { throw TrainingError.badHyperparameter("the training set is empty") }
        guard data.imageShape == model.spec.inputShape else {
            throw TrainingError.badHyperparameter("the data's images are \(data.imageShape) but the model takes \(model.spec.inputShape)")
        }
        guard data.labelBound <= model.spec.classes else {
            throw TrainingError.badHyperparameter("the data has labels up to \(data.labelBound - 1) but the model scores \(model.spec.classes) classes")
        }
        self.model = model
        augmentation = model.spec.training.augmentation
        self.data = data
        self.optimizer = optimizer
        self.optimizerState = optimizerState
        self.schedule = schedule
        self.batchSize = batchSize
        batchChunks = BatchChunking.automatic.count(batchSize: batchSize)
        self.totalEpochs = totalEpochs
        self.state = state
    }

    /// Batches per epoch (the last one may be short).
    public var stepsPerEpoch: Int { (data.count + batchSize - 1) / batchSize }

    /// Whether the run has reached `totalEpochs`.
    public var isFinished: Bool { state.epoch >= totalEpochs }

    /// Whether the epoch under way has no batches left (call ``finishEpoch(testAccuracy:seconds:)``).
    public var epochIsComplete: Bool { state.batchInEpoch >= stepsPerEpoch }

    /// The learning rate the next step will use.
    public var learningRate: Double {
        let progress = Double(state.epoch) + Double(state.batchInEpoch) / Double(stepsPerEpoch)
        return schedule.rate(base: optimizer.learningRate, progress: progress, totalEpochs: totalEpochs)
    }

    /// The order in which `epoch` visits the training set: a Fisher–Yates shuffle seeded by (seed, epoch).
    public static func visitOrder(count: Int, seed: UInt64, epoch: Int) -> [Int] {
        var random = RandomGenerator(seed: seed &+ 0x5348_5546_464C_4500 &+ UInt64(epoch) &* 0x9E37_79B9_7F4A_7C15)
        var order = Array(0..<count)
        for i in stride(from: count - 1, to: 0, by: -1) {
            let j = Int(random.next().multipliedFullWidth(by: UInt64(i + 1)).high)
            order.swapAt(i, j)
        }
        return order
    }

    /// Trains on the next batch. Returns its mean loss and how many it classified right.
    /// - Throws: ``TrainingError/diverged(epoch:step:message:)`` before updating any weight
    ///   when the loss or a gradient is not finite.
    @discardableResult
    public func step() throws -> (loss: Double, correct: Int, count: Int) {
        guard !epochIsComplete, !isFinished else {
            throw TrainingError.outOfOrder("step() called with no batch left in the epoch; call finishEpoch() first")
        }
        if orderEpoch != state.epoch {
            order = Self.visitOrder(count: data.count, seed: state.seed, epoch: state.epoch)
            orderEpoch = state.epoch
        }
        let start = state.batchInEpoch * batchSize
        let indices = order[start ..< min(start + batchSize, data.count)]
        var (images, labels) = data.batch(indices)
        augmentation?.apply(to: &images, seed: state.seed, epoch: state.epoch, step: state.batchInEpoch)
        let rate = learningRate

        model.zeroGradients()
        let output: Tensor, loss: Float
        if let group = communication {
            (output, loss) = try dataParallelGradients(images: images, labels: labels, group: group)
        } else {
            (output, loss) = try Parallelism.withBatchChunks(batchChunks) {
                let output = try model.forward(images, mode: .training, random: &state.random)
                let (loss, gradient) = model.loss.evaluate(output: output, target: Tensor(oneHot: labels, classes: model.spec.classes))
                guard loss.isFinite else { throw diverged("the loss became \(loss)") }
                model.backward(gradient)
                return (output, loss)
            }
        }
        for (path, parameter) in model.namedParameters where !parameter.gradient.isFinite {
            throw diverged("the gradient of \(path) is not finite")
        }
        optimizer.step(model.namedParameters, learningRate: rate, state: &optimizerState)
        // A finite gradient can still overflow a weight; stop before anything saves it.
        for (path, parameter) in model.namedParameters where !parameter.value.isFinite {
            throw diverged("\(path) overflowed after the update")
        }

        let predictions = output.argmaxPerSample()
        let correct = zip(predictions, labels).filter { $0 == $1 }.count
        state.batchInEpoch += 1
        state.globalStep += 1
        state.running.lossSum += Double(loss) * Double(labels.count)
        state.running.correct += correct
        state.running.seen += labels.count
        state.stepLosses.append(loss)
        return (Double(loss), correct, labels.count)
    }

    /// The error for a step that went non-finite, placed at the step under way.
    func diverged(_ what: String) -> TrainingError {
        let position = "epoch \(state.epoch + 1), step \(state.batchInEpoch + 1) (global step \(state.globalStep + 1))"
        return .diverged(epoch: state.epoch + 1, step: state.batchInEpoch + 1, message: "\(what) at \(position)")
    }

    /// Closes the epoch under way: records its figures and moves to the next.
    @discardableResult
    public func finishEpoch(testAccuracy: Double?, seconds: Double) throws -> EpochRecord {
        guard epochIsComplete else {
            throw TrainingError.outOfOrder("finishEpoch() called with \(stepsPerEpoch - state.batchInEpoch) batches of the epoch left")
        }
        let progress = Double(state.epoch) + Double(stepsPerEpoch - 1) / Double(stepsPerEpoch)
        let record = EpochRecord(epoch: state.epoch + 1, trainLoss: state.running.meanLoss,
                                 trainAccuracy: state.running.accuracy, testAccuracy: testAccuracy, seconds: seconds,
                                 learningRate: schedule.rate(base: optimizer.learningRate,
                                                             progress: progress, totalEpochs: totalEpochs))
        state.history.append(record)
        state.epoch += 1
        state.batchInEpoch = 0
        state.running = RunningTotals()
        return record
    }
}

/// Why training could not start or could not go on.
public enum TrainingError: Error, Equatable, CustomStringConvertible {
    case badHyperparameter(String)
    case badData(String)
    /// A call made when the trainer is not ready for it (a step past the end of an epoch).
    case outOfOrder(String)
    case diverged(epoch: Int, step: Int, message: String)

    public var description: String {
        switch self {
        case .badHyperparameter(let message), .badData(let message), .outOfOrder(let message):
            return message
        case .diverged(_, _, let message):
            return "training diverged: \(message); try a smaller learning rate (--lr)"
        }
    }
}

import Foundation
import XCTest
@testable import CNNZoo
import CNNZooTesting

/// R processes simulated by R threads sharing memory: the engine's side of data parallelism,
/// tested without a transport. (The Open MPI transport is tested end to end in CNNZooCLITests.)
final class ThreadGroup: DataParallelGroup, @unchecked Sendable {
    final class Hub: @unchecked Sendable {
        let size: Int
        private let condition = NSCondition()
        private var slots: [[Float]]
        private var arrived = 0, generation = 0
        private var result: [Float] = []

        init(size: Int) {
            self.size = size
            slots = Array(repeating: [], count: size)
        }

        func exchange(_ rank: Int, _ values: [Float]) -> [Float] {
            condition.lock()
            defer { condition.unlock() }
            slots[rank] = values
            arrived += 1
            let mine = generation
            if arrived == size {
                result = slots.flatMap { $0 }
                arrived = 0
                generation += 1
                condition.broadcast()
            } else {
                while generation == mine { condition.wait() }
            }
            return result
        }

        private var mail: [Int: [[Float]]] = [:]

        func post(_ values: [Float], from source: Int, to destination: Int) {
            condition.lock()
            defer { condition.unlock() }
            mail[source * size + destination, default: []].append(values)
            condition.broadcast()
        }

        func collect(from source: Int, to destination: Int) -> [Float] {
            condition.lock()
            defer { condition.unlock() }
            while mail[source * size + destination, default: []].isEmpty { condition.wait() }
            return mail[source * size + destination]!.removeFirst()
        }
    }

    let hub: Hub
    let rank: Int
    var size: Int { hub.size }

    init(hub: Hub, rank: Int) {
        self.hub = hub
        self.rank = rank
    }

    func allGather(_ values: [Float], counts: [Int]) throws -> [Float] {
        precondition(values.count == counts[rank])
        return hub.exchange(rank, values)
    }

    func any(_ flag: Bool) throws -> Bool { hub.exchange(rank, [flag ? 1 : 0]).contains(1) }

    func send(_ values: [Float], to destination: Int) throws { hub.post(values, from: rank, to: destination) }

    func receive(count: Int, from source: Int) throws -> [Float] {
        let values = hub.collect(from: source, to: rank)
        precondition(values.count == count, "received \(values.count) values, expected \(count)")
        return values
    }
}

final class DataParallelTests: XCTestCase {
    override func tearDown() { Parallelism.setThreads(ProcessInfoCores.active) }

    /// A 4×4 net with every built-in kind that has parameters or randomness: conv with bias,
    /// per-position bias, pool, dropout, dense — the last with more input columns than one block
    /// of ``Parameter/accumulate(chunks:rows:columns:partial:)``, so ∂W is formed block by block.
    static let spec = ModelSpec(name: "tiny-dp", inputShape: [1, 4, 4], classes: 2, layers: [
        LayerSpec(name: "conv", kind: "conv2d", settings: ["out_channels": 3, "kernel": 3, "padding": 1]),
        LayerSpec(name: "bias", kind: "bias"),
        LayerSpec(name: "act", kind: "relu"),
        LayerSpec(name: "pool", kind: "maxpool2d", settings: ["kernel": 3, "stride": 2, "padding": [0, 1, 0, 1]]),
        LayerSpec(name: "flat", kind: "flatten"),
        LayerSpec(name: "drop", kind: "dropout", settings: ["rate": 0.2]),
        LayerSpec(name: "wide", kind: "dense", settings: ["units": .number(Double(Parameter.blockColumns + 44))]),
        LayerSpec(name: "fc", kind: "dense", settings: ["units": 2]),
    ], loss: LossSpec(kind: "cross_entropy"))

    /// The same kinds as a graph: a residual add over the model's input and a concat of two branches.
    static let graph = ModelSpec(name: "tiny-dp-graph", inputShape: [1, 4, 4], classes: 2, layers: [
        LayerSpec(name: "conv", kind: "conv2d", settings: ["out_channels": 1, "kernel": 3, "padding": 1]),
        LayerSpec(name: "act", kind: "relu"),
        LayerSpec(name: "sum", kind: "add", inputs: ["act", "input"]),
        LayerSpec(name: "left", kind: "conv2d", settings: ["out_channels": 2, "kernel": 3, "padding": 1], inputs: ["sum"]),
        LayerSpec(name: "right", kind: "avgpool2d", settings: ["kernel": 3, "stride": 1, "padding": 1], inputs: ["sum"]),
        LayerSpec(name: "joined", kind: "concat", inputs: ["left", "right"]),
        LayerSpec(name: "flat", kind: "flatten"),
        LayerSpec(name: "drop", kind: "dropout", settings: ["rate": 0.2]),
        LayerSpec(name: "fc", kind: "dense", settings: ["units": 2]),
    ], loss: LossSpec(kind: "cross_entropy"))

    /// Batch normalisation, whose statistics are the whole batch's: every process sees the others'.
    static let normalised = ModelSpec(name: "tiny-dp-bn", inputShape: [1, 4, 4], classes: 2, layers: [
        LayerSpec(name: "conv", kind: "conv2d", settings: ["out_channels": 3, "kernel": 3, "padding": 1, "bias": false]),
        LayerSpec(name: "bn", kind: "batchnorm2d"),
        LayerSpec(name: "act", kind: "relu"),
        LayerSpec(name: "flat", kind: "flatten"),
        LayerSpec(name: "fc", kind: "dense", settings: ["units": 2]),
    ], loss: LossSpec(kind: "cross_entropy"))

    struct Outcome: Equatable {
        var weights: [[Float]]
        var momentum: OptimizerState
        var losses: [Float]
        var random: RandomGenerator
        /// Not compared: it depends on the layout by design.
        var sentBytes = 0
        /// Not compared: the collectives the passes called (batch statistics' sums; the outputs'
        /// gather, for a loss that is not sample-wise) and the seconds in the reduction against
        /// all communication.
        var passCollectives = 0
        var reductionSeconds = 0.0, communicationSeconds = 0.0

        static func == (a: Outcome, b: Outcome) -> Bool {
            a.weights == b.weights && a.momentum == b.momentum && a.losses == b.losses && a.random == b.random
        }
    }

    /// `steps` steps of batch `batch` over 50 images (so epochs end on a short batch), every
    /// batch cut into `chunks` (nil: one chunk per thread of every rank).
    /// Reductions run during the backward pass unless `overlap` is false, one bucket per layer,
    /// so that every comparison covers several buckets in flight.
    static func train(_ spec: ModelSpec = spec, ranks: Int, threads: Int, batch: Int, steps: Int, chunks: Int? = nil,
                      reduction: GradientReduction = .reduceScatter, overlap: Bool = true, chainSegment: Int? = nil) throws -> [Outcome] {
        Parallelism.setThreads(threads)
        let data = try SyntheticTask.data(count: 50, seed: 11)
        let hub = ThreadGroup.Hub(size: ranks)
        return try onRanks(ranks) { rank in
            let model = try Model(spec: spec, losses: losses)
            model.initializeParameters(seed: 7)
            let trainer = try Trainer(model: model, data: data, optimizer: SGD(learningRate: 0.05, momentum: 0.9),
                                      schedule: .constant, batchSize: batch, totalEpochs: 100, state: TrainingState(seed: 3))
            trainer.batchChunks = chunks
            trainer.reduction = reduction
            trainer.overlapsReduction = overlap
            trainer.chainSegment = chainSegment
            trainer.bucketFloats = 1
            if ranks > 1 { trainer.group = ThreadGroup(hub: hub, rank: rank) }
            for _ in 0..<steps {
                if trainer.epochIsComplete { try trainer.finishEpoch(testAccuracy: nil, seconds: 0) }
                _ = try trainer.step()
            }
            return Outcome(weights: (model.namedParameters.map(\.parameter) + model.namedBuffers.map(\.buffer)).map(\.value.scalars),
                           momentum: trainer.optimizerState,
                           losses: trainer.state.stepLosses, random: trainer.state.random,
                           sentBytes: trainer.sentBytes, passCollectives: trainer.passCollectives,
                           reductionSeconds: trainer.reductionSeconds, communicationSeconds: trainer.communicationSeconds)
        }
    }

    /// `body(rank)` for every rank, each on a thread of its own (the processes the threads
    /// simulate), and their results in rank order; throws every rank's failure in one error.
    static func onRanks<Result>(_ ranks: Int, _ body: @escaping @Sendable (_ rank: Int) throws -> Result) throws -> [Result] {
        let results = RankResults<Result>(ranks)
        let done = DispatchGroup()
        for rank in 0..<ranks {
            done.enter()
            Thread.detachNewThread {
                defer { done.leave() }
                do {
                    let value = try body(rank)
                    results.lock.withLock { results.values[rank] = value }
                } catch {
                    results.lock.withLock { results.failures.append("rank \(rank): \(error)") }
                }
            }
        }
        done.wait()
        if !results.failures.isEmpty {
            throw NSError(domain: "DataParallelTests", code: 1, userInfo: [NSLocalizedDescriptionKey: results.failures.joined(separator: "; ")])
        }
        return results.values.map { $0! }
    }

    /// R processes × T threads end bit for bit where one process with R·T threads ends —
    /// weights, momentum, every step's loss and the random stream — including batches that do
    /// not divide evenly, batches smaller than R·T, and dropout.
    func testRanksTimesThreadsEqualsOneProcessWithAsManyThreads() throws {
        for (ranks, threads, batch) in [(2, 1, 8), (2, 2, 16), (3, 1, 7), (3, 2, 10), (2, 3, 5), (4, 1, 3)] {
            let single = try Self.train(ranks: 1, threads: ranks * threads, batch: batch, steps: 14)[0]
            let group = try Self.train(ranks: ranks, threads: threads, batch: batch, steps: 14)
            for (rank, outcome) in group.enumerated() {
                let layout = "\(ranks) ranks × \(threads) threads, batch \(batch), rank \(rank) against 1 × \(ranks * threads)"
                XCTAssertTrue(outcome.weights == single.weights, "weights: \(layout)")
                XCTAssertTrue(outcome.momentum == single.momentum, "momentum: \(layout)")
                XCTAssertEqual(outcome.losses, single.losses, "losses: \(layout)")
                XCTAssertTrue(outcome.random == single.random, "random stream: \(layout)")
            }
        }
    }

    /// A graph model keeps the bit-identity across layouts.
    func testAGraphModelIsBitIdenticalAcrossLayouts() throws {
        for (ranks, threads, batch) in [(2, 1, 8), (3, 1, 7), (2, 2, 10)] {
            let single = try Self.train(Self.graph, ranks: 1, threads: ranks * threads, batch: batch, steps: 10)[0]
            for (rank, outcome) in try Self.train(Self.graph, ranks: ranks, threads: threads, batch: batch, steps: 10).enumerated() {
                XCTAssertTrue(outcome == single, "\(ranks) ranks × \(threads) threads, batch \(batch), rank \(rank) against 1 × \(ranks * threads)")
            }
        }
    }

    /// Batch normalisation too, its running statistics included, and with a batch smaller than
    /// R·T, where a process without samples joins the others' sums with none of its own.
    func testBatchNormalisationSeesTheWholeBatchInEveryLayout() throws {
        for (ranks, threads, batch) in [(2, 1, 8), (3, 1, 7), (2, 2, 10), (4, 1, 3), (3, 2, 5)] {
            let single = try Self.train(Self.normalised, ranks: 1, threads: ranks * threads, batch: batch, steps: 10)[0]
            for (rank, outcome) in try Self.train(Self.normalised, ranks: ranks, threads: threads, batch: batch, steps: 10).enumerated() {
                XCTAssertTrue(outcome == single, "\(ranks) ranks × \(threads) threads, batch \(batch), rank \(rank) against 1 × \(ranks * threads)")
            }
        }
    }

    /// A run with its own chunk count ends with the same bits in every layout: 1, 2 or 3
    /// threads, 2 to 4 ranks of 1 or 2 threads — for chains, graphs and batch normalisation,
    /// with dropout, batches that do not divide into the chunks and batches with fewer
    /// samples than chunks or than threads.
    func testEveryLayoutOfARunWithFixedChunksEndsWithTheSameBits() throws {
        let layouts = [(1, 2), (1, 3), (2, 1), (2, 2), (3, 1), (3, 2), (4, 1), (4, 2)]
        for spec in [Self.spec, Self.graph, Self.normalised] {
            for (batch, chunks) in [(10, 6), (3, 4)] {
                let single = try Self.train(spec, ranks: 1, threads: 1, batch: batch, steps: 12, chunks: chunks)[0]
                for (ranks, threads) in layouts {
                    for reduction in ranks == 1 ? [.reduceScatter] : GradientReduction.allCases {
                        let outcomes = try Self.train(spec, ranks: ranks, threads: threads, batch: batch, steps: 12, chunks: chunks, reduction: reduction)
                        for (rank, outcome) in outcomes.enumerated() {
                            XCTAssertTrue(outcome == single, "\(spec.name), \(chunks) chunks, batch \(batch), \(reduction.rawValue): "
                                + "\(ranks) ranks × \(threads) threads, rank \(rank) against 1 × 1")
                        }
                    }
                }
            }
        }
    }

    /// Reducing after the backward pass gives the bits of reducing during it, for every reduction.
    func testOverlappedAndAfterwardReductionsEndAlike() throws {
        for spec in [Self.spec, Self.normalised] {
            for (ranks, threads, batch) in [(2, 1, 8), (3, 2, 7)] {
                for reduction in GradientReduction.allCases {
                    let during = try Self.train(spec, ranks: ranks, threads: threads, batch: batch, steps: 6, reduction: reduction)
                    let after = try Self.train(spec, ranks: ranks, threads: threads, batch: batch, steps: 6, reduction: reduction, overlap: false)
                    for (rank, (a, b)) in zip(during, after).enumerated() {
                        XCTAssertTrue(a == b, "\(spec.name), \(reduction.rawValue), \(ranks) ranks × \(threads) threads, rank \(rank)")
                    }
                }
            }
        }
    }

    /// Batch normalisation learns from the trainer how the batch lies across the processes, so
    /// it gathers its sums without first gathering what each process brings: no one-value
    /// gathers in a step (and the same bits as asking, which the layouts above compare).
    func testBatchStatisticsGatherWithoutAskingForCounts() throws {
        Parallelism.setThreads(1)
        let data = try SyntheticTask.data(count: 50, seed: 11)
        let hub = ThreadGroup.Hub(size: 2)
        let groups = (0..<2).map { CountingGroup(ThreadGroup(hub: hub, rank: $0)) }
        _ = try Self.onRanks(2) { rank in
            let model = try Model(spec: Self.normalised)
            model.initializeParameters(seed: 7)
            let trainer = try Trainer(model: model, data: data, optimizer: SGD(learningRate: 0.05), schedule: .constant,
                                      batchSize: 10, totalEpochs: 10, state: TrainingState(seed: 3))
            trainer.group = groups[rank]
            for _ in 0..<3 { _ = try trainer.step() }
        }
        for group in groups {
            XCTAssertGreaterThan(group.gathers, 0)
            XCTAssertEqual(group.singleValueGathers, 0, "rank \(group.rank) gathered counts")
        }
    }

    /// Buckets carry every parameter once, from the last layer to the first, each as soon as
    /// its layers are done and at least as large as asked (but the first layer's).
    func testBucketsCarryEveryParameterOnceFromTheLastLayer() throws {
        let model = try Model(spec: Self.normalised)
        let expected = model.layers.reversed().flatMap { $0.layer.parameters }.map(ObjectIdentifier.init)
        for floats in [1, 10, 40, 1 << 20] {
            var buckets = GradientBuckets(layers: model.layers.map(\.layer), floats: floats)
            XCTAssertTrue(buckets.buckets.dropLast().allSatisfy { $0.parameters.reduce(0) { $0 + $1.count } >= floats }, "\(floats)")
            for _ in 0..<2 {
                var handed: [Parameter] = []
                for index in model.layers.indices.reversed() {
                    buckets.finished(index) { handed += $0 }
                    // Nothing handed before its layer is done.
                    XCTAssertTrue(handed.allSatisfy { parameter in
                        model.layers[index...].contains { $0.layer.parameters.contains { $0 === parameter } }
                    }, "\(floats) floats, layer \(index)")
                }
                buckets.finishStep { _ in XCTFail("a bucket handed twice") }
                XCTAssertEqual(handed.map(ObjectIdentifier.init), expected, "\(floats) floats")
            }
        }
    }

    /// A layer early in the model holds its backward pass until this process's reduction has
    /// exchanged gradients, which happens only if the reduction of the layers after it started
    /// while the pass was still under way.
    func testTheReductionRunsDuringTheBackwardPass() throws {
        // Per rank: backward passes through the gate, and those in which it saw an exchange.
        XCTAssertEqual(try Self.gatedRun(overlap: true, patience: 30), [3, 3, 3, 3], "the reduction waited for the backward pass")
        XCTAssertEqual(try Self.gatedRun(overlap: false, patience: 0.3), [3, 0, 3, 0], "the gate opened without an overlapped reduction")
    }

    /// Two ranks, three steps of a model whose second layer is a ``ReductionGate``: for each
    /// rank, the backward passes through its gate and those in which the gate saw the gradients
    /// exchanged before it let the pass go on.
    static func gatedRun(overlap: Bool, patience: Double) throws -> [Int] {
        Parallelism.setThreads(1)
        var gated = LayerRegistry.standard
        try gated.register(ReductionGate.self)
        let registry = gated
        let spec = ModelSpec(name: "gated", inputShape: [1, 4, 4], classes: 2, layers: [
            LayerSpec(name: "conv", kind: "conv2d", settings: ["out_channels": 2, "kernel": 3, "padding": 1]),
            LayerSpec(name: "gate", kind: "reduction_gate"),
            LayerSpec(name: "act", kind: "relu"),
            LayerSpec(name: "flat", kind: "flatten"),
            LayerSpec(name: "fc", kind: "dense", settings: ["units": 2]),
        ], loss: LossSpec(kind: "cross_entropy"))
        let data = try SyntheticTask.data(count: 16, seed: 5)
        let hub = ThreadGroup.Hub(size: 2)
        return try onRanks(2) { rank in
            let model = try Model(spec: spec, registry: registry)
            model.initializeParameters(seed: 2)
            let gate = model.layers.compactMap { $0.layer as? ReductionGate }[0]
            gate.patience = patience
            let trainer = try Trainer(model: model, data: data, optimizer: SGD(learningRate: 0.1), schedule: .constant,
                                      batchSize: 8, totalEpochs: 10, state: TrainingState(seed: 1))
            trainer.overlapsReduction = overlap
            trainer.bucketFloats = 1
            trainer.batchChunks = 2
            trainer.reduction = .reduceScatter
            trainer.group = SignallingGroup(ThreadGroup(hub: hub, rank: rank), gate: gate)
            for _ in 0..<3 {
                if trainer.epochIsComplete { try trainer.finishEpoch(testAccuracy: nil, seconds: 0) }
                _ = try trainer.step()
            }
            return [gate.passes, gate.signalledPasses]
        }.flatMap { $0 }
    }

    /// The reduce-scatter's traffic per process falls as processes are added, as its bound
    /// (C/N + 1)·G·(N−1)/N says for C chunks, N processes and G gradient floats; the chain's
    /// stays under 2·G; the all-gather's, which carries every chunk's partials to every
    /// process, grows.
    func testTrafficPerProcessDoesNotGrowWithTheProcessCount() throws {
        let (chunks, batch, steps) = (12, 24, 2)
        let model = try Model(spec: Self.spec)
        // The outputs ride the reduction as one more tensor of batch × classes.
        let (gradient, tensors) = (model.parameterCount + batch * 2, model.namedParameters.count + 1)
        func sent(_ ranks: Int, _ reduction: GradientReduction) throws -> Int {
            try Self.train(ranks: ranks, threads: 1, batch: batch, steps: steps, chunks: chunks, reduction: reduction).map(\.sentBytes).max()!
        }
        var scatter: [Int] = [], gather: [Int] = [], chain: [Int] = []
        for ranks in [2, 3, 4] {
            scatter.append(try sent(ranks, .reduceScatter))
            gather.append(try sent(ranks, .allGather))
            chain.append(try sent(ranks, .chain))
            // The running sum and the total passed back: flat in the process count.
            XCTAssertLessThanOrEqual(Double(chain.last!), 4 * Double(2 * gradient * steps), "chain at \(ranks) ranks")
            // Per step: the partials and the gathered sums, the chunk counts, and — segments
            // being whole floats — up to one float more per piece for every tensor's bucket.
            let perStep = Double((chunks / ranks + 1) * gradient * (ranks - 1)) / Double(ranks) + Double(tensors * (ranks - 1))
                + Double(tensors * (chunks / ranks + 1) * (ranks - 1))
            XCTAssertLessThanOrEqual(Double(scatter.last!), 4 * perStep * Double(steps), "reduce-scatter at \(ranks) ranks")
        }
        XCTAssertTrue(scatter[0] > scatter[1] && scatter[1] > scatter[2], "reduce-scatter bytes per process at 2, 3, 4 ranks: \(scatter)")
        XCTAssertTrue(gather[2] > gather[0], "all-gather bytes per process at 2, 3, 4 ranks: \(gather)")
        for (s, g) in zip(scatter, gather) { XCTAssertLessThan(s, g) }
    }

    /// The chain's segments — one float, a few, or as many as the gradient — change no bit.
    func testTheChainsSegmentsChangeNoBit() throws {
        for spec in [Self.spec, Self.normalised] {
            let single = try Self.train(spec, ranks: 1, threads: 3, batch: 7, steps: 6)[0]
            for segment in [1, 5, 64, nil] {
                for overlap in [false, true] {
                    let outcomes = try Self.train(spec, ranks: 3, threads: 1, batch: 7, steps: 6, reduction: .chain, overlap: overlap, chainSegment: segment)
                    for (rank, outcome) in outcomes.enumerated() {
                        XCTAssertTrue(outcome == single, "\(spec.name), segment \(segment.map(String.init) ?? "auto"), overlap \(overlap), rank \(rank)")
                    }
                }
            }
        }
    }

    /// The chain cuts a gradient into about 4 segments per added process, 4K to 8K floats each:
    /// smaller as the pipeline grows longer.
    func testTheChainsSegmentsShrinkAsTheChainGrows() {
        let gradient = 359_846
        XCTAssertEqual(GradientReduction.chainSegment(floats: gradient, ranks: 2), 1 << 13)
        XCTAssertEqual(GradientReduction.chainSegment(floats: gradient, ranks: 16), 5_998, "60 segments")
        XCTAssertEqual(GradientReduction.chainSegment(floats: gradient, ranks: 1_000), 1 << 12)
        XCTAssertEqual(GradientReduction.chainSegment(floats: 10, ranks: 4), 1 << 12, "one segment carries a small gradient")
        var previous = Int.max
        for ranks in 2...128 {
            let segment = GradientReduction.chainSegment(floats: gradient, ranks: ranks)
            XCTAssertLessThanOrEqual(segment, previous, "\(ranks) ranks")
            previous = segment
        }
    }

    /// The passes' own collectives are counted apart from the reduction: two per batch
    /// normalisation (forward's sums for the mean and the variance together; backward's two
    /// sums), and — only for a loss that is not sample-wise — one gather of the outputs a step;
    /// a sample-wise loss's outputs ride the reduction.
    func testThePassesCollectivesAreCountedApart() throws {
        let steps = 4
        for (spec, perStep) in [(Self.spec, 0), (Self.normalised, 2), (Self.wholeBatchLoss(Self.spec), 1), (Self.wholeBatchLoss(Self.normalised), 3)] {
            for overlap in [false, true] {
                for outcome in try Self.train(spec, ranks: 2, threads: 1, batch: 8, steps: steps, overlap: overlap) {
                    XCTAssertEqual(outcome.passCollectives, perStep * steps, "\(spec.name), overlap \(overlap)")
                    XCTAssertGreaterThan(outcome.reductionSeconds, 0)
                    if perStep > 0 {
                        XCTAssertLessThan(outcome.reductionSeconds, outcome.communicationSeconds, "the passes' collectives take time too")
                    } else {
                        XCTAssertEqual(outcome.reductionSeconds, outcome.communicationSeconds, "\(spec.name): all of it is the reduction")
                    }
                }
            }
        }
    }

    /// Whether the outputs ride the reduction or are gathered before the backward pass, every
    /// layout ends with one process's bits, every step's loss included; and the two ways agree.
    func testTheOutputsRideTheReductionWithoutChangingABit() throws {
        for spec in [Self.spec, Self.normalised] {
            let alone = try Self.train(spec, ranks: 1, threads: 3, batch: 10, steps: 12, chunks: 3)[0]
            let gathered = try Self.train(Self.wholeBatchLoss(spec), ranks: 1, threads: 3, batch: 10, steps: 12, chunks: 3)[0]
            XCTAssertEqual(gathered, alone, "\(spec.name): the same loss by another name")
            for reduction in GradientReduction.allCases {
                for overlap in [false, true] {
                    for ranks in [2, 3] {
                        for outcome in try Self.train(spec, ranks: ranks, threads: 1, batch: 10, steps: 12, chunks: 3,
                                                      reduction: reduction, overlap: overlap) {
                            XCTAssertEqual(outcome, alone, "\(spec.name), \(reduction), overlap \(overlap), \(ranks) ranks")
                        }
                    }
                }
                for outcome in try Self.train(Self.wholeBatchLoss(spec), ranks: 2, threads: 1, batch: 10, steps: 12, chunks: 3, reduction: reduction) {
                    XCTAssertEqual(outcome, alone, "\(spec.name), \(reduction), the outputs gathered first")
                }
            }
        }
    }

    /// The outputs ride the reduction even where no bucket goes: a model without parameters.
    func testTheOutputsArriveWithoutParametersToCarryThem() throws {
        let spec = ModelSpec(name: "tiny-dp-fixed", inputShape: [1, 4, 4], classes: 4, layers: [
            LayerSpec(name: "pool", kind: "avgpool2d", settings: ["kernel": 2]),
            LayerSpec(name: "flat", kind: "flatten"),
        ], loss: LossSpec(kind: "cross_entropy"))
        let alone = try Self.train(spec, ranks: 1, threads: 1, batch: 8, steps: 6, chunks: 4)[0]
        for overlap in [false, true] {
            for outcome in try Self.train(spec, ranks: 2, threads: 1, batch: 8, steps: 6, chunks: 4, reduction: .chain, overlap: overlap) {
                XCTAssertEqual(outcome, alone, "overlap \(overlap)")
            }
        }
    }

    /// Cross-entropy under a kind that does not say it is sample-wise, as a plugin's loss would not.
    struct WholeBatchCrossEntropy: RegisteredLoss {
        static let kind = "whole_batch_cross_entropy"
        static let summary = "cross-entropy, not declared sample-wise"
        static let settings: [SettingDescription] = []
        init(settings: Settings) throws {}
        func evaluate(output: Tensor, target: Tensor) -> (loss: Float, gradient: Tensor) {
            CategoricalCrossEntropy().evaluate(output: output, target: target)
        }
    }

    static func wholeBatchLoss(_ spec: ModelSpec) -> ModelSpec {
        var spec = spec
        spec.loss = LossSpec(kind: WholeBatchCrossEntropy.kind)
        spec.name += "-whole-batch-loss"
        return spec
    }

    static let losses: LossRegistry = {
        var losses = LossRegistry.standard
        try! losses.register(WholeBatchCrossEntropy.self)
        return losses
    }()

    /// The default reduction is the one with fewer bytes on the critical path.
    func testTheSuitedReductionSendsLess() {
        XCTAssertEqual(GradientReduction.suited(chunks: 4, ranks: 2), .reduceScatter, "1.5 gradients against the chain's 2")
        XCTAssertEqual(GradientReduction.suited(chunks: 4, ranks: 4), .reduceScatter)
        XCTAssertEqual(GradientReduction.suited(chunks: 8, ranks: 2), .chain, "2.5 gradients against 2")
        XCTAssertEqual(GradientReduction.suited(chunks: 64, ranks: 16), .chain)
        XCTAssertEqual(GradientReduction.suited(chunks: 64, ranks: 64), .reduceScatter)
    }

    /// The comparisons above can fail: another chunk count sums other samples together, and so
    /// does another thread count for a run bound to its layout.
    func testAnotherChunkCountGivesOtherBits() throws {
        let two = try Self.train(ranks: 1, threads: 2, batch: 16, steps: 14, chunks: 2)[0]
        let three = try Self.train(ranks: 1, threads: 2, batch: 16, steps: 14, chunks: 3)[0]
        XCTAssertNotEqual(two.weights, three.weights)
        let twoThreads = try Self.train(ranks: 1, threads: 2, batch: 16, steps: 14)[0]
        let threeThreads = try Self.train(ranks: 1, threads: 3, batch: 16, steps: 14)[0]
        XCTAssertNotEqual(twoThreads.weights, threeThreads.weights)
    }

    func testSharesTileTheBatchInRankOrder() {
        for count in 1...40 {
            for ranks in 1...4 {
                for threads in 1...3 {
                    let shares = (0..<ranks).map { Trainer.share(of: count, chunks: ranks * threads, rank: $0, ranks: ranks) }
                    XCTAssertEqual(shares.first?.lowerBound, 0)
                    XCTAssertEqual(shares.last?.upperBound, count)
                    for (a, b) in zip(shares, shares.dropFirst()) { XCTAssertEqual(a.upperBound, b.lowerBound) }
                }
            }
        }
    }
}

/// An identity layer whose backward pass waits — up to `patience` seconds — until its
/// process's gradients have been exchanged (``SignallingGroup``), and counts the passes in
/// which they were.
final class ReductionGate: RegisteredLayer, @unchecked Sendable {
    static let kind = "reduction_gate"
    static let summary = "passes its input on; its backward pass waits for a gradient exchange"
    static let settings: [SettingDescription] = []
    let outputShape: [Int]
    var patience = 30.0
    private(set) var passes = 0, signalledPasses = 0
    private let condition = NSCondition()
    private var signalled = false

    init(settings: LayerSettings, inputShape: [Int]) throws { outputShape = inputShape }

    var parameters: [Parameter] { [] }

    func forward(_ input: consuming Tensor, mode: Mode, random: inout RandomGenerator) -> Tensor {
        // The last step's exchanges ended before this pass began.
        condition.withLock { signalled = false }
        return input
    }

    func backward(_ outputGradient: consuming Tensor) -> Tensor {
        condition.lock()
        let deadline = Date(timeIntervalSinceNow: patience)
        while !signalled && condition.wait(until: deadline) {}
        passes += 1
        if signalled { signalledPasses += 1 }
        signalled = false
        condition.unlock()
        return outputGradient
    }

    func signal() {
        condition.lock()
        signalled = true
        condition.broadcast()
        condition.unlock()
    }
}

/// A group that tells a ``ReductionGate`` whenever gradients are exchanged (the reduce-scatter's
/// personalised exchange).
final class SignallingGroup: DataParallelGroup, @unchecked Sendable {
    let inner: ThreadGroup
    let gate: ReductionGate

    init(_ inner: ThreadGroup, gate: ReductionGate) { (self.inner, self.gate) = (inner, gate) }

    var rank: Int { inner.rank }
    var size: Int { inner.size }
    func allGather(_ values: [Float], counts: [Int]) throws -> [Float] { try inner.allGather(values, counts: counts) }
    func any(_ flag: Bool) throws -> Bool { try inner.any(flag) }

    func allToAll(_ values: [Float], sendCounts: [Int], receiveCounts: [Int]) throws -> [Float] {
        defer { gate.signal() }
        return try inner.allToAll(values, sendCounts: sendCounts, receiveCounts: receiveCounts)
    }
}

/// A group that counts its gathers, and those of one value from each process.
final class CountingGroup: DataParallelGroup, @unchecked Sendable {
    let inner: ThreadGroup
    private(set) var gathers = 0, singleValueGathers = 0

    init(_ inner: ThreadGroup) { self.inner = inner }

    var rank: Int { inner.rank }
    var size: Int { inner.size }
    func any(_ flag: Bool) throws -> Bool { try inner.any(flag) }

    func allGather(_ values: [Float], counts: [Int]) throws -> [Float] {
        gathers += 1
        if counts.allSatisfy({ $0 == 1 }) { singleValueGathers += 1 }
        return try inner.allGather(values, counts: counts)
    }
}

/// What ``DataParallelTests/onRanks(_:_:)`` collects from its threads.
final class RankResults<Value>: @unchecked Sendable {
    let lock = NSLock()
    var values: [Value?]
    var failures: [String] = []
    init(_ count: Int) { values = Array(repeating: nil, count: count) }
}

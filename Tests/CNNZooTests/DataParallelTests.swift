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
    }

    /// `steps` steps of batch `batch` over 50 images (so epochs end on a short batch).
    static func train(_ spec: ModelSpec = spec, ranks: Int, threads: Int, batch: Int, steps: Int) throws -> [Outcome] {
        Parallelism.setThreads(threads)
        let data = try SyntheticTask.data(count: 50, seed: 11)
        let hub = ThreadGroup.Hub(size: ranks)
        final class Results: @unchecked Sendable {
            let lock = NSLock()
            var outcomes: [Outcome?]
            var failures: [String] = []
            init(_ count: Int) { outcomes = Array(repeating: nil, count: count) }
        }
        let results = Results(ranks)
        let done = DispatchGroup()
        for rank in 0..<ranks {
            done.enter()
            Thread.detachNewThread {
                defer { done.leave() }
                do {
                    let model = try Model(spec: spec)
                    model.initializeParameters(seed: 7)
                    let trainer = try Trainer(model: model, data: data, optimizer: SGD(learningRate: 0.05, momentum: 0.9),
                                              schedule: .constant, batchSize: batch, totalEpochs: 100, state: TrainingState(seed: 3))
                    if ranks > 1 { trainer.group = ThreadGroup(hub: hub, rank: rank) }
                    for _ in 0..<steps {
                        if trainer.epochIsComplete { try trainer.finishEpoch(testAccuracy: nil, seconds: 0) }
                        _ = try trainer.step()
                    }
                    let outcome = Outcome(weights: (model.namedParameters.map(\.parameter) + model.namedBuffers.map(\.buffer)).map(\.value.scalars),
                                          momentum: trainer.optimizerState,
                                          losses: trainer.state.stepLosses, random: trainer.state.random)
                    results.lock.withLock { results.outcomes[rank] = outcome }
                } catch {
                    results.lock.withLock { results.failures.append("rank \(rank): \(error)") }
                }
            }
        }
        done.wait()
        if !results.failures.isEmpty {
            throw NSError(domain: "DataParallelTests", code: 1, userInfo: [NSLocalizedDescriptionKey: results.failures.joined(separator: "; ")])
        }
        let outcomes = results.outcomes
        return outcomes.map { $0! }
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

    /// The comparison above can fail: another thread count sums other chunks.
    func testAnotherChunkCountGivesOtherBits() throws {
        let two = try Self.train(ranks: 1, threads: 2, batch: 16, steps: 14)[0]
        let three = try Self.train(ranks: 1, threads: 3, batch: 16, steps: 14)[0]
        XCTAssertNotEqual(two.weights, three.weights)
    }

    func testSharesTileTheBatchInRankOrder() {
        for count in 1...40 {
            for ranks in 1...4 {
                for threads in 1...3 {
                    let shares = (0..<ranks).map { Trainer.share(of: count, rank: $0, ranks: ranks, threads: threads) }
                    XCTAssertEqual(shares.first?.lowerBound, 0)
                    XCTAssertEqual(shares.last?.upperBound, count)
                    for (a, b) in zip(shares, shares.dropFirst()) { XCTAssertEqual(a.upperBound, b.lowerBound) }
                }
            }
        }
    }
}

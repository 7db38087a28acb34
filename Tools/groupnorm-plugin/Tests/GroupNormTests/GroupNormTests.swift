import CNNZoo
import CNNZooData
import CNNZooTesting
import Foundation
import GroupNorm
import XCTest

/// GroupNorm against finite differences and PyTorch's definition, RMSprop against PyTorch's
/// update, and the zoo entry resumed bit for bit — each built through a registry from the
/// plugin's C table, as the program builds them, and checked with CNNZooTesting.
final class GroupNormTests: XCTestCase {
    let registry = try! Registry(plugins: [.engine, Plugin(library: groupNormLibrary)])

    func layer(_ settings: [String: SettingValue] = [:], input: [Int]) throws -> any Layer {
        try registry.layers.makeLayer(kind: "group_norm", settings: Settings(layerName: "gn", values: settings), inputShape: input)
    }

    func testGradientsMatchFiniteDifferences() throws {
        for (groups, shape) in [(2, [4, 3, 3]), (1, [3, 2, 4]), (3, [3, 4, 2])] {
            let gn = try GradientCheck.layer("group_norm", ["groups": .number(Double(groups))], input: shape, registry: registry.layers)
            GradientCheck.check(gn, input: GradientCheck.randomTensor([2] + shape, seed: UInt64(groups), scale: 2))
        }
        // The first layer of a model asks for no input gradient; the parameters' are the same.
        let a = try GradientCheck.layer("group_norm", ["groups": 2], input: [4, 3, 3], registry: registry.layers)
        let b = try GradientCheck.layer("group_norm", ["groups": 2], input: [4, 3, 3], registry: registry.layers)
        let x = GradientCheck.randomTensor([2, 4, 3, 3], seed: 3), dy = GradientCheck.randomTensor([2, 4, 3, 3], seed: 4)
        var random = RandomGenerator(seed: 1)
        for layer in [a, b] {
            for parameter in layer.parameters { parameter.gradient.zero() }
            _ = layer.forward(x, mode: .training, random: &random)
        }
        _ = a.backward(dy)
        b.accumulateParameterGradients(dy)
        XCTAssertEqual(a.parameters.map(\.gradient), b.parameters.map(\.gradient))
    }

    /// torch.nn.GroupNorm(2, 4) on one sample: channels 0–1 and 2–3 are normalised together.
    func testValuesAsPyTorchDefinesThem() throws {
        let gn = try layer(["groups": 2], input: [4, 1, 2])
        XCTAssertEqual(gn.parameters.map(\.name), ["weight", "bias"])
        XCTAssertEqual(gn.buffers.count, 0)
        XCTAssertEqual(gn.parameters[0].value.scalars, [1, 1, 1, 1], "γ starts at 1, as in PyTorch")
        // Group 0 holds 1, 3, 5, 7: μ = 4, σ² = 5; group 1 holds 0, 0, 2, 2: μ = 1, σ² = 1.
        let x = Tensor(shape: [1, 4, 1, 2], scalars: [1, 3, 5, 7, 0, 0, 2, 2])
        var random = RandomGenerator(seed: 1)
        let y = gn.forward(x, mode: .training, random: &random).scalars
        let s0 = 1 / (5 + 1e-5 as Float).squareRoot(), s1 = 1 / (1 + 1e-5 as Float).squareRoot()
        for (value, expected) in zip(y, [-3 * s0, -s0, s0, 3 * s0, -s1, -s1, s1, s1]) { XCTAssertEqual(value, expected, accuracy: 1e-6) }
        XCTAssertEqual(gn.forward(x, mode: .evaluation, random: &random).scalars, y, "the same in evaluation")
        XCTAssertThrowsError(try layer(["groups": 3], input: [4, 2, 2])) { error in
            XCTAssertEqual((error as? ModelError)?.description, "layer 'gn': 3 groups do not divide 4 channels")
        }
    }

    /// The same batch gives the same outputs on one thread and on two.
    func testResultsDoNotDependOnTheThreadCount() throws {
        let x = GradientCheck.randomTensor([5, 6, 4, 4], seed: 8), dy = GradientCheck.randomTensor([5, 6, 4, 4], seed: 9)
        func run(threads: Int) throws -> [Tensor] {
            let previous = Parallelism.threads
            Parallelism.setThreads(threads)
            defer { Parallelism.setThreads(previous) }
            let gn = try layer(["groups": 3], input: [6, 4, 4])
            var random = RandomGenerator(seed: 1)
            let y = gn.forward(x, mode: .training, random: &random)
            return [y, gn.backward(dy)] + gn.parameters.map(\.gradient)
        }
        // Each sample's group is normalised whole on one thread: the outputs and ∂x do not depend on
        // the thread count; γ's and β's gradients add one chunk per thread, so they repeat exactly
        // for a thread count.
        let one = try run(threads: 1), two = try run(threads: 2)
        XCTAssertEqual(Array(one.prefix(2)), Array(two.prefix(2)))
        XCTAssertEqual(try run(threads: 2), two)
    }

    /// PyTorch's `torch.optim.RMSprop(lr=0.01)` on f(θ) = θ²/2 from θ = 1: its update
    /// (v ← αv + (1 − α)g², θ ← θ − ηg/(√v + ε)) in float32.
    func testRMSpropMatchesPyTorch() throws {
        let rmsprop = try registry.optimizers.makeOptimizer(OptimizerSpec(kind: "rmsprop", settings: [:]))
        OptimizerCheck.check(rmsprop, from: [1], expected: [[0.8999999761581421], [0.8329179286956787], [0.7799822092056274]])
        let run = OptimizerCheck.trajectory(rmsprop, from: [1], steps: 2)
        XCTAssertEqual(run.state.step, 2, "the engine counts the steps")
        XCTAssertEqual(run.state.tensor("square_avg", for: "layer.w")?.scalars.count, 1)
        XCTAssertEqual(rmsprop.hyperparameters.map(\.name), ["lr", "alpha", "eps", "weight_decay"], "in declaration order")
        XCTAssertThrowsError(try registry.optimizers.makeOptimizer(OptimizerSpec(kind: "rmsprop", settings: ["alpha": 2]))) { error in
            XCTAssertEqual((error as? ModelError)?.description, "optimizer 'rmsprop': 'alpha' must be between 0.0 and 0.999999, got 2.0")
        }
    }

    /// The zoo entry trained with RMSprop, stopped mid-epoch, saved and resumed, ends bit for bit
    /// where a straight run ends, square_avg included.
    func testAResumedRunEndsWhereAStraightOneEnds() throws {
        var random = RandomGenerator(seed: 3)
        func images(_ count: Int) throws -> LabeledImages {
            try LabeledImages(imageShape: [1, 28, 28], pixels: (0..<count * 784).map { _ in UInt8(truncatingIfNeeded: random.next()) },
                              labels: (0..<count).map { UInt8($0 % 10) })
        }
        let data = DataSet(name: "synthetic", train: try images(96), test: try images(32))
        let folder = NSTemporaryDirectory() + "groupnorm-resume-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try ResumeCheck.check(spec: mnist163264GroupNorm, registry: registry, data: data, epochs: 2, batchSize: 32,
                              optimizer: OptimizerSpec(kind: "rmsprop", settings: ["lr": 0.001]), stoppingAfter: 4, folder: folder)
    }

    func testThePluginAndItsZooEntryRegister() throws {
        XCTAssertEqual(registry.owner(of: .layer("group_norm"))?.name, "cnn-zoo-groupnorm")
        XCTAssertEqual(registry.owner(of: .optimizer("rmsprop"))?.name, "cnn-zoo-groupnorm")
        let model = try Model(spec: mnist163264GroupNorm, registry: registry)
        XCTAssertEqual(model.namedParameters.map(\.path).filter { $0.hasPrefix("gn") }, ["gn1.weight", "gn1.bias", "gn2.weight", "gn2.bias", "gn3.weight", "gn3.bias"])
        XCTAssertThrowsError(try layer(input: [10])) { error in
            XCTAssertEqual((error as? ModelError)?.description, "layer 'gn': group_norm takes [channels, height, width] inputs, got [10]")
        }
    }
}

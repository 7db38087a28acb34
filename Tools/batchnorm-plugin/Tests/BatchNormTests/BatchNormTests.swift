import BatchNorm
import CNNZoo
import CNNZooData
import CNNZooTesting
import Foundation
import XCTest

/// BatchNorm2d against finite differences, PyTorch's running statistics and evaluation mode,
/// and RMSprop against PyTorch's update — each built through a registry from the plugin's C
/// table, as the program builds them.
final class BatchNormTests: XCTestCase {
    let registry = try! Registry(plugins: [.engine, Plugin(library: batchNormLibrary)])

    func layer(channels: Int = 3, height: Int = 4, width: Int = 5) throws -> any Layer {
        try registry.layers.makeLayer(kind: "batchnorm2d", settings: Settings(layerName: "bn"), inputShape: [channels, height, width])
    }

    func testGradientsMatchFiniteDifferences() throws {
        let bn = try GradientCheck.layer("batchnorm2d", input: [3, 4, 5], registry: registry.layers)
        GradientCheck.check(bn, input: GradientCheck.randomTensor([2, 3, 4, 5], seed: 3, scale: 2))
        // The first layer of a model asks for no input gradient; the parameters' are the same.
        let first = try GradientCheck.layer("batchnorm2d", input: [3, 4, 5], registry: registry.layers)
        let x = GradientCheck.randomTensor([2, 3, 4, 5], seed: 3, scale: 2), dy = GradientCheck.randomTensor([2, 3, 4, 5], seed: 4)
        var random = RandomGenerator(seed: 1)
        for layer in [bn, first] {
            for parameter in layer.parameters { parameter.gradient.zero() }
            _ = layer.forward(x, mode: .training, random: &random)
        }
        _ = bn.backward(dy)
        first.accumulateParameterGradients(dy)
        XCTAssertEqual(bn.parameters.map(\.gradient), first.parameters.map(\.gradient))
    }

    /// One training pass: normalised output per channel, and PyTorch's running-statistics update.
    func testTrainingNormalisesAndUpdatesRunningStatisticsAsPyTorch() throws {
        let bn = try layer(channels: 2, height: 1, width: 2)
        XCTAssertEqual(bn.parameters.map(\.name), ["weight", "bias"])
        XCTAssertEqual(bn.buffers.map(\.name), ["running_mean", "running_var"])
        let (runningMean, runningVariance) = (bn.buffers[0], bn.buffers[1])
        XCTAssertEqual(bn.parameters[0].value.scalars, [1, 1], "γ starts at 1, as in PyTorch")
        XCTAssertEqual(runningVariance.value.scalars, [1, 1])
        // Channel 0 sees 1, 3 (sample 0) and 5, 7 (sample 1): μ = 4, biased σ² = 5, unbiased 20/3.
        let x = Tensor(shape: [2, 2, 1, 2], scalars: [1, 3, 0, 0, 5, 7, 2, 2])
        var random = RandomGenerator(seed: 1)
        let y = bn.forward(x, mode: .training, random: &random)
        let s = 1 / (5 + 1e-5 as Float).squareRoot()
        XCTAssertEqual(y.scalars[0], -3 * s, accuracy: 1e-6)
        XCTAssertEqual(y.scalars[5], 3 * s, accuracy: 1e-6)
        XCTAssertEqual(runningMean.value.scalars[0], 0.4, accuracy: 1e-6)
        XCTAssertEqual(runningVariance.value.scalars[0], 0.9 + 0.1 * 20 / 3, accuracy: 1e-6)
        // Channel 1 sees 0, 0, 2, 2: μ = 1, σ² = 1, unbiased 4/3.
        XCTAssertEqual(runningMean.value.scalars[1], 0.1, accuracy: 1e-6)
        XCTAssertEqual(runningVariance.value.scalars[1], 0.9 + 0.1 * 4 / 3, accuracy: 1e-6)
        // Evaluation uses the running statistics and changes nothing.
        let before = runningMean.value
        let evaluated = bn.forward(x, mode: .evaluation, random: &random)
        XCTAssertEqual(evaluated.scalars[0], (1 - 0.4) / (runningVariance.value.scalars[0] + 1e-5).squareRoot(), accuracy: 1e-6)
        XCTAssertEqual(runningMean.value, before)
    }

    /// The same batch gives the same bits on one thread and on two.
    func testResultsDoNotDependOnTheThreadCount() throws {
        let x = GradientCheck.randomTensor([4, 6, 5, 5], seed: 8), dy = GradientCheck.randomTensor([4, 6, 5, 5], seed: 9)
        func run(threads: Int) throws -> [Tensor] {
            let previous = Parallelism.threads
            Parallelism.setThreads(threads)
            defer { Parallelism.setThreads(previous) }
            let bn = try layer(channels: 6, height: 5, width: 5)
            var random = RandomGenerator(seed: 1)
            let y = bn.forward(x, mode: .training, random: &random)
            return [y, bn.backward(dy)] + bn.parameters.map(\.gradient) + bn.buffers.map(\.value)
        }
        XCTAssertEqual(try run(threads: 1), try run(threads: 2))
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
    /// where a straight run ends: running statistics and square_avg included.
    func testAResumedRunEndsWhereAStraightOneEnds() throws {
        var random = RandomGenerator(seed: 3)
        func images(_ count: Int) throws -> LabeledImages {
            try LabeledImages(imageShape: [1, 28, 28], pixels: (0..<count * 784).map { _ in UInt8(truncatingIfNeeded: random.next()) },
                              labels: (0..<count).map { UInt8($0 % 10) })
        }
        let data = DataSet(name: "synthetic", train: try images(96), test: try images(32))
        let folder = NSTemporaryDirectory() + "batchnorm-resume-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try ResumeCheck.check(spec: mnist163264BatchNorm, registry: registry, data: data, epochs: 2, batchSize: 32,
                              optimizer: OptimizerSpec(kind: "rmsprop", settings: ["lr": 0.001]), stoppingAfter: 4, folder: folder)
    }

    func testThePluginAndItsZooEntryRegister() throws {
        XCTAssertEqual(registry.owner(of: .layer("batchnorm2d"))?.name, "cnn-zoo-batchnorm")
        XCTAssertEqual(registry.owner(of: .optimizer("rmsprop"))?.name, "cnn-zoo-batchnorm")
        let model = try Model(spec: mnist163264BatchNorm, registry: registry)
        XCTAssertEqual(model.namedBuffers.map(\.path), ["bn1.running_mean", "bn1.running_var", "bn2.running_mean", "bn2.running_var",
                                                        "bn3.running_mean", "bn3.running_var"])
        XCTAssertThrowsError(try registry.layers.makeLayer(kind: "batchnorm2d", settings: Settings(layerName: "bn"), inputShape: [10])) { error in
            XCTAssertEqual((error as? ModelError)?.description, "layer 'bn': batchnorm2d takes [channels, height, width] inputs, got [10]")
        }
    }
}

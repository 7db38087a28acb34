import BatchNorm
import CNNZoo
import XCTest

/// BatchNorm2d against finite differences, PyTorch's running statistics, and evaluation mode.
final class BatchNormTests: XCTestCase {
    func layer(channels: Int = 3, height: Int = 4, width: Int = 5) throws -> BatchNorm2D {
        try BatchNorm2D(settings: LayerSettings(layerName: "bn"), inputShape: [channels, height, width])
    }

    func input(_ shape: [Int], seed: UInt64) -> Tensor {
        var random = RandomGenerator(seed: seed)
        return Tensor(shape: shape, scalars: (0..<shape.reduce(1, *)).map { _ in random.nextNormal() * 2 + 0.5 })
    }

    /// Central differences of L = Σ y·r (in Double) against backward, for x, γ and β.
    func testGradientsMatchFiniteDifferences() throws {
        let bn = try layer()
        bn.weight.value.scalars = [1.5, -0.7, 0.9]
        bn.bias.value.scalars = [0.1, 0.2, -0.3]
        let x = input([2, 3, 4, 5], seed: 3)
        var random = RandomGenerator(seed: 1)
        let r = input([2, 3, 4, 5], seed: 9)
        func loss(_ x: Tensor) -> Double {
            zip(bn.forward(x, mode: .training, random: &random).scalars, r.scalars).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
        }
        _ = bn.forward(x, mode: .training, random: &random)
        bn.weight.gradient.zero()
        bn.bias.gradient.zero()
        let dx = bn.backward(r)
        let epsilon: Float = 1e-2
        func check(_ name: String, _ analytic: [Float], _ perturb: (Int, Float) -> Double) {
            let scale = analytic.map(abs).max() ?? 0
            for i in stride(from: 0, to: analytic.count, by: max(1, analytic.count / 40)) {
                let numeric = (perturb(i, epsilon) - perturb(i, -epsilon)) / Double(2 * epsilon)
                XCTAssertEqual(numeric, Double(analytic[i]), accuracy: max(1e-3 * Double(scale) + 1e-2 * abs(Double(analytic[i])), 1e-5), "\(name)[\(i)]")
            }
        }
        check("input", dx.scalars) { i, d in var y = x; y.scalars[i] += d; return loss(y) }
        for parameter in [bn.weight, bn.bias] {
            let analytic = parameter.gradient.scalars
            check(parameter.name, analytic) { i, d in
                let saved = parameter.value.scalars[i]
                parameter.value.scalars[i] = saved + d
                defer { parameter.value.scalars[i] = saved }
                return loss(x)
            }
        }
    }

    /// One training pass: normalised output per channel, and PyTorch's running-statistics update.
    func testTrainingNormalisesAndUpdatesRunningStatisticsAsPyTorch() throws {
        let bn = try layer(channels: 2, height: 1, width: 2)
        // Channel 0 sees 1, 3 (sample 0) and 5, 7 (sample 1): μ = 4, biased σ² = 5, unbiased 20/3.
        let x = Tensor(shape: [2, 2, 1, 2], scalars: [1, 3, 0, 0, 5, 7, 2, 2])
        var random = RandomGenerator(seed: 1)
        let y = bn.forward(x, mode: .training, random: &random)
        let s = 1 / (5 + 1e-5 as Float).squareRoot()
        XCTAssertEqual(y.scalars[0], -3 * s, accuracy: 1e-6)
        XCTAssertEqual(y.scalars[5], 3 * s, accuracy: 1e-6)
        XCTAssertEqual(bn.runningMean.value.scalars[0], 0.4, accuracy: 1e-6)
        XCTAssertEqual(bn.runningVariance.value.scalars[0], 0.9 + 0.1 * 20 / 3, accuracy: 1e-6)
        // Channel 1 sees 0, 0, 2, 2: μ = 1, σ² = 1, unbiased 4/3.
        XCTAssertEqual(bn.runningMean.value.scalars[1], 0.1, accuracy: 1e-6)
        XCTAssertEqual(bn.runningVariance.value.scalars[1], 0.9 + 0.1 * 4 / 3, accuracy: 1e-6)
        // Evaluation uses the running statistics and changes nothing.
        let before = bn.runningMean.value
        let evaluated = bn.forward(x, mode: .evaluation, random: &random)
        XCTAssertEqual(evaluated.scalars[0], (1 - 0.4) / (bn.runningVariance.value.scalars[0] + 1e-5).squareRoot(), accuracy: 1e-6)
        XCTAssertEqual(bn.runningMean.value, before)
        XCTAssertEqual(bn.buffers.map(\.name), ["running_mean", "running_var"])
    }

    func testThePluginAndItsZooEntryRegister() throws {
        let registry = try Registry(plugins: [.engine, batchNormPlugin])
        XCTAssertEqual(registry.owner(of: .layer("batchnorm2d"))?.name, "cnn-zoo-batchnorm")
        let model = try Model(spec: mnist163264BatchNorm, registry: registry)
        XCTAssertEqual(model.namedBuffers.map(\.path), ["bn1.running_mean", "bn1.running_var", "bn2.running_mean", "bn2.running_var",
                                                        "bn3.running_mean", "bn3.running_var"])
        XCTAssertThrowsError(try BatchNorm2D(settings: LayerSettings(layerName: "bn"), inputShape: [10]))
    }
}

import CNNZoo
import CNNZooTesting
import XCTest

/// Average pooling (with and without counting padding), global average pooling and the leaky
/// ReLU: values as PyTorch defines them, and gradients against finite differences.
final class PoolingAndLeakyTests: XCTestCase {
    func run(_ layer: any Layer, _ x: Tensor) -> Tensor {
        var random = RandomGenerator(seed: 1)
        return layer.forward(x, mode: .training, random: &random)
    }

    func testAveragePoolValuesAsPyTorchDefinesThem() throws {
        // A 1×3×3 map 1…9, 2×2 windows, stride 1, padding 1: the corner window covers 1 input.
        let x = Tensor(shape: [1, 1, 3, 3], scalars: (1...9).map(Float.init))
        let including = try GradientCheck.layer("avgpool2d", ["kernel": 2, "stride": 1, "padding": 1], input: [1, 3, 3])
        XCTAssertEqual(including.outputShape, [1, 4, 4])
        let y = run(including, x).scalars
        // torch.nn.AvgPool2d(2, 1, 1)(x): divides by 4 everywhere.
        XCTAssertEqual(Array(y.prefix(4)), [0.25, 0.75, 1.25, 0.75])
        XCTAssertEqual(y[5], 3)   // (1 + 2 + 4 + 5) / 4
        let excluding = try GradientCheck.layer("avgpool2d", ["kernel": 2, "stride": 1, "padding": 1, "count_include_pad": false], input: [1, 3, 3])
        // count_include_pad=False: the corner divides by 1, an edge window by 2.
        XCTAssertEqual(Array(run(excluding, x).scalars.prefix(4)), [1, 1.5, 2.5, 3])
        // Without padding the stride defaults to the kernel, as in PyTorch.
        let plain = try GradientCheck.layer("avgpool2d", ["kernel": 2], input: [1, 4, 4])
        XCTAssertEqual(plain.outputShape, [1, 2, 2])
        XCTAssertEqual(run(plain, Tensor(shape: [1, 1, 4, 4], scalars: (0..<16).map(Float.init))).scalars, [2.5, 4.5, 10.5, 12.5])
    }

    func testAveragePoolGradients() throws {
        let cases: [[String: SettingValue]] = [
            ["kernel": 2], ["kernel": 3, "stride": 2, "padding": 1], ["kernel": 3, "stride": 2, "padding": 1, "count_include_pad": false],
            ["kernel": [2, 3], "stride": [1, 2], "padding": [1, 0, 0, 1]],
        ]
        for (index, settings) in cases.enumerated() {
            let layer = try GradientCheck.layer("avgpool2d", settings, input: [2, 5, 6])
            GradientCheck.check(layer, input: GradientCheck.randomTensor([3, 2, 5, 6], seed: UInt64(index)))
        }
    }

    /// Forward and backward run whole output rows (or, at stride 1, whole planes) at a time, yet
    /// every window adds its values, and every input position its windows' shares, in the order of
    /// the definition: the same bits as the plain window-by-window loops, in every layout of
    /// stride, padding and divisor, with every kernel variant this CPU runs.
    func testAveragePoolAddsInTheDefinitionsOrderBitForBit() throws {
        let cases: [([String: SettingValue], [Int])] = [
            (["kernel": 3, "stride": 1, "padding": 1], [3, 14, 14]), (["kernel": 3, "stride": 1, "padding": 1, "count_include_pad": false], [2, 7, 7]),
            (["kernel": 2], [2, 7, 9]), (["kernel": 3, "stride": 2, "padding": 1], [2, 9, 10]),
            (["kernel": [2, 3], "stride": [1, 2], "padding": [1, 0, 2, 1]], [2, 7, 9]),
            (["kernel": [2, 3], "stride": 1, "padding": [1, 0, 2, 1]], [2, 7, 9]),
            (["kernel": [3, 2], "stride": 1, "padding": [0, 2, 1, 0], "count_include_pad": false], [3, 5, 6]),
            (["kernel": 3, "stride": 1], [2, 3, 3]), (["kernel": 1, "stride": 1], [1, 4, 5]),
        ]
        for (index, (settings, shape)) in cases.enumerated() {
            let layer = try XCTUnwrap(GradientCheck.layer("avgpool2d", settings, input: shape) as? AvgPool2D)
            let w = layer.window, batch = 3
            let x = GradientCheck.randomTensor([batch] + shape, seed: UInt64(index)), dy = GradientCheck.randomTensor([batch] + layer.outputShape, seed: 9)
            let (plane, outputPlane) = (w.height * w.width, w.outputHeight * w.outputWidth)
            var expected = [Float](repeating: 0, count: dy.count), expectedDx = [Float](repeating: 0, count: x.count)
            for p in 0..<batch * w.channels { for i in 0..<w.outputHeight { for j in 0..<w.outputWidth {
                let top = i * w.strideHeight - w.padding.top, left = j * w.strideWidth - w.padding.left
                let rows = max(top, 0)..<min(top + w.kernelHeight, w.height), columns = max(left, 0)..<min(left + w.kernelWidth, w.width)
                let divisor = Float(layer.countsPadding ? w.kernelHeight * w.kernelWidth : rows.count * columns.count)
                var sum: Float = 0
                for r in rows { for c in columns { sum += x.scalars[p * plane + r * w.width + c] } }
                expected[p * outputPlane + i * w.outputWidth + j] = sum * (1 / divisor)
                let share = dy.scalars[p * outputPlane + i * w.outputWidth + j] * (1 / divisor)
                for r in rows { for c in columns { expectedDx[p * plane + r * w.width + c] += share } }
            } } }
            defer { Kernels.variant = Kernels.defaultVariant }
            for variant in Kernels.Variant.allCases where variant.isSupported {
                Kernels.variant = variant
                XCTAssertEqual(run(layer, x).scalars, expected, "forward, case \(index), \(variant)")
                XCTAssertEqual(layer.backward(dy).scalars, expectedDx, "backward, case \(index), \(variant)")
            }
        }
    }

    func testGlobalAveragePool() throws {
        let layer = try GradientCheck.layer("global_avg_pool", input: [2, 2, 3])
        XCTAssertEqual(layer.outputShape, [2])
        XCTAssertEqual(run(layer, Tensor(shape: [1, 2, 2, 3], scalars: (0..<12).map(Float.init))).scalars, [2.5, 8.5])
        GradientCheck.check(layer, input: GradientCheck.randomTensor([3, 2, 2, 3], seed: 4))
    }

    func testLeakyReLU() throws {
        let layer = try GradientCheck.layer("leaky_relu", input: [4])
        XCTAssertEqual(run(layer, Tensor(shape: [1, 4], scalars: [-2, -0.5, 0.5, 3])).scalars, [-0.02, -0.005, 0.5, 3])
        let steep = try GradientCheck.layer("leaky_relu", ["negative_slope": 0.2], input: [2, 3, 3])
        GradientCheck.check(steep, input: GradientCheck.separatedTensor([3, 2, 3, 3], seed: 5))
        XCTAssertThrowsError(try GradientCheck.layer("leaky_relu", ["negative_slope": -1], input: [4]))
    }

    /// After a convolution the leaky ReLU runs fused into it, sample by sample: the same values.
    func testFusedAfterAConvolutionAsAlone() throws {
        let spec = ModelSpec(name: "leaky", inputShape: [1, 6, 6], classes: 3,
                             layers: [LayerSpec(name: "conv", kind: "conv2d", settings: ["out_channels": 2, "kernel": 3]),
                                      LayerSpec(name: "leaky", kind: "leaky_relu", settings: ["negative_slope": 0.3]),
                                      LayerSpec(name: "pool", kind: "avgpool2d", settings: ["kernel": 2]),
                                      LayerSpec(name: "gap", kind: "global_avg_pool"),
                                      LayerSpec(name: "fc", kind: "dense", settings: ["units": 3])],
                             loss: LossSpec(kind: "cross_entropy"))
        let model = try Model(spec: spec)
        model.initializeParameters(seed: 2)
        let x = GradientCheck.randomTensor([4, 1, 6, 6], seed: 3)
        var random = RandomGenerator(seed: 1)
        let fused = try model.forward(x, mode: .evaluation, random: &random)
        XCTAssertEqual(fused, model.layerByLayer(x, mode: .evaluation, random: &random))
    }
}

/// Batch normalisation built in: PyTorch's values and running statistics, finite differences.
final class BatchNormTests: XCTestCase {
    func testGradientsMatchFiniteDifferences() throws {
        let bn = try GradientCheck.layer("batchnorm2d", input: [3, 4, 5])
        GradientCheck.check(bn, input: GradientCheck.randomTensor([2, 3, 4, 5], seed: 3, scale: 2))
    }

    /// One training pass: normalised output per channel, and PyTorch's running-statistics update.
    func testTrainingNormalisesAndUpdatesRunningStatisticsAsPyTorch() throws {
        let bn = try LayerRegistry.standard.makeLayer(kind: "batchnorm2d", settings: LayerSettings(layerName: "bn"), inputShape: [2, 1, 2])
        XCTAssertEqual(bn.parameters.map(\.name), ["weight", "bias"])
        XCTAssertEqual(bn.buffers.map(\.name), ["running_mean", "running_var"])
        let (runningMean, runningVariance) = (bn.buffers[0], bn.buffers[1])
        XCTAssertEqual(bn.parameters[0].value.scalars, [1, 1], "γ starts at 1, as in PyTorch")
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

    /// The variance comes from squares about the running mean: a channel whose values lie far
    /// from it (1,000 ± 0.01, against a running mean of 0 on the first pass) still gets its
    /// variance to a few parts in 10⁵, and closely once the running mean has come near.
    func testTheVarianceHoldsFarFromTheRunningMean() throws {
        let bn = try LayerRegistry.standard.makeLayer(kind: "batchnorm2d", settings: LayerSettings(layerName: "bn", values: ["momentum": 1]),
                                                      inputShape: [1, 4, 4])
        let deviations: [Float] = (0..<32).map { i in
            let sign: Float = i % 2 == 0 ? 1 : -1
            return sign * 0.01 * Float(1 + i % 3)
        }
        let x = Tensor(shape: [2, 1, 4, 4], scalars: deviations.map { 1000 + $0 })
        let values: [Double] = x.scalars.map(Double.init)
        let mu: Double = values.reduce(0, +) / 32
        let variance: Double = values.map { ($0 - mu) * ($0 - mu) }.reduce(0, +) / 32
        var random = RandomGenerator(seed: 1)
        for (pass, tolerance) in [(1, 1e-4), (2, 1e-6)] {
            _ = bn.forward(x, mode: .training, random: &random)
            // With momentum 1 the running variance is the batch's, unbiased.
            let measured = Double(bn.buffers[1].value.scalars[0]) * 31 / 32
            XCTAssertEqual(measured, variance, accuracy: tolerance * variance, "pass \(pass)")
        }
    }
}

import Foundation
import XCTest
@testable import CNNZoo
import CNNZooTesting

/// Forward values worked out by hand.
final class ForwardValueTests: XCTestCase {
    /// x = 1…16 on a 4×4 map, kernel 1…9 on 3×3.
    func conv(_ settings: [String: SettingValue]) throws -> Tensor {
        let layer = try GradientCheck.layer("conv2d", settings.merging(["out_channels": 1, "kernel": 3]) { a, _ in a }, input: [1, 4, 4])
        let conv = try XCTUnwrap(layer as? Conv2D)
        conv.weight.value.scalars = (1...9).map(Float.init)
        conv.bias?.value.scalars = [0.5]
        var random = RandomGenerator(seed: 0)
        return layer.forward(Tensor(shape: [1, 1, 4, 4], scalars: (1...16).map(Float.init)), mode: .evaluation, random: &random)
    }

    func testConv3x3On4x4Valid() throws {
        // (0,0): 1·1+2·2+3·3+4·5+5·6+6·7+7·9+8·10+9·11 = 348; each step right adds Σk = 45, down adds 4·45.
        let y = try conv([:])
        XCTAssertEqual(y.shape, [1, 1, 2, 2])
        XCTAssertEqual(y.scalars, [348.5, 393.5, 528.5, 573.5])
    }

    func testConv3x3On4x4PaddedStrided() throws {
        // (0,0) sees x[0..1][0..1] under kernel entries 5, 6, 8, 9: 5·1 + 6·2 + 8·5 + 9·6 = 111.
        let y = try conv(["padding": 1, "stride": 2, "bias": true])
        XCTAssertEqual(y.shape, [1, 1, 2, 2])
        XCTAssertEqual(y.scalars[0], 111.5)
        // (1,1) sees rows 1…3, cols 1…3 fully: 6·1+7·2+8·3+10·4+11·5+12·6+14·7+15·8+16·9 = 573.
        XCTAssertEqual(y.scalars[3], 573.5)
    }

    func testSeed004PoolOnKnownMapAccumulatesOverlaps() throws {
        let layer = try GradientCheck.layer("maxpool2d", ["kernel": 3, "stride": 2, "padding": [0, 1, 0, 1]], input: [1, 4, 4])
        let map: [Float] = [1, 5, 2, 0,
                            3, 4, 9, 1,
                            0, 8, 6, 7,
                            2, 1, 3, 4]
        var random = RandomGenerator(seed: 0)
        let y = layer.forward(Tensor(shape: [1, 1, 4, 4], scalars: map), mode: .training, random: &random)
        XCTAssertEqual(y.scalars, [9, 9, 8, 7])
        let dx = layer.backward(Tensor(repeating: 1, shape: [1, 1, 2, 2]))
        // The 9 wins two overlapping windows: its gradient adds up to 2 (seed 004 assigned, losing one).
        XCTAssertEqual(dx.scalars, [0, 0, 0, 0,
                                    0, 0, 2, 0,
                                    0, 1, 0, 1,
                                    0, 0, 0, 0])
    }

    func testPoolTieSendsGradientToOnePosition() throws {
        let layer = try GradientCheck.layer("maxpool2d", ["kernel": 2], input: [1, 2, 2])
        var random = RandomGenerator(seed: 0)
        _ = layer.forward(Tensor(repeating: 3, shape: [1, 1, 2, 2]), mode: .training, random: &random)
        XCTAssertEqual(layer.backward(Tensor(repeating: 1, shape: [1, 1, 1, 1])).scalars, [1, 0, 0, 0])
    }

    func testSoftmaxOfExtremeLogits() throws {
        let layer = try GradientCheck.layer("softmax", input: [3])
        var random = RandomGenerator(seed: 0)
        let y = layer.forward(Tensor(shape: [2, 3], scalars: [1000, 0, -1000, 1e30, 1e30, -1e30]), mode: .evaluation, random: &random)
        XCTAssertEqual(y.scalars, [1, 0, 0, 0.5, 0.5, 0])
        let (loss, gradient) = CategoricalCrossEntropy().evaluate(output: Tensor(shape: [1, 3], scalars: [1000, 0, -1000]),
                                                                  target: Tensor(oneHot: [2], classes: 3))
        XCTAssertEqual(loss, 2000, accuracy: 1e-3)
        XCTAssertEqual(gradient.scalars, [1, 0, -1])
    }

    func testBinaryCrossEntropyAtCertainty() {
        let target = Tensor(shape: [1, 4], scalars: [1, 0, 0, 1])
        let (loss, gradient) = BinaryCrossEntropy(fromLogits: false).evaluate(output: Tensor(shape: [1, 4], scalars: [1, 0, 1, 0]), target: target)
        XCTAssertTrue(loss.isFinite)
        XCTAssertTrue(gradient.isFinite)
        // Two exact hits cost ≈0; the miss at p = 0 costs −log ε and the miss at p = 1 costs
        // −log(1 − fl(1 − ε)); the mean is over all four outputs.
        let epsilon = BinaryCrossEntropy.epsilon
        XCTAssertEqual(loss, (-logf(epsilon) - logf(1 - (1 - epsilon))) / 4, accuracy: 1e-3)
        let logits = BinaryCrossEntropy(fromLogits: true).evaluate(output: Tensor(shape: [1, 4], scalars: [1e4, -1e4, 1e4, -1e4]), target: target)
        XCTAssertEqual(logits.loss, 5000, accuracy: 1e-2)
        XCTAssertTrue(logits.gradient.isFinite)
    }

    func testDropoutIsInvertedAndIdentityInEvaluation() throws {
        let layer = try GradientCheck.layer("dropout", ["rate": 0.5], input: [1000])
        let x = Tensor(repeating: 1, shape: [4, 1000])
        var random = RandomGenerator(seed: 1)
        let y = layer.forward(x, mode: .training, random: &random)
        XCTAssertTrue(y.scalars.allSatisfy { $0 == 0 || $0 == 2 })
        let kept = y.scalars.filter { $0 == 2 }.count
        XCTAssertEqual(Double(kept) / 4000, 0.5, accuracy: 0.03)
        // Fresh mask per sample: the four rows differ.
        XCTAssertNotEqual(Array(y.scalars[0..<1000]), Array(y.scalars[1000..<2000]))
        XCTAssertEqual(layer.forward(x, mode: .evaluation, random: &random), x)
    }
}

final class SigmoidKernelTests: XCTestCase {
    override func tearDown() { Kernels.variant = Kernels.defaultVariant }

    /// On every variant this CPU runs: within 1e-6 relative error of σ computed in double over
    /// the whole range, exactly ½ at 0, and saturating without overflow beyond the range.
    func testMatchesDoublePrecisionOnEveryVariant() {
        let inputs = stride(from: Float(-87), through: 88, by: 0.0137).map { $0 }
        for variant in Kernels.Variant.allCases where variant.isSupported {
            Kernels.variant = variant
            var values = inputs
            values.withUnsafeMutableBufferPointer { Kernels.sigmoid($0.baseAddress!, count: $0.count) }
            var worst = 0.0
            for (x, y) in zip(inputs, values) {
                let exact = 1 / (1 + Foundation.exp(-Double(x)))
                worst = max(worst, abs(Double(y) - exact) / exact)
            }
            XCTAssertLessThan(worst, 1e-6, "\(variant)")
            var extremes: [Float] = [-1e30, -200, 200, 1e30, 0]
            extremes.withUnsafeMutableBufferPointer { Kernels.sigmoid($0.baseAddress!, count: $0.count) }
            XCTAssertTrue(extremes.allSatisfy(\.isFinite), "\(variant)")
            XCTAssertLessThan(extremes[0], 1e-37)
            XCTAssertGreaterThanOrEqual(extremes[0], 0)
            XCTAssertEqual(extremes[3], 1)
            XCTAssertEqual(extremes[4], 0.5, "\(variant)")
        }
    }
}

final class MaxPoolReferenceTests: XCTestCase {
    /// Forward and backward against a direct reading of the definition, on maps wide enough for
    /// the four-window fast path, with small integer values so ties are everywhere.
    func testMatchesNaiveReferenceOnWideMapsWithTies() throws {
        let configurations: [(settings: [String: SettingValue], input: [Int])] = [
            (["kernel": 3, "stride": 2, "padding": [0, 1, 0, 1]], [3, 6, 29]),
            (["kernel": 2], [2, 4, 24]),
            (["kernel": [2, 3], "stride": [1, 1], "padding": 1], [1, 5, 17]),
            (["kernel": 3, "stride": 3], [2, 9, 40]),
        ]
        for (index, configuration) in configurations.enumerated() {
            let layer = try GradientCheck.layer("maxpool2d", configuration.settings, input: configuration.input)
            let pool = try XCTUnwrap(layer as? MaxPool2D)
            let w = pool.window
            var random = RandomGenerator(seed: UInt64(index))
            let batch = 2
            let x = Tensor(shape: [batch] + configuration.input,
                           scalars: (0..<batch * Tensor.count(of: configuration.input)).map { _ in Float(random.next() % 4) })
            let y = layer.forward(x, mode: .training, random: &random)
            let dy = Tensor(shape: y.shape, scalars: (0..<y.count).map { _ in random.nextUniform() })
            let dx = layer.backward(dy)
            var expectedY: [Float] = [], expectedDX = [Float](repeating: 0, count: x.count)
            for plane in 0..<(batch * w.channels) {
                for oh in 0..<w.outputHeight {
                    for ow in 0..<w.outputWidth {
                        var best = -Float.infinity, at = -1
                        for i in 0..<w.kernelHeight {
                            for j in 0..<w.kernelWidth {
                                let ih = oh * w.strideHeight - w.padding.top + i, iw = ow * w.strideWidth - w.padding.left + j
                                guard (0..<w.height).contains(ih), (0..<w.width).contains(iw) else { continue }
                                let flat = (plane * w.height + ih) * w.width + iw
                                if x.scalars[flat] > best { best = x.scalars[flat]; at = flat }
                            }
                        }
                        expectedDX[at] += dy.scalars[expectedY.count]
                        expectedY.append(best)
                    }
                }
            }
            XCTAssertEqual(y.scalars, expectedY, "forward, configuration \(index)")
            for i in 0..<x.count {
                XCTAssertEqual(dx.scalars[i], expectedDX[i], accuracy: 1e-6, "backward, configuration \(index), element \(i)")
            }
        }
    }
}

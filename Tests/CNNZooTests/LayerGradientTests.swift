import XCTest
@testable import CNNZoo
import CNNZooTesting

/// Every layer's backward pass against finite differences (see ``GradientCheck``).
final class LayerGradientTests: XCTestCase {
    func testConv2DAcrossStridesAndPaddings() throws {
        let cases: [(settings: [String: SettingValue], input: [Int])] = [
            (["out_channels": 3, "kernel": 3], [2, 5, 6]),
            (["out_channels": 4, "kernel": 3, "padding": 1], [3, 6, 5]),
            (["out_channels": 2, "kernel": [3, 2], "stride": 2, "padding": [1, 0]], [2, 7, 6]),
            (["out_channels": 3, "kernel": 5, "stride": 2], [1, 9, 9]),
            (["out_channels": 2, "kernel": 3, "stride": [2, 1], "padding": [0, 1, 1, 0], "bias": false], [2, 6, 6]),
            (["out_channels": 3, "kernel": 3, "padding": 1], [4, 5, 5]),  // 36-row patches: ∂W formed transposed
            // Winograd, in both tile sizes below: an even output, an odd one without padding, asymmetric padding.
            (["out_channels": 5, "kernel": 3, "padding": 1], [4, 6, 6]),
            (["out_channels": 3, "kernel": 3], [5, 7, 8]),
            (["out_channels": 2, "kernel": 3, "padding": [0, 2, 1, 0], "bias": false], [4, 6, 5]),
        ]
        for (index, testCase) in cases.enumerated() {
            let layer = try GradientCheck.layer("conv2d", testCase.settings, input: testCase.input, seed: UInt64(index))
            let input = GradientCheck.randomTensor([3] + testCase.input, seed: UInt64(10 + index))
            guard let conv = layer as? Conv2D, conv.winograd != nil else {
                GradientCheck.check(layer, input: input)
                continue
            }
            conv.usesWinograd = true  // wherever it applies, whatever this CPU's kernels
            for tile in [2, 4] {
                conv.winograd = WinogradConvolution(window: conv.window, outputs: conv.outChannels, tile: tile)
                GradientCheck.check(layer, input: input)
            }
        }
    }

    func testGroupedAndDepthwiseConvolutionGradients() throws {
        let cases: [(settings: [String: SettingValue], input: [Int])] = [
            (["out_channels": 4, "kernel": 3, "padding": 1, "groups": 2], [4, 5, 5]),
            (["out_channels": 6, "kernel": 3, "stride": 2, "groups": 3, "bias": false], [3, 7, 6]),
            (["out_channels": 4, "kernel": 3, "padding": 1, "groups": 4], [4, 6, 6]),  // depthwise
            (["out_channels": 8, "kernel": 3, "padding": 1, "groups": 2], [8, 5, 5]),  // 36-row group patches: ∂W transposed
        ]
        for (index, testCase) in cases.enumerated() {
            let layer = try XCTUnwrap(GradientCheck.layer("conv2d", testCase.settings, input: testCase.input, seed: UInt64(index)) as? Conv2D)
            XCTAssertNil(layer.winograd, "Winograd is for ungrouped convolutions")
            XCTAssertEqual(layer.weight.value.shape[1], testCase.input[0] / layer.groups)
            GradientCheck.check(layer, input: GradientCheck.randomTensor([3] + testCase.input, seed: UInt64(20 + index)))
        }
        XCTAssertThrowsError(try GradientCheck.layer("conv2d", ["out_channels": 4, "kernel": 3, "groups": 3], input: [3, 5, 5])) { error in
            XCTAssertTrue("\(error)".contains("'groups' 3 must divide"), "\(error)")
        }
    }

    /// A grouped convolution is the ungrouped one with a block-diagonal weight.
    func testGroupedConvolutionIsTheBlockDiagonalOne() throws {
        let input = [4, 6, 5], settings: [String: SettingValue] = ["out_channels": 6, "kernel": 3, "padding": 1]
        let grouped = try XCTUnwrap(GradientCheck.layer("conv2d", settings.merging(["groups": 2]) { a, _ in a }, input: input) as? Conv2D)
        let full = try XCTUnwrap(GradientCheck.layer("conv2d", settings, input: input) as? Conv2D)
        full.usesWinograd = false
        let w = grouped.weight.value.scalars  // [6, 2, 3, 3]
        var blockDiagonal = [Float](repeating: 0, count: 6 * 4 * 9)
        for o in 0..<6 {
            let group = o / 3
            for c in 0..<2 { for i in 0..<9 { blockDiagonal[(o * 4 + group * 2 + c) * 9 + i] = w[(o * 2 + c) * 9 + i] } }
        }
        full.weight.value.scalars = blockDiagonal
        full.bias?.value.scalars = grouped.bias?.value.scalars ?? []
        let x = GradientCheck.randomTensor([3] + input, seed: 7)
        var random = RandomGenerator(seed: 1)
        let a = grouped.forward(x, mode: .training, random: &random).scalars
        let b = full.forward(x, mode: .training, random: &random).scalars
        for (u, v) in zip(a, b) { XCTAssertEqual(u, v, accuracy: 1e-5) }
        XCTAssertEqual(grouped.multiplyAdds * 2, full.multiplyAdds)
    }

    func testConv2DWeightGradientIsTheSameInBothForms() throws {
        // ∂W = ∂Y·X̂ᵀ and ∂W = (X̂·∂Yᵀ)ᵀ sum the same products; a batch of 5 over the threads
        // exercises a chunk's first sample starting the sum and the others adding to it.
        for (settings, input) in [(["out_channels": 6, "kernel": 3, "padding": 1] as [String: SettingValue], [4, 7, 6]),
                                  (["out_channels": 3, "kernel": [2, 5], "stride": 2], [5, 9, 11])] {
            let layer = try XCTUnwrap(GradientCheck.layer("conv2d", settings, input: input) as? Conv2D)
            XCTAssertTrue(layer.transposedWeightGradient, "patches of \(layer.weight.value.count / layer.outChannels) rows")
            let x = GradientCheck.randomTensor([5] + input, seed: 4)
            let dy = GradientCheck.randomTensor([5] + layer.outputShape, seed: 5)
            var gradients: [[Float]] = []
            for transposed in [true, false] {
                layer.transposedWeightGradient = transposed
                var random = RandomGenerator(seed: 1)
                _ = layer.forward(x, mode: .training, random: &random)
                layer.weight.gradient.zero()
                _ = layer.backward(dy)
                gradients.append(layer.weight.gradient.scalars)
            }
            let scale = gradients[1].map { abs($0) }.max() ?? 0
            XCTAssertGreaterThan(scale, 0)
            for (a, b) in zip(gradients[0], gradients[1]) { XCTAssertEqual(a, b, accuracy: 1e-5 * scale) }
        }
    }

    func testWinogradAgreesWithTheDirectConvolution() throws {
        // A batch of 11 over the threads: chunks of several groups of 4, and a group cut short.
        let cases: [(settings: [String: SettingValue], input: [Int])] = [
            (["out_channels": 6, "kernel": 3, "padding": 1], [4, 14, 14]),
            (["out_channels": 8, "kernel": 3, "padding": 1], [5, 7, 7]),
            (["out_channels": 3, "kernel": 3, "padding": [2, 0, 1, 2]], [4, 6, 9]),
            // Wider layers: more channels than one vector of the transforms holds, some with a
            // remainder past it.
            (["out_channels": 17, "kernel": 3, "padding": [1, 0, 2, 1]], [9, 7, 6]),
            (["out_channels": 16, "kernel": 3, "padding": 1], [16, 10, 10]),
        ]
        for (settings, input) in cases {
            let layer = try XCTUnwrap(GradientCheck.layer("conv2d", settings, input: input) as? Conv2D)
            XCTAssertNotNil(layer.winograd, "\(input)")
            let x = GradientCheck.randomTensor([11] + input, seed: 4)
            let dy = GradientCheck.randomTensor([11] + layer.outputShape, seed: 5)
            func passes() -> [[Float]] {
                var random = RandomGenerator(seed: 1)
                let y = layer.forward(x, mode: .training, random: &random)
                for parameter in layer.parameters { parameter.gradient.zero() }
                let dx = layer.backward(dy)
                return [y.scalars, dx.scalars] + layer.parameters.map(\.gradient.scalars)
            }
            layer.usesWinograd = false
            let direct = passes()
            layer.usesWinograd = true
            // Both tile sizes, whichever the layer chose: F(4×4)'s transforms scale by up to 5 and
            // 1/24, so its values stray a little further from the direct sum's.
            for (tile, tolerance) in [(2, Float(1e-5)), (4, Float(2e-5))] {
                layer.winograd = WinogradConvolution(window: layer.window, outputs: layer.outChannels, tile: tile)
                for (name, (a, b)) in zip(["y", "∂x", "∂W", "∂b"], zip(passes(), direct)) {
                    let scale = b.map { abs($0) }.max() ?? 0
                    XCTAssertGreaterThan(scale, 0, name)
                    for (u, v) in zip(a, b) { XCTAssertEqual(u, v, accuracy: tolerance * scale, "\(name) of \(input), F(\(tile)×\(tile))") }
                }
            }
        }
    }

    func testWinogradIsOnlyUsedWhereItApplies() throws {
        for (settings, input, applies) in [
            (["out_channels": 4, "kernel": 3, "padding": 1] as [String: SettingValue], [4, 8, 8], true),
            (["out_channels": 4, "kernel": 3, "padding": 1], [3, 8, 8], false),  // too few channels
            (["out_channels": 4, "kernel": 3, "stride": 2], [4, 8, 8], false),
            (["out_channels": 4, "kernel": 5, "padding": 2], [4, 8, 8], false),
        ] {
            let layer = try XCTUnwrap(GradientCheck.layer("conv2d", settings, input: input) as? Conv2D)
            layer.usesWinograd = true
            XCTAssertEqual(layer.winograd != nil, applies, "\(settings) on \(input)")
            XCTAssertEqual(layer.performedMultiplyAdds < layer.multiplyAdds, applies)
        }
    }

    func testWinogradTakesTheTileThatFormsFewerProducts() throws {
        // Outputs (after padding 1): F(4×4) where its 36 points a 4×4 tile beat F(2×2)'s 16 a 2×2 one.
        for (side, tile) in [(28, 4), (14, 4), (7, 4), (8, 4), (6, 2), (5, 2), (3, 4), (2, 2)] {
            let layer = try XCTUnwrap(GradientCheck.layer("conv2d", ["out_channels": 4, "kernel": 3, "padding": 1],
                                                          input: [4, side, side]) as? Conv2D)
            let winograd = try XCTUnwrap(layer.winograd)
            XCTAssertEqual(winograd.tile, tile, "\(side)×\(side)")
            let other = try XCTUnwrap(WinogradConvolution(window: layer.window, outputs: 4, tile: 6 - tile))
            XCTAssertLessThanOrEqual(winograd.multiplyAdds, other.multiplyAdds, "\(side)×\(side)")
        }
    }

    func testWinogradIsChosenWithTheKernelsThatHaveFusedMultiplyAdd() throws {
        let previous = Kernels.variant
        defer { Kernels.variant = previous }
        for variant in Kernels.Variant.allCases where variant.isSupported {
            Kernels.variant = variant
            let layer = try XCTUnwrap(GradientCheck.layer("conv2d", ["out_channels": 4, "kernel": 3, "padding": 1], input: [4, 8, 8]) as? Conv2D)
            XCTAssertEqual(layer.usesWinograd, variant != .portable, variant.rawValue)
        }
    }

    func testMaxPoolIncludingOverlappingOneSidedPadding() throws {
        let cases: [(settings: [String: SettingValue], input: [Int])] = [
            (["kernel": 2], [2, 6, 6]),
            (["kernel": 3, "stride": 2, "padding": [0, 1, 0, 1]], [2, 8, 8]),   // seed 004's pool
            (["kernel": 3, "stride": 1, "padding": 1], [1, 5, 5]),
            (["kernel": [2, 3], "stride": [1, 2]], [3, 5, 7]),
        ]
        for (index, testCase) in cases.enumerated() {
            let layer = try GradientCheck.layer("maxpool2d", testCase.settings, input: testCase.input)
            GradientCheck.check(layer, input: GradientCheck.separatedTensor([2] + testCase.input, seed: UInt64(index)))
        }
    }

    func testDense() throws {
        let layer = try GradientCheck.layer("dense", ["units": 7], input: [11])
        GradientCheck.check(layer, input: GradientCheck.randomTensor([4, 11], seed: 1))
        let noBias = try GradientCheck.layer("dense", ["units": 3, "bias": false], input: [5])
        GradientCheck.check(noBias, input: GradientCheck.randomTensor([2, 5], seed: 2))
    }

    /// Evaluation's product is b + one chain of fused multiply-adds in input order for every
    /// output, the same bits on 1, 2 and 3 threads (odd batches and units past the kernel's
    /// blocks included), and training's sgemm values to rounding.
    func testDenseEvaluationIsItsDefinitionOnAnyThreadCount() throws {
        defer { Parallelism.setThreads(ProcessInfoCores.active) }
        for (index, (batch, inputs, units)) in [(5, 37, 19), (64, 300, 100), (3, 8, 1)].enumerated() {
            let layer = try GradientCheck.layer("dense", ["units": .number(Double(units))], input: [inputs]) as! Dense
            layer.weight.value = GradientCheck.randomTensor([units, inputs], seed: UInt64(index))
            layer.bias!.value = GradientCheck.randomTensor([units], seed: UInt64(index + 10))
            let x = GradientCheck.randomTensor([batch, inputs], seed: UInt64(index + 20))
            var expected = [Float](repeating: 0, count: batch * units)
            for n in 0..<batch { for u in 0..<units {
                var sum: Float = 0
                for p in 0..<inputs { sum.addProduct(layer.weight.value.scalars[u * inputs + p], x.scalars[n * inputs + p]) }
                expected[n * units + u] = layer.bias!.value.scalars[u] + sum
            } }
            var random = RandomGenerator(seed: 0)
            for threads in 1...3 {
                Parallelism.setThreads(threads)
                XCTAssertEqual(layer.forward(x, mode: Mode.evaluation, random: &random).scalars, expected, "\(batch)×\(inputs)→\(units), \(threads) threads")
            }
            let training = layer.forward(x, mode: Mode.training, random: &random).scalars
            for (a, b) in zip(training, expected) { XCTAssertEqual(a, b, accuracy: 1e-5 * Float(inputs)) }
        }
    }

    func testPositionBias() throws {
        let layer = try GradientCheck.layer("bias", [:], input: [3, 4, 5])
        GradientCheck.check(layer, input: GradientCheck.randomTensor([3, 3, 4, 5], seed: 1))
    }

    func testDropoutWithFixedMask() throws {
        let layer = try GradientCheck.layer("dropout", ["rate": 0.4], input: [3, 4, 4])
        GradientCheck.check(layer, input: GradientCheck.randomTensor([3, 3, 4, 4], seed: 1))
    }

    func testShapeLayers() throws {
        GradientCheck.check(try GradientCheck.layer("flatten", input: [2, 3, 4]),
                            input: GradientCheck.randomTensor([2, 2, 3, 4], seed: 1))
        GradientCheck.check(try GradientCheck.layer("reshape", ["shape": [4, -1]], input: [2, 3, 4]),
                            input: GradientCheck.randomTensor([2, 2, 3, 4], seed: 2))
    }

    func testActivations() throws {
        for kind in ["relu", "sigmoid", "tanh", "softmax"] {
            let layer = try GradientCheck.layer(kind, input: [2, 3, 3])
            GradientCheck.check(layer, input: GradientCheck.separatedTensor([3, 2, 3, 3], seed: 5))
        }
    }

    func testWholeSeed004StackBackpropagates() throws {
        // Conv → per-position bias → ReLU → seed 004's pool, checked as one composite function.
        let conv = try GradientCheck.layer("conv2d", ["out_channels": 2, "kernel": 3, "padding": 1, "bias": false], input: [1, 6, 6])
        let bias = try GradientCheck.layer("bias", input: [2, 6, 6])
        let input = GradientCheck.randomTensor([2, 1, 6, 6], seed: 9)
        var random = RandomGenerator(seed: 1)
        let hidden = conv.forward(input, mode: .training, random: &random)
        GradientCheck.check(bias, input: hidden)
    }
}

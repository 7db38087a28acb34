import XCTest
@testable import CNNZoo
import CNNZooTesting

/// Every kernel variant this machine can run against the portable one and against a plain
/// Swift statement of the kernel's definition, bit for bit.
final class KernelVariantTests: XCTestCase {
    /// Windows covering the kernels' paths: "same" stride-1 (the fast path; maps narrower than 8
    /// take its masked form), strided, asymmetric and one-sided padding, non-square kernels,
    /// windows clipped at both ends; strided windows whose output rows are a phase plane wide
    /// (dealt into phase planes: even and odd sizes, strides 3 and [2, 1], a kernel wider than
    /// the stride on both sides, a column phase no kernel column reads), strided output rows
    /// short enough to be gathered (the 1×1 projections among them) and, in the last two, rows
    /// too wide or planes too large for it.
    private let convolutions: [(settings: [String: SettingValue], input: [Int])] = [
        (["out_channels": 1, "kernel": 3, "padding": 1], [3, 14, 14]),
        (["out_channels": 1, "kernel": 3, "padding": 1], [2, 7, 5]),
        (["out_channels": 1, "kernel": 3, "padding": 1], [4, 7, 7]),
        (["out_channels": 1, "kernel": 5, "padding": 2], [2, 6, 7]),
        (["out_channels": 1, "kernel": 3, "padding": [0, 2, 2, 0]], [2, 5, 6]),
        (["out_channels": 1, "kernel": [2, 3], "padding": [1, 0, 1, 1]], [3, 4, 3]),
        (["out_channels": 1, "kernel": 3], [2, 9, 8]),
        (["out_channels": 1, "kernel": [3, 2], "stride": 2, "padding": [1, 0]], [2, 7, 6]),
        (["out_channels": 1, "kernel": 5, "stride": [2, 1], "padding": [0, 1, 2, 0]], [1, 9, 9]),
        (["out_channels": 1, "kernel": 1], [2, 4, 4]),
        (["out_channels": 1, "kernel": 3, "stride": 2, "padding": 1], [3, 28, 28]),
        (["out_channels": 1, "kernel": 1, "stride": 2], [3, 14, 14]),
        (["out_channels": 1, "kernel": 1, "stride": 2], [2, 7, 7]),
        (["out_channels": 1, "kernel": 3, "stride": 2, "padding": 1], [2, 7, 9]),
        (["out_channels": 1, "kernel": 3, "stride": 3], [1, 9, 9]),
        (["out_channels": 1, "kernel": 4, "stride": 2, "padding": 1], [2, 8, 8]),
        (["out_channels": 1, "kernel": 3, "stride": [2, 1], "padding": 1], [2, 9, 8]),
        (["out_channels": 1, "kernel": [3, 1], "stride": 2, "padding": [1, 0]], [2, 8, 8]),
        (["out_channels": 1, "kernel": 5, "stride": 2], [1, 28, 28]),
        (["out_channels": 1, "kernel": 3, "stride": 2, "padding": 1], [2, 14, 14]),
        (["out_channels": 1, "kernel": 3, "stride": 2, "padding": [1, 0]], [1, 9, 80]),
        (["out_channels": 1, "kernel": 3, "stride": 2], [1, 200, 40]),
    ]
    private let pools: [(settings: [String: SettingValue], input: [Int])] = [
        (["kernel": 3, "stride": 2, "padding": [0, 1, 0, 1]], [3, 28, 28]),
        (["kernel": 3, "stride": 2, "padding": [0, 1, 0, 1]], [2, 7, 7]),
        (["kernel": 2], [2, 6, 8]),
        (["kernel": 2], [2, 7, 9]),
        (["kernel": 2], [3, 26, 26]),
        (["kernel": 3, "stride": 1, "padding": 1], [2, 5, 6]),
        (["kernel": [2, 3], "stride": [1, 2], "padding": [1, 0, 2, 1]], [2, 7, 9]),
        (["kernel": 3, "stride": 3], [1, 10, 10]),
    ]

    override func tearDown() {
        Kernels.variant = Kernels.defaultVariant
    }

    func testTheBestVariantIsChosenAndPortableIsAlwaysThere() {
        XCTAssertTrue(Kernels.Variant.portable.isSupported)
        XCTAssertTrue(Kernels.Variant.best.isSupported)
        XCTAssertEqual(Kernels.variant, ProcessInfo.processInfo.environment["CNN_ZOO_KERNELS"].flatMap(Kernels.Variant.init) ?? .best)
    }

    func testUnfoldAndFoldMatchTheirDefinitionOnEveryVariant() throws {
        for (index, testCase) in convolutions.enumerated() {
            let layer = try XCTUnwrap(GradientCheck.layer("conv2d", testCase.settings, input: testCase.input, seed: 1) as? Conv2D)
            let w = layer.window
            let rows = w.channels * w.kernelHeight * w.kernelWidth, positions = w.outputHeight * w.outputWidth
            let x = GradientCheck.randomTensor(testCase.input, seed: UInt64(index)).scalars
            let columnValues = GradientCheck.randomTensor([rows, positions], seed: UInt64(50 + index)).scalars
            // The definitions, straight from the formula.
            var expectedColumns = [Float](repeating: 0, count: rows * positions)
            var expectedFold = [Float](repeating: 0, count: x.count)
            for c in 0..<w.channels { for i in 0..<w.kernelHeight { for j in 0..<w.kernelWidth {
                let row = (c * w.kernelHeight + i) * w.kernelWidth + j
                for oh in 0..<w.outputHeight { for ow in 0..<w.outputWidth {
                    let ih = oh * w.strideHeight - w.padding.top + i, iw = ow * w.strideWidth - w.padding.left + j
                    guard ih >= 0, ih < w.height, iw >= 0, iw < w.width else { continue }
                    expectedColumns[row * positions + oh * w.outputWidth + ow] = x[(c * w.height + ih) * w.width + iw]
                    expectedFold[(c * w.height + ih) * w.width + iw] += columnValues[row * positions + oh * w.outputWidth + ow]
                } }
            } } }
            for variant in Kernels.Variant.allCases where variant.isSupported {
                Kernels.variant = variant
                // Garbage first: the kernel must write every entry, zeros included.
                var columns = [Float](repeating: .nan, count: rows * positions)
                x.withUnsafeBufferPointer { x in
                    columns.withUnsafeMutableBufferPointer { Kernels.unfold(w, x.baseAddress!, into: $0.baseAddress!, rowStride: positions) }
                }
                XCTAssertEqual(columns, expectedColumns, "unfold, case \(index), \(variant)")
                var scratch = columnValues
                var folded = [Float](repeating: 0, count: x.count)
                scratch.withUnsafeMutableBufferPointer { c in
                    folded.withUnsafeMutableBufferPointer { Kernels.fold(w, c.baseAddress!, rowStride: positions, into: $0.baseAddress!) }
                }
                // Every kernel adds each position's terms in the definition's order (channel,
                // kernel row, kernel column), so the sums agree bit for bit.
                XCTAssertEqual(folded, expectedFold, "fold, case \(index), \(variant)")
            }
        }
    }

    func testFoldIsBitIdenticalAcrossVariants() throws {
        let layer = try XCTUnwrap(GradientCheck.layer("conv2d", ["out_channels": 1, "kernel": 3, "padding": 1], input: [4, 14, 14], seed: 1) as? Conv2D)
        let w = layer.window
        let rows = 4 * 9, positions = 14 * 14
        let columnValues = GradientCheck.randomTensor([rows, positions], seed: 9).scalars
        var results: [[Float]] = []
        for variant in Kernels.Variant.allCases where variant.isSupported {
            Kernels.variant = variant
            var scratch = columnValues
            var folded = [Float](repeating: 0, count: 4 * 14 * 14)
            scratch.withUnsafeMutableBufferPointer { c in
                folded.withUnsafeMutableBufferPointer { Kernels.fold(w, c.baseAddress!, rowStride: positions, into: $0.baseAddress!) }
            }
            results.append(folded)
        }
        for result in results.dropFirst() { XCTAssertEqual(result, results[0]) }
    }

    func testBatchNormalisationKernelsMatchTheirDefinitionOnEveryVariant() {
        // Plane sizes around the 32 running sums: none, fewer, exactly, past them, the zoo's 7², 14², 28².
        for (index, count) in [0, 5, 31, 32, 49, 100, 196, 784].enumerated() {
            // Values over a wide range of magnitudes and a shift that is no short binary fraction,
            // so that even the double-precision sums round, and a different order would show.
            let x = GradientCheck.randomTensor([max(count, 1)], seed: UInt64(70 + index)).scalars.enumerated()
                .map { $1 * Float(sign: .plus, exponent: $0 % 60 - 30, significand: 1) + 0.5 }
            let dy = GradientCheck.randomTensor([max(count, 1)], seed: UInt64(90 + index)).scalars
            let (shift, mean, scale, gamma, beta): (Double, Float, Float, Float, Float) = (0.1, 0.4, 1.7, 0.9, -0.2)
            // The definitions: value i goes to running sum i mod 32; the sums are added lane by lane
            // as vectors of 8 (doubles) or 16 (floats), then across from the first lane, then the rest.
            var sums = [Double](repeating: 0, count: 32), squares = sums
            var plain = [Float](repeating: 0, count: 32), weighted = plain
            let whole = count / 32 * 32
            for i in 0..<whole {
                let value = Double(x[i]), d = value - shift
                sums[i % 32] += value
                squares[i % 32] += d * d
                plain[i % 32] += dy[i]
                weighted[i % 32] += dy[i] * ((x[i] - mean) * scale)
            }
            var (sum, squared, a, b): (Double, Double, Float, Float) = (0, 0, 0, 0)
            for lane in 0..<8 {
                sum += (sums[lane] + sums[lane + 8]) + (sums[lane + 16] + sums[lane + 24])
                squared += (squares[lane] + squares[lane + 8]) + (squares[lane + 16] + squares[lane + 24])
            }
            for lane in 0..<16 {
                a += plain[lane] + plain[lane + 16]
                b += weighted[lane] + weighted[lane + 16]
            }
            for i in whole..<count {
                let value = Double(x[i]), d = value - shift
                sum += value
                squared += d * d
                a += dy[i]
                b += dy[i] * ((x[i] - mean) * scale)
            }
            let normalized = (0..<count).map { gamma * ((x[$0] - mean) * scale) + beta }
            let (n, factor): (Float, Float) = (Float(count), gamma * scale / Float(max(count, 1)))
            let inputGradient = (0..<count).map { factor * (n * dy[$0] - a - ((x[$0] - mean) * scale) * b) }
            for variant in Kernels.Variant.allCases where variant.isSupported {
                Kernels.variant = variant
                let statistics = Kernels.channelStatistics(x, count: count, about: shift)
                XCTAssertEqual(statistics.sum.bitPattern, sum.bitPattern, "Σx, \(count) values, \(variant)")
                XCTAssertEqual(statistics.squares.bitPattern, squared.bitPattern, "Σ(x − k)², \(count) values, \(variant)")
                let (gotA, gotB) = Kernels.channelGradientSums(dy, x, count: count, mean: mean, scale: scale)
                XCTAssertEqual([gotA.bitPattern, gotB.bitPattern], [a.bitPattern, b.bitPattern], "Σ∂y, Σ∂y·x̂, \(count) values, \(variant)")
                var y = [Float](repeating: .nan, count: count), inPlace = Array(x.prefix(count)), dx = y
                y.withUnsafeMutableBufferPointer {
                    Kernels.channelNormalize(x, into: $0.baseAddress!, count: count, mean: mean, scale: scale, gamma: gamma, beta: beta)
                }
                inPlace.withUnsafeMutableBufferPointer {
                    Kernels.channelNormalize($0.baseAddress!, into: $0.baseAddress!, count: count, mean: mean, scale: scale, gamma: gamma, beta: beta)
                }
                dx.withUnsafeMutableBufferPointer {
                    Kernels.channelInputGradient(dy, x, into: $0.baseAddress!, count: count, n: n, sumDy: a, sumDyXHat: b,
                                                 mean: mean, scale: scale, factor: factor)
                }
                XCTAssertEqual(y.map(\.bitPattern), normalized.map(\.bitPattern), "normalize, \(count) values, \(variant)")
                XCTAssertEqual(inPlace.map(\.bitPattern), normalized.map(\.bitPattern), "normalize in place, \(count) values, \(variant)")
                XCTAssertEqual(dx.map(\.bitPattern), inputGradient.map(\.bitPattern), "∂x, \(count) values, \(variant)")
            }
        }
    }

    func testMultiplyMatchesItsDefinitionBitForBitOnEveryVariant() {
        // Shapes around every variant's blocks (4, 6 or 8 rows; 4, 8 or 16 lanes, two vectors a
        // panel), past them in rows and columns, Winograd's own, A plain and transposed, leading
        // dimensions wider than the matrices, C overwritten and accumulated onto.
        let shapes: [(m: Int, n: Int, k: Int)] = [(1, 1, 1), (3, 5, 7), (7, 40, 9), (13, 17, 3), (9, 33, 20), (196, 32, 16),
                                                  (196, 16, 32), (16, 32, 196), (64, 64, 32), (12, 48, 5), (5, 3, 0),
                                                  (7, 24, 9), (11, 44, 6), (3, 29, 4), (196, 24, 16)]
        for (index, shape) in shapes.enumerated() {
            for transposeA in [false, true] {
                let lda = (transposeA ? shape.m : shape.k) + 3, ldb = shape.n + 2, ldc = shape.n + 1
                let aRows = transposeA ? shape.k : shape.m
                let a = GradientCheck.randomTensor([max(aRows * lda, 1)], seed: UInt64(10 * index)).scalars
                let b = GradientCheck.randomTensor([max(shape.k * ldb, 1)], seed: UInt64(10 * index + 1)).scalars
                let start = GradientCheck.randomTensor([shape.m * ldc], seed: UInt64(10 * index + 2)).scalars
                for accumulate in [false, true] {
                    // The definition: one chain of fused multiply-adds per entry, in order of p;
                    // the padding past each row of C untouched.
                    var expected = start
                    for i in 0..<shape.m { for j in 0..<shape.n {
                        var sum: Float = accumulate ? start[i * ldc + j] : 0
                        for p in 0..<shape.k { sum.addProduct(transposeA ? a[p * lda + i] : a[i * lda + p], b[p * ldb + j]) }
                        expected[i * ldc + j] = sum
                    } }
                    for variant in Kernels.Variant.allCases where variant.isSupported {
                        Kernels.variant = variant
                        var c = start
                        c.withUnsafeMutableBufferPointer { c in
                            Kernels.multiply(transposeA: transposeA, m: shape.m, n: shape.n, k: shape.k, a: a, lda: lda,
                                             b: b, ldb: ldb, accumulate: accumulate, c: c.baseAddress!, ldc: ldc)
                        }
                        XCTAssertEqual(c, expected, "\(variant) \(shape) transposeA \(transposeA) accumulate \(accumulate)")
                    }
                }
            }
        }
    }

    /// A chunk's tiles go through Winograd in blocks, which may end inside a sample; the block size
    /// changes no sum, so forward, ∂x and ∂W are the same bits with blocks of 5, 13 and 16 tiles
    /// and with a whole chunk in one block, on the maps of `winogradCases`, over 1 and 2 threads.
    func testWinogradBlocksChangeNoBit() throws {
        for (settings, input, tile) in Self.winogradCases {
            let layer = try XCTUnwrap(GradientCheck.layer("conv2d", settings, input: input, seed: 2) as? Conv2D)
            let winograd = try XCTUnwrap(WinogradConvolution(window: layer.window, outputs: layer.outChannels, tile: tile))
            layer.winograd = winograd
            layer.usesWinograd = true
            let x = GradientCheck.randomTensor([7] + input, seed: 3)
            let dy = GradientCheck.randomTensor([7] + layer.outputShape, seed: 4)
            var results: [[Float]] = []
            for threads in [1, 2] {
                Parallelism.setThreads(threads)
                for blockTiles in [5, 13, 16, 10_000] {
                    winograd.blockTiles = blockTiles
                    results.append(Self.passes(of: layer, x, dy))
                }
                Parallelism.setThreads(ProcessInfoCores.active)
            }
            // Within one thread count (the chunks, and so the ∂W partials, follow the threads here).
            for (index, result) in results.enumerated() where index % 4 != 0 {
                XCTAssertEqual(result, results[index / 4 * 4], "\(input), F(\(tile)×\(tile)), result \(index)")
            }
        }
    }

    /// Outputs of 8 × 8 (both tiles divide it), 14 × 14 (only 2 does) and, with asymmetric padding,
    /// 6 × 7 (neither does), each in both tile sizes.
    private static let winogradCases: [(settings: [String: SettingValue], input: [Int], tile: Int)] = {
        let maps: [(settings: [String: SettingValue], input: [Int])] = [
            (["out_channels": 5, "kernel": 3, "padding": 1], [4, 8, 8]),
            (["out_channels": 6, "kernel": 3, "padding": 1], [5, 14, 14]),
            (["out_channels": 17, "kernel": 3, "padding": [1, 0, 2, 1]], [9, 7, 6]),
        ]
        return [2, 4].flatMap { tile in maps.map { ($0.settings, $0.input, tile) } }
    }()

    /// A convolution's forward output, ∂x and ∂W for one batch, one after another.
    private static func passes(of layer: Conv2D, _ x: Tensor, _ dy: Tensor) -> [Float] {
        var random = RandomGenerator(seed: 1)
        let y = layer.forward(x, mode: .training, random: &random)
        layer.weight.gradient.zero()
        let dx = layer.backward(dy)
        return y.scalars + dx.scalars + layer.weight.gradient.scalars
    }

    func testWinogradTransformsAreBitIdenticalAcrossVariants() throws {
        // The transforms round alike in every variant (F(2×2)'s only add and halve; F(4×4)'s are
        // kept from contracting into fused multiply-adds), and the products are one chain of fused
        // multiply-adds per entry (see the test above), so every variant must give the same bits:
        // forward, ∂x and ∂W through a whole layer, on the maps of `winogradCases`.
        for (settings, input, tile) in Self.winogradCases {
            let layer = try XCTUnwrap(GradientCheck.layer("conv2d", settings, input: input, seed: 2) as? Conv2D)
            layer.winograd = try XCTUnwrap(WinogradConvolution(window: layer.window, outputs: layer.outChannels, tile: tile))
            layer.usesWinograd = true
            let x = GradientCheck.randomTensor([6] + input, seed: 3)
            let dy = GradientCheck.randomTensor([6] + layer.outputShape, seed: 4)
            var results: [[Float]] = []
            for variant in Kernels.Variant.allCases where variant.isSupported {
                Kernels.variant = variant
                results.append(Self.passes(of: layer, x, dy))
            }
            for result in results.dropFirst() { XCTAssertEqual(result, results[0], "\(input), F(\(tile)×\(tile))") }
        }
    }

    func testMaxPoolMatchesItsDefinitionIncludingTiesOnEveryVariant() throws {
        for (index, testCase) in pools.enumerated() {
            let layer = try XCTUnwrap(GradientCheck.layer("maxpool2d", testCase.settings, input: testCase.input, seed: 1) as? MaxPool2D)
            let w = layer.window
            let batch = 2, planes = batch * w.channels
            let plane = w.height * w.width, outputPlane = w.outputHeight * w.outputWidth
            // Few distinct values, so windows hold ties: the first in row-major order must win.
            var random = RandomGenerator(seed: UInt64(index))
            let x = (0..<(planes * plane)).map { _ in Float(random.next() % 4) - 1 }
            var expected = [Float](repeating: 0, count: planes * outputPlane)
            var expectedWinners = [Int32](repeating: 0, count: planes * outputPlane)
            for p in 0..<planes { for oh in 0..<w.outputHeight { for ow in 0..<w.outputWidth {
                var best = -Float.infinity, winner = -1
                for i in 0..<w.kernelHeight { for j in 0..<w.kernelWidth {
                    let ih = oh * w.strideHeight - w.padding.top + i, iw = ow * w.strideWidth - w.padding.left + j
                    guard ih >= 0, ih < w.height, iw >= 0, iw < w.width else { continue }
                    if winner < 0 || x[p * plane + ih * w.width + iw] > best {
                        best = x[p * plane + ih * w.width + iw]
                        winner = ih * w.width + iw
                    }
                } }
                expected[p * outputPlane + oh * w.outputWidth + ow] = best
                expectedWinners[p * outputPlane + oh * w.outputWidth + ow] = Int32(winner)
            } } }
            for variant in Kernels.Variant.allCases where variant.isSupported {
                Kernels.variant = variant
                var y = [Float](repeating: .nan, count: planes * outputPlane)
                var winners = [Int32](repeating: -7, count: planes * outputPlane)
                var scratch = [Float](repeating: 0, count: w.height * w.outputWidth + 4)
                var scratchIndex = [Int32](repeating: 0, count: w.height * w.outputWidth + 4)
                x.withUnsafeBufferPointer { x in
                    y.withUnsafeMutableBufferPointer { y in
                        winners.withUnsafeMutableBufferPointer { winners in
                            scratch.withUnsafeMutableBufferPointer { s in
                                scratchIndex.withUnsafeMutableBufferPointer { si in
                                    Kernels.maxPool(w, x.baseAddress!, planes: planes, into: y.baseAddress!, winners: winners.baseAddress!,
                                                    scratch: s.baseAddress!, scratchIndex: si.baseAddress!)
                                }
                            }
                        }
                    }
                }
                XCTAssertEqual(y, expected, "max-pool values, case \(index), \(variant)")
                XCTAssertEqual(winners, expectedWinners, "max-pool winners, case \(index), \(variant)")
                var values = [Float](repeating: .nan, count: planes * outputPlane)
                x.withUnsafeBufferPointer { x in
                    values.withUnsafeMutableBufferPointer { y in
                        scratch.withUnsafeMutableBufferPointer { s in
                            Kernels.maxPoolValues(w, x.baseAddress!, planes: planes, into: y.baseAddress!, scratch: s.baseAddress!)
                        }
                    }
                }
                XCTAssertEqual(values, expected, "max-pool values without winners, case \(index), \(variant)")
            }
        }
    }
}

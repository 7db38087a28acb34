import XCTest
@testable import CNNZoo
import CNNZooTesting

/// Every loss's gradient against finite differences of its value, in Double-accumulated
/// Float with ε = 1e-2 (same tolerance reasoning as ``GradientCheck``).
final class LossGradientTests: XCTestCase {
    func check(_ loss: any Loss, output: Tensor, target: Tensor, file: StaticString = #filePath, line: UInt = #line) {
        let (_, gradient) = loss.evaluate(output: output, target: target)
        let scale = gradient.scalars.map { abs($0) }.max() ?? 0
        let epsilon: Float = 1e-2
        for i in 0..<output.count {
            var plus = output, minus = output
            plus.scalars[i] += epsilon
            minus.scalars[i] -= epsilon
            let numeric = (Double(loss.evaluate(output: plus, target: target).loss)
                           - Double(loss.evaluate(output: minus, target: target).loss)) / Double(2 * epsilon)
            XCTAssertEqual(numeric, Double(gradient.scalars[i]),
                           accuracy: max(1e-3 * Double(scale) + 1e-2 * abs(Double(gradient.scalars[i])), 1e-5),
                           "\(type(of: loss))[\(i)]", file: file, line: line)
        }
    }

    let target = Tensor(oneHot: [2, 0, 1, 2], classes: 3)

    func testCrossEntropyFromLogits() {
        check(CategoricalCrossEntropy(fromLogits: true), output: GradientCheck.randomTensor([4, 3], seed: 1, scale: 2), target: target)
    }

    /// Values in [0.2, 0.8], away from the clipping bounds.
    func probabilities(seed: UInt64) -> Tensor {
        var random = RandomGenerator(seed: seed)
        return Tensor(shape: [4, 3], scalars: (0..<12).map { _ in 0.2 + 0.6 * random.nextUniform() })
    }

    func testCrossEntropyFromProbabilities() {
        check(CategoricalCrossEntropy(fromLogits: false), output: probabilities(seed: 2), target: target)
    }

    func testBinaryCrossEntropyFromLogits() {
        check(BinaryCrossEntropy(fromLogits: true), output: GradientCheck.randomTensor([4, 3], seed: 3, scale: 2), target: target)
    }

    func testBinaryCrossEntropyFromProbabilities() {
        check(BinaryCrossEntropy(fromLogits: false), output: probabilities(seed: 4), target: target)
    }

    func testMeanSquaredError() {
        check(MeanSquaredError(), output: GradientCheck.randomTensor([4, 3], seed: 5), target: target)
    }

    /// A sample-wise loss gives any rows of a batch the gradient it gives them over the whole
    /// batch, bit for bit: what lets a data-parallel process start its backward pass alone.
    func testEveryBuiltInLossGivesRowsTheirGradientAlone() {
        let losses: [(any SampleWiseLoss, Tensor)] = [
            (CategoricalCrossEntropy(fromLogits: true), GradientCheck.randomTensor([4, 3], seed: 1, scale: 2)),
            (CategoricalCrossEntropy(fromLogits: false), probabilities(seed: 2)),
            (BinaryCrossEntropy(fromLogits: true), GradientCheck.randomTensor([4, 3], seed: 3, scale: 2)),
            (BinaryCrossEntropy(fromLogits: false), probabilities(seed: 4)),
            (MeanSquaredError(), GradientCheck.randomTensor([4, 3], seed: 5)),
        ]
        for (loss, output) in losses {
            let whole = loss.evaluate(output: output, target: target).gradient
            for rows in [0..<1, 1..<3, 3..<4, 0..<4] {
                let part = loss.gradient(output: Tensor(shape: [rows.count, 3], scalars: Array(output.scalars[rows.lowerBound * 3 ..< rows.upperBound * 3])),
                                         target: Tensor(shape: [rows.count, 3], scalars: Array(target.scalars[rows.lowerBound * 3 ..< rows.upperBound * 3])),
                                         batchSize: 4)
                XCTAssertEqual(part.scalars, Array(whole.scalars[rows.lowerBound * 3 ..< rows.upperBound * 3]), "\(type(of: loss)), rows \(rows)")
            }
        }
    }
}

import CNNZoo
import XCTest

/// An optimizer against values worked out by hand or printed by PyTorch's `torch.optim`: every
/// built-in optimizer is tested this way, and a plugin's optimizer can be too.
///
/// The problem is f(θ) = θ²/2, whose gradient is θ itself, so a trajectory needs no model:
/// `torch.optim.X([θ], …)` with `θ.grad = θ.detach().clone()` before each `step()` prints the
/// same values.
public enum OptimizerCheck {
    /// θ after each of `steps` steps of `optimizer` from `start` on f(θ) = θ²/2, at its own
    /// learning rate, and the state it ends with.
    public static func trajectory(_ optimizer: any Optimizer, from start: [Float], steps: Int) -> (values: [[Float]], state: OptimizerState) {
        let parameter = Parameter(name: "w", shape: [start.count], initializer: .zeros, fanIn: 1, fanOut: 1)
        parameter.value.scalars = start
        var state = OptimizerState()
        let values = (0..<steps).map { _ in
            parameter.gradient.scalars = parameter.value.scalars
            optimizer.step([("layer.w", parameter)], learningRate: optimizer.learningRate, state: &state)
            return parameter.value.scalars
        }
        return (values, state)
    }

    /// Fails the calling test unless the trajectory of `optimizer` from `start` agrees with
    /// `expected` (one row per step) within `accuracy`.
    ///
    /// The default 1e-6 is a few ulp at θ ≈ 1: PyTorch's kernels may contract a + b·c into one
    /// FMA (its AVX2 build does), so its last bit depends on the CPU; ours does not.
    public static func check(_ optimizer: any Optimizer, from start: [Float], expected: [[Double]], accuracy: Double = 1e-6,
                             file: StaticString = #filePath, line: UInt = #line) {
        let values = trajectory(optimizer, from: start, steps: expected.count).values
        for (step, (row, expectedRow)) in zip(values, expected).enumerated() {
            XCTAssertEqual(row.count, expectedRow.count, "step \(step + 1)", file: file, line: line)
            for (a, b) in zip(row, expectedRow) {
                XCTAssertEqual(Double(a), b, accuracy: accuracy, "\(optimizer.kind) step \(step + 1)", file: file, line: line)
            }
        }
    }
}

import XCTest
@testable import CNNZoo

/// SGD on f(θ) = θ²/2 (so g = θ) from θ = 1, lr 0.1, against values worked by hand
/// with PyTorch's update rule.
final class OptimizerTests: XCTestCase {
    func trajectory(_ configuration: SGDConfiguration, steps: Int) -> [Float] {
        let parameter = Parameter(name: "w", shape: [1], initializer: .zeros, fanIn: 1, fanOut: 1)
        parameter.value.scalars = [1]
        var sgd = SGD(configuration: configuration)
        return (0..<steps).map { _ in
            parameter.gradient.scalars = parameter.value.scalars
            sgd.step([("w", parameter)], learningRate: Float(configuration.learningRate))
            return parameter.value.scalars[0]
        }
    }

    func testMomentum() {
        // b₁ = 1 → θ = 0.9; b₂ = 0.9·1 + 0.9 = 1.8 → 0.72; b₃ = 0.9·1.8 + 0.72 = 2.34 → 0.486.
        let values = trajectory(SGDConfiguration(learningRate: 0.1, momentum: 0.9), steps: 3)
        for (a, b) in zip(values, [0.9, 0.72, 0.486] as [Float]) { XCTAssertEqual(a, b, accuracy: 1e-6) }
    }

    func testNesterov() {
        // b₁ = 1, g = 1 + 0.9 = 1.9 → 0.81; b₂ = 0.9 + 0.81 = 1.71, g = 0.81 + 1.539 → 0.5751.
        let values = trajectory(SGDConfiguration(learningRate: 0.1, momentum: 0.9, nesterov: true), steps: 2)
        for (a, b) in zip(values, [0.81, 0.5751] as [Float]) { XCTAssertEqual(a, b, accuracy: 1e-6) }
    }

    func testWeightDecayAndDampening() {
        // g₁ = 1 + 0.1 = 1.1, b₁ = 1.1 (no dampening on the first step) → 0.89;
        // g₂ = 0.89·1.1 = 0.979, b₂ = 0.9·1.1 + 0.5·0.979 = 1.4795 → 0.74205.
        let values = trajectory(SGDConfiguration(learningRate: 0.1, momentum: 0.9, dampening: 0.5, weightDecay: 0.1), steps: 2)
        for (a, b) in zip(values, [0.89, 0.74205] as [Float]) { XCTAssertEqual(a, b, accuracy: 1e-6) }
    }

    func testPlainSGDAndStateCount() {
        let values = trajectory(SGDConfiguration(learningRate: 0.1), steps: 2)
        for (a, b) in zip(values, [0.9, 0.81] as [Float]) { XCTAssertEqual(a, b, accuracy: 1e-6) }
        var sgd = SGD(configuration: SGDConfiguration(momentum: 0.5))
        let p = Parameter(name: "w", shape: [2], initializer: .zeros, fanIn: 1, fanOut: 1)
        p.gradient.scalars = [1, 2]
        sgd.step([("layer.w", p)], learningRate: 0.1)
        XCTAssertEqual(sgd.state.step, 1)
        XCTAssertEqual(sgd.state.momentumBuffers["layer.w"]?.scalars, [1, 2])
    }

    func testBadHyperparametersAreNamed() {
        XCTAssertNotNil(SGDConfiguration(learningRate: -1).problem)
        XCTAssertNotNil(SGDConfiguration(learningRate: .nan).problem)
        XCTAssertNotNil(SGDConfiguration(momentum: 1).problem)
        XCTAssertNotNil(SGDConfiguration(momentum: 0, nesterov: true).problem)
        XCTAssertNil(SGDConfiguration(learningRate: 0.1, momentum: 0.9, nesterov: true).problem)
    }

    func testSchedules() {
        let cosine = LearningRateSchedule.warmupCosine(warmupEpochs: 3, startRate: 1e-5, endRate: 1e-5)
        XCTAssertEqual(cosine.rate(base: 1e-3, progress: 0, totalEpochs: 9), 1e-5, accuracy: 1e-12)
        XCTAssertEqual(cosine.rate(base: 1e-3, progress: 1.5, totalEpochs: 9), (1e-5 + 1e-3) / 2, accuracy: 1e-12)
        XCTAssertEqual(cosine.rate(base: 1e-3, progress: 3, totalEpochs: 9), 1e-3, accuracy: 1e-12)
        XCTAssertEqual(cosine.rate(base: 1e-3, progress: 6, totalEpochs: 9), (1e-3 + 1e-5) / 2, accuracy: 1e-12)
        XCTAssertEqual(cosine.rate(base: 1e-3, progress: 9, totalEpochs: 9), 1e-5, accuracy: 1e-12)
        let step = LearningRateSchedule.step(everyEpochs: 2, gamma: 0.1)
        XCTAssertEqual(step.rate(base: 1, progress: 1.9, totalEpochs: 9), 1, accuracy: 1e-12)
        XCTAssertEqual(step.rate(base: 1, progress: 4.1, totalEpochs: 9), 0.01, accuracy: 1e-12)
        XCTAssertEqual(LearningRateSchedule.constant.rate(base: 0.3, progress: 7, totalEpochs: 9), 0.3)
    }
}

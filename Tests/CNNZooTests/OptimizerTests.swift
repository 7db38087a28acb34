import Foundation
import XCTest
@testable import CNNZoo
import CNNZooTesting

/// Every optimizer on f(θ) = θ²/2 (so g = θ), against values from PyTorch's own
/// `torch.optim` (2.15, float32), printed at full precision; and one step from a given
/// state against the update formula worked in double precision.
final class OptimizerTests: XCTestCase {
    func trajectory(_ optimizer: any Optimizer, from start: [Float], steps: Int) -> (values: [[Float]], state: OptimizerState) {
        OptimizerCheck.trajectory(optimizer, from: start, steps: steps)
    }

    /// Asserts `values` agree with PyTorch's (see ``OptimizerCheck/check(_:from:expected:accuracy:file:line:)``).
    func assertPyTorch(_ values: [[Float]], _ expected: [[Double]], file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(values.count, expected.count, file: file, line: line)
        for (row, expectedRow) in zip(values, expected) {
            for (a, b) in zip(row, expectedRow) { XCTAssertEqual(Double(a), b, accuracy: 1e-6, file: file, line: line) }
        }
    }

    // MARK: SGD, worked by hand

    func testMomentum() {
        // b₁ = 1 → θ = 0.9; b₂ = 0.9·1 + 0.9 = 1.8 → 0.72; b₃ = 0.9·1.8 + 0.72 = 2.34 → 0.486.
        let values = trajectory(SGD(learningRate: 0.1, momentum: 0.9), from: [1], steps: 3).values.map { $0[0] }
        for (a, b) in zip(values, [0.9, 0.72, 0.486] as [Float]) { XCTAssertEqual(a, b, accuracy: 1e-6) }
    }

    func testNesterov() {
        // b₁ = 1, g = 1 + 0.9 = 1.9 → 0.81; b₂ = 0.9 + 0.81 = 1.71, g = 0.81 + 1.539 → 0.5751.
        let values = trajectory(SGD(learningRate: 0.1, momentum: 0.9, nesterov: true), from: [1], steps: 2).values.map { $0[0] }
        for (a, b) in zip(values, [0.81, 0.5751] as [Float]) { XCTAssertEqual(a, b, accuracy: 1e-6) }
    }

    func testWeightDecayAndDampening() {
        // g₁ = 1 + 0.1 = 1.1, b₁ = 1.1 (no dampening on the first step) → 0.89;
        // g₂ = 0.89·1.1 = 0.979, b₂ = 0.9·1.1 + 0.5·0.979 = 1.4795 → 0.74205.
        let sgd = SGD(learningRate: 0.1, momentum: 0.9, dampening: 0.5, weightDecay: 0.1)
        let values = trajectory(sgd, from: [1], steps: 2).values.map { $0[0] }
        for (a, b) in zip(values, [0.89, 0.74205] as [Float]) { XCTAssertEqual(a, b, accuracy: 1e-6) }
    }

    func testPlainSGDKeepsNoStateAndMomentumKeepsItsBuffer() {
        let plain = trajectory(SGD(learningRate: 0.1), from: [1], steps: 2)
        for (a, b) in zip(plain.values.map { $0[0] }, [0.9, 0.81] as [Float]) { XCTAssertEqual(a, b, accuracy: 1e-6) }
        XCTAssertEqual(plain.state.step, 2)
        XCTAssertTrue(plain.state.slots.isEmpty)
        XCTAssertEqual(SGD(learningRate: 0.1).slots, [])

        let sgd = SGD(momentum: 0.5)
        XCTAssertEqual(sgd.slots, ["momentum_buffer"])
        let p = Parameter(name: "w", shape: [2], initializer: .zeros, fanIn: 1, fanOut: 1)
        p.gradient.scalars = [1, 2]
        var state = OptimizerState()
        sgd.step([("layer.w", p)], learningRate: 0.1, state: &state)
        XCTAssertEqual(state.step, 1)
        XCTAssertEqual(state.tensor("momentum_buffer", for: "layer.w")?.scalars, [1, 2])
    }

    // MARK: Adam and AdamW, against torch.optim

    func testAdamMatchesPyTorch() {
        // torch.optim.Adam(lr=0.1). Step 1 by hand: m = 0.1, v = 0.001, m̂ = 1, v̂ = 1 → θ = 1 − 0.1·1/(1 + 1e-8) = 0.9.
        assertPyTorch(trajectory(Adam(learningRate: 0.1), from: [1], steps: 3).values,
                      [[0.9000000357627869], [0.8004122376441956], [0.7015863060951233]])
        // weight_decay=0.1 (L2 added to the gradient).
        assertPyTorch(trajectory(Adam(learningRate: 0.1, weightDecay: 0.1), from: [1], steps: 3).values,
                      [[0.8999999761581421], [0.8004121780395508], [0.7015862464904785]])
    }

    func testAMSGradMatchesPyTorchAndDiffersWhereVFalls() {
        // betas (0.5, 0.5): v follows g² down as θ shrinks, so the running maximum matters from step 3.
        let amsgrad = trajectory(Adam(learningRate: 0.1, betas: (0.5, 0.5), amsgrad: true), from: [1, -2], steps: 4)
        assertPyTorch(amsgrad.values, [[0.8999999761581421, -1.899999976158142], [0.8001272678375244, -1.8000297546386719],
                                       [0.7010501027107239, -1.7001065015792847], [0.6084598898887634, -1.6013411283493042]])
        assertPyTorch(trajectory(Adam(learningRate: 0.1, betas: (0.5, 0.5)), from: [1, -2], steps: 4).values,
                      [[0.8999999761581421, -1.899999976158142], [0.8001272678375244, -1.8000297546386719],
                       [0.7004858255386353, -1.7001065015792847], [0.6011955142021179, -1.6002432107925415]])
        XCTAssertEqual(Set(amsgrad.state.slots.keys), ["exp_avg", "exp_avg_sq", "max_exp_avg_sq"])
    }

    func testAdamStateMatchesPyTorchStateDict() {
        // torch.optim.Adam(lr=0.1, amsgrad=True), two steps: state_dict()["state"][0].
        let run = trajectory(Adam(learningRate: 0.1, amsgrad: true), from: [1], steps: 2)
        XCTAssertEqual(run.state.step, 2)
        XCTAssertEqual(run.state.tensor("exp_avg", for: "layer.w")?.scalars, [0.1800000072])
        XCTAssertEqual(run.state.tensor("exp_avg_sq", for: "layer.w")?.scalars, [0.0018090002])
        XCTAssertEqual(run.state.tensor("max_exp_avg_sq", for: "layer.w")?.scalars, [0.0018090002])
    }

    func testAdamWMatchesPyTorch() {
        // torch.optim.AdamW(lr=0.1, weight_decay=0.1): θ·(1 − 0.01) = 0.99 first, then Adam's 0.1 → 0.89.
        assertPyTorch(trajectory(AdamW(learningRate: 0.1, weightDecay: 0.1), from: [1], steps: 3).values,
                      [[0.89000004529953], [0.7815719246864319], [0.6751012802124023]])
        // β₁ = 0.3 takes torch.lerp's other branch (weight 0.7 ≥ ½).
        assertPyTorch(trajectory(AdamW(learningRate: 0.1, betas: (0.3, 0.999), weightDecay: 0.1), from: [1], steps: 3).values,
                      [[0.89000004529953], [0.7843948006629944], [0.6848772168159485]])
    }

    /// One step from a given mid-run state, against the update written out in double precision.
    func testOneAdamStepFromAGivenStateIsTheFormula() {
        let (beta1, beta2, eps, lr, decay) = (0.8, 0.99, 1e-6, 0.01, 0.05)
        let theta: [Float] = [0.5, -1.25, 2], gradient: [Float] = [0.3, -0.7, 1.1]
        let m0: [Float] = [0.2, -0.1, 0.05], v0: [Float] = [0.04, 0.3, 0.02], vmax0: [Float] = [0.05, 0.1, 0.5]
        for (decoupled, amsgrad) in [(false, false), (false, true), (true, false), (true, true)] {
            let optimizer: any Optimizer = decoupled
                ? AdamW(learningRate: lr, betas: (beta1, beta2), eps: eps, weightDecay: decay, amsgrad: amsgrad)
                : Adam(learningRate: lr, betas: (beta1, beta2), eps: eps, weightDecay: decay, amsgrad: amsgrad)
            let p = Parameter(name: "w", shape: [3], initializer: .zeros, fanIn: 1, fanOut: 1)
            p.value.scalars = theta
            p.gradient.scalars = gradient
            var slots = ["exp_avg": ["l.w": Tensor(shape: [3], scalars: m0)], "exp_avg_sq": ["l.w": Tensor(shape: [3], scalars: v0)]]
            if amsgrad { slots["max_exp_avg_sq"] = ["l.w": Tensor(shape: [3], scalars: vmax0)] }
            var state = OptimizerState(step: 4, slots: slots)
            optimizer.step([("l.w", p)], learningRate: lr, state: &state)
            XCTAssertEqual(state.step, 5)
            for i in 0..<3 {
                var (th, g) = (Double(theta[i]), Double(gradient[i]))
                if decoupled { th *= 1 - lr * decay } else { g += decay * th }
                let m = beta1 * Double(m0[i]) + (1 - beta1) * g
                let v = beta2 * Double(v0[i]) + (1 - beta2) * g * g
                let second = amsgrad ? max(Double(vmax0[i]), v) : v
                let expected = th - lr / (1 - pow(beta1, 5)) * m / (second.squareRoot() / (1 - pow(beta2, 5)).squareRoot() + eps)
                let what = "decoupled \(decoupled), amsgrad \(amsgrad), element \(i)"
                XCTAssertEqual(Double(p.value.scalars[i]), expected, accuracy: 1e-6 * abs(expected), what)
                XCTAssertEqual(Double(state.tensor("exp_avg", for: "l.w")!.scalars[i]), m, accuracy: 1e-6, what)
                XCTAssertEqual(Double(state.tensor("exp_avg_sq", for: "l.w")!.scalars[i]), v, accuracy: 1e-7, what)
                if amsgrad { XCTAssertEqual(Double(state.tensor("max_exp_avg_sq", for: "l.w")!.scalars[i]), second, accuracy: 1e-7, what) }
            }
        }
    }

    // MARK: Registry and settings

    func testRegistryBuildsEveryKindFromSettingsWithDefaults() throws {
        let registry = OptimizerRegistry.standard
        XCTAssertEqual(registry.kinds, ["adam", "adamw", "sgd"])
        let adam = try registry.makeOptimizer(OptimizerSpec(kind: "adam", settings: ["betas": .array([.number(0.8), .number(0.9)])]))
        XCTAssertEqual(adam.learningRate, 0.001)
        XCTAssertEqual((adam as? Adam)?.rule.beta1, 0.8)
        XCTAssertEqual(adam.slots, ["exp_avg", "exp_avg_sq"])
        let adamw = try registry.makeOptimizer(OptimizerSpec(kind: "adamw", settings: ["amsgrad": .bool(true)]))
        XCTAssertEqual((adamw as? AdamW)?.rule.weightDecay, 0.01)
        XCTAssertEqual(adamw.slots, ["exp_avg", "exp_avg_sq", "max_exp_avg_sq"])
        // An optimizer's hyperparameters rebuild an identical optimizer (what a checkpoint relies on).
        let again = try registry.makeOptimizer(adamw.spec)
        XCTAssertEqual(again.summaryLine, adamw.summaryLine)
        XCTAssertEqual(try registry.makeOptimizer(.default).summaryLine, "sgd lr 0.01, momentum 0, dampening 0, nesterov false, weight_decay 0")
    }

    func testBadOptimizersAreOneLineNamingTheProblem() {
        func message(_ kind: String, _ settings: [String: SettingValue] = [:]) -> String {
            do {
                _ = try OptimizerRegistry.standard.makeOptimizer(OptimizerSpec(kind: kind, settings: settings))
                return "built"
            } catch { return String(describing: error) }
        }
        XCTAssertEqual(message("adma"), "unknown optimizer 'adma' (did you mean 'adam'?); known optimizers: adam, adamw, sgd")
        XCTAssertTrue(message("adam", ["momentum": 0.9]).hasPrefix("optimizer 'adam': unknown setting 'momentum'"), message("adam", ["momentum": 0.9]))
        XCTAssertTrue(message("sgd", ["momentun": 0.9]).contains("did you mean 'momentum'?"))
        XCTAssertTrue(message("adam", ["betas": .array([0.9])]).contains("'betas' must be a list of 2 numbers"))
        XCTAssertTrue(message("adam", ["betas": .array([0.9, 1.5])]).contains("'betas' values must be numbers between 0"))
        XCTAssertTrue(message("sgd", ["lr": -1]).contains("'lr' must be between"))
        XCTAssertTrue(message("sgd", ["momentum": 1]).contains("'momentum' must be between"))
        XCTAssertEqual(message("sgd", ["nesterov": true]), "optimizer 'sgd': nesterov needs momentum > 0 and dampening 0")
        XCTAssertEqual(message("sgd", ["lr": 0.1, "momentum": 0.9, "nesterov": true]), "built")
        var registry = OptimizerRegistry.standard
        XCTAssertThrowsError(try registry.register(Adam.self))
    }

    /// A plugin's optimizer registers and trains like a built-in (sign descent, no state).
    func testAThirdPartyOptimizerRegistersAndSteps() throws {
        struct SignDescent: RegisteredOptimizer {
            static let kind = "sign_descent"
            static let summary = "θ ← θ − η·sign(g)"
            static let settings = [SettingDescription("lr", "number", default: "0.1", "step")]
            let learningRate: Double
            init(settings: Settings) throws { learningRate = try settings.double("lr", default: 0.1, in: 0...1) }
            var hyperparameters: [(name: String, value: SettingValue)] { [("lr", .number(learningRate))] }
            var slots: [String] { [] }
            func step(_ parameters: [(path: String, parameter: Parameter)], learningRate: Double, state: inout OptimizerState) {
                for (_, p) in parameters {
                    p.value.scalars = zip(p.value.scalars, p.gradient.scalars).map { $0 - Float(learningRate) * ($1 > 0 ? 1 : $1 < 0 ? -1 : 0) }
                }
                state.step += 1
            }
        }
        var registry = OptimizerRegistry.standard
        try registry.register(SignDescent.self)
        let optimizer = try registry.makeOptimizer(OptimizerSpec(kind: "sign_descent", settings: ["lr": 0.25]))
        XCTAssertEqual(trajectory(optimizer, from: [1, -1], steps: 2).values, [[0.75, -0.75], [0.5, -0.5]])
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

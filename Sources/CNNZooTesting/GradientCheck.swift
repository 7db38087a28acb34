import CNNZoo
import XCTest

/// Central finite differences against a layer's backward pass: the check every built-in layer
/// passes, for a plugin's layers too (build one through a registry with ``layer(_:_:input:registry:seed:)``).
///
/// The scalar checked is L = Σ yᵢ·rᵢ for a fixed random r, summed in Double, so
/// ∂L/∂y = r. Tolerance: |numeric − analytic| ≤ 1e-3·s + 1e-2·|analytic|, where s is the
/// largest analytic magnitude of that tensor. Why: with ε = 1e-2, Float rounding in y
/// (≈1e-7 relative, √n-accumulated over ≤10³ outputs) contributes ≲2e-4 after dividing by
/// 2ε, and the O(ε²) truncation error of smooth activations is ≲1e-4; a wrong gradient
/// (a missed accumulation, a transposed index) is off by O(1) relative, far beyond this.
/// Kinks (ReLU at 0, max-pool ties) are kept further than ε from every input by construction.
public enum GradientCheck {
    /// The step of the central differences.
    public static let epsilon: Float = 1e-2

    /// Checks ∂L/∂x and every parameter's ∂L/∂θ at up to `probes` positions each, failing the
    /// calling test at each position outside the tolerance.
    public static func check(_ layer: any Layer, input: Tensor, seed: UInt64 = 7, probes: Int = 40,
                      file: StaticString = #filePath, line: UInt = #line) {
        var projectionRandom = RandomGenerator(seed: seed)
        let dropoutSeed = RandomGenerator(seed: seed ^ 99)
        func run(_ x: Tensor) -> Tensor {
            var random = dropoutSeed
            return layer.forward(x, mode: .training, random: &random)
        }
        let output = run(input)
        let projection = Tensor(shape: output.shape, scalars: (0..<output.count).map { _ in projectionRandom.nextNormal() })
        func loss(_ x: Tensor) -> Double {
            let y = run(x)
            return zip(y.scalars, projection.scalars).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
        }
        for parameter in layer.parameters { parameter.gradient.zero() }
        _ = run(input)
        let inputGradient = layer.backward(projection)
        XCTAssertEqual(inputGradient.shape, input.shape, "input gradient shape", file: file, line: line)

        compare("\(type(of: layer))", input: input, inputGradient: inputGradient, parameters: layer.parameters.map { ($0.name, $0) },
                seed: seed, probes: probes, file: file, line: line, loss: loss)
    }

    /// Central differences of `loss` against the analytic ∂L/∂x and every parameter's ∂L/∂θ, at up
    /// to `probes` positions each: what the layer and the model checks share.
    static func compare(_ label: String, input: Tensor, inputGradient: Tensor, parameters: [(name: String, parameter: Parameter)],
                        seed: UInt64, probes: Int, file: StaticString, line: UInt, loss: (Tensor) throws -> Double) rethrows {
        func compare(_ name: String, count: Int, analytic: [Float], perturb: (Int, Float) throws -> Double) rethrows {
            let scale = analytic.map { abs($0) }.max() ?? 0
            var picker = RandomGenerator(seed: seed &+ UInt64(count))
            let positions = count <= probes ? Array(0..<count) : (0..<probes).map { _ in Int(picker.next() % UInt64(count)) }
            for i in positions {
                let numeric = (try perturb(i, epsilon) - perturb(i, -epsilon)) / Double(2 * epsilon)
                let tolerance = 1e-3 * Double(scale) + 1e-2 * abs(Double(analytic[i]))
                XCTAssertEqual(numeric, Double(analytic[i]), accuracy: max(tolerance, 1e-5), "\(label) \(name)[\(i)]", file: file, line: line)
            }
        }
        try compare("input", count: input.count, analytic: inputGradient.scalars) { i, delta in
            var x = input
            x.scalars[i] += delta
            return try loss(x)
        }
        for (name, parameter) in parameters {
            let analytic = parameter.gradient.scalars
            try compare(name, count: parameter.count, analytic: analytic) { i, delta in
                let saved = parameter.value.scalars[i]
                parameter.value.scalars[i] = saved + delta
                defer { parameter.value.scalars[i] = saved }
                return try loss(input)
            }
        }
    }

    /// A random normal tensor.
    public static func randomTensor(_ shape: [Int], seed: UInt64, scale: Float = 1) -> Tensor {
        var random = RandomGenerator(seed: seed)
        return Tensor(shape: shape, scalars: (0..<Tensor.count(of: shape)).map { _ in random.nextNormal() * scale })
    }

    /// Distinct values at least 0.05 apart in random order: no ties within ε, no value within ε of 0.
    public static func separatedTensor(_ shape: [Int], seed: UInt64) -> Tensor {
        var random = RandomGenerator(seed: seed)
        let count = Tensor.count(of: shape)
        var values = (0..<count).map { Float($0 - count / 2) * 0.05 + 0.025 }
        for i in stride(from: count - 1, to: 0, by: -1) { values.swapAt(i, Int(random.next() % UInt64(i + 1))) }
        return Tensor(shape: shape, scalars: values)
    }

    /// Builds a registered layer from JSON-like settings and draws its parameters from N(0, 0.25).
    public static func layer(_ kind: String, _ settings: [String: SettingValue] = [:], input: [Int],
                             registry: LayerRegistry = .standard, seed: UInt64 = 3) throws -> any Layer {
        let layer = try registry.makeLayer(kind: kind, settings: LayerSettings(layerName: "test", values: settings),
                                                         inputShape: input)
        var random = RandomGenerator(seed: seed)
        for parameter in layer.parameters {
            parameter.value.scalars = (0..<parameter.value.count).map { _ in random.nextNormal() * 0.5 }
        }
        return layer
    }
}

extension GradientCheck {
    /// Checks a whole model — chain or graph — the same way: ∂L/∂x and every parameter's ∂L/∂θ
    /// through ``Model/backward(_:needsInputGradient:)`` against central differences of
    /// L = Σ yᵢ·rᵢ over the model's output, at up to `probes` positions each.
    public static func check(_ model: Model, input: Tensor, seed: UInt64 = 7, probes: Int = 40,
                             file: StaticString = #filePath, line: UInt = #line) throws {
        var projectionRandom = RandomGenerator(seed: seed)
        let dropoutSeed = RandomGenerator(seed: seed ^ 99)
        func run(_ x: Tensor) throws -> Tensor {
            var random = dropoutSeed
            return try model.forward(x, mode: .training, random: &random)
        }
        let output = try run(input)
        let projection = Tensor(shape: output.shape, scalars: (0..<output.count).map { _ in projectionRandom.nextNormal() })
        func loss(_ x: Tensor) throws -> Double {
            zip(try run(x).scalars, projection.scalars).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
        }
        model.zeroGradients()
        _ = try run(input)
        let inputGradient = try XCTUnwrap(model.backward(projection, needsInputGradient: true), file: file, line: line)
        XCTAssertEqual(inputGradient.shape, input.shape, "input gradient shape", file: file, line: line)
        try compare(model.spec.name, input: input, inputGradient: inputGradient, parameters: model.namedParameters.map { ($0.path, $0.parameter) },
                    seed: seed, probes: probes, file: file, line: line, loss: loss)
    }
}

import Foundation
internal import CNNZooPluginABI

/// A layer of a kind that came through the C boundary (`cnnzoo_layer_kind`): the engine's
/// side of it. Every pass hands the plugin pointers to the engine's own tensors — the input,
/// the output it allocates, the parameters' values and gradients — so nothing is copied.
final class ForeignLayer: Layer {
    private let kind: UnsafePointer<cnnzoo_layer_kind>
    private let instance: UnsafeMutableRawPointer
    let outputShape: [Int]
    let parameters: [Parameter]
    let buffers: [Parameter]
    let multiplyAdds: Int
    /// Parameters then buffers, in the plugin's order: the order of the values a pass hands over.
    private let all: [Parameter]
    /// The last training batch's input, which the backward pass hands back.
    private var input: Tensor?
    /// Where the plugin writes each parameter's gradient of a batch, before it is added in.
    private let gradientScratch: [ScratchBuffer<Float>]

    /// Builds a layer of `kind` named `name` for per-sample inputs of `inputShape`.
    init(kind: UnsafePointer<cnnzoo_layer_kind>, name: String, settings: Settings, inputShape: [Int]) throws {
        self.kind = kind
        guard inputShape.count <= Int(CNNZOO_MAX_RANK) else {
            throw ModelError.shapeMismatch(layer: name, message: "inputs of \(inputShape.count) axes are more than a plugin layer takes (\(CNNZOO_MAX_RANK))")
        }
        let shape = inputShape.map(Int64.init)
        instance = try Foreign.create(settings: settings, refusal: ModelError.badSpec) { json, error in
            kind.pointee.create(kind, name, json, shape, Int32(shape.count), error)
        }
        var extents = [Int64](repeating: 0, count: Int(CNNZOO_MAX_RANK))
        let rank = Int(kind.pointee.output_shape(instance, &extents))
        outputShape = extents.prefix(rank).map(Int.init)
        multiplyAdds = Int(kind.pointee.multiply_adds(instance))
        var parameters: [Parameter] = [], buffers: [Parameter] = []
        var all: [Parameter] = []
        for index in 0..<kind.pointee.parameter_count(instance) {
            var info = cnnzoo_parameter()
            kind.pointee.parameter_info(instance, index, &info)
            let parameterName = String(cString: info.name)
            let extents = withUnsafeBytes(of: info.shape) { bytes in (0..<Int(info.rank)).map { Int(bytes.load(fromByteOffset: $0 * 8, as: Int64.self)) } }
            try Parameter.checkSize(extents, layer: name, name: parameterName)
            guard let initializer = Initializer(name: String(cString: info.initializer)) else {
                throw ModelError.badSpec("layer '\(name)': its plugin names an unknown initializer '\(String(cString: info.initializer))' for \(parameterName)")
            }
            let parameter = Parameter(name: parameterName, shape: extents, initializer: initializer,
                                      fanIn: Int(info.fan_in), fanOut: Int(info.fan_out))
            // Starts as a model's initialisation would make it, where that needs no draws (γ = 1, σ² = 1).
            if initializer == .ones { parameter.value = Tensor(repeating: 1, shape: extents) }
            if info.is_buffer != 0 { buffers.append(parameter) } else { parameters.append(parameter) }
            all.append(parameter)
        }
        self.parameters = parameters
        self.buffers = buffers
        self.all = all
        gradientScratch = all.map { _ in ScratchBuffer<Float>() }
    }

    deinit { kind.pointee.destroy(instance) }

    func forward(_ input: consuming Tensor, mode: Mode, random: inout RandomGenerator) -> Tensor {
        let input = input
        let batch = input.batchSize
        var output = Tensor.uninitialized([batch] + outputShape)
        withValuePointers { values in
            input.withPointer { x in
                output.withMutablePointer { y in
                    withUnsafeMutablePointer(to: &random) { random in
                        var pass = cnnzoo_forward(batch: Int64(batch), training: mode == .training ? 1 : 0, input: x, output: y,
                                                  values: values, next_random: { random in
                                                      random!.assumingMemoryBound(to: RandomGenerator.self).pointee.next()
                                                  }, random: random)
                        kind.pointee.forward(instance, &pass)
                    }
                }
            }
        }
        self.input = mode == .training ? input : nil
        return output
    }

    func backward(_ outputGradient: consuming Tensor) -> Tensor {
        guard let input else { preconditionFailure("backward without a training forward pass") }
        var inputGradient = Tensor.uninitialized(input.shape)
        inputGradient.withMutablePointer { dx in run(backward: outputGradient, inputGradient: dx) }
        return inputGradient
    }

    func accumulateParameterGradients(_ outputGradient: Tensor) {
        run(backward: outputGradient, inputGradient: nil)
    }

    private func run(backward outputGradient: Tensor, inputGradient: UnsafeMutablePointer<Float>?) {
        guard let input else { preconditionFailure("backward without a training forward pass") }
        let gradients: [UnsafeMutablePointer<Float>?] = zip(all, gradientScratch).map { parameter, scratch in
            parameters.contains { $0 === parameter } ? scratch.reserve(parameter.value.count) : nil
        }
        withValuePointers { values in
            withPointers(input, outputGradient) { x, dy in
                gradients.withUnsafeBufferPointer { gradients in
                    var pass = cnnzoo_backward(batch: Int64(input.batchSize), input: x, output_gradient: dy, input_gradient: inputGradient,
                                               values: values, gradients: gradients.baseAddress)
                    kind.pointee.backward(instance, &pass)
                }
            }
        }
        for (parameter, gradient) in zip(all, gradients) {
            if let gradient { parameter.accumulate(partials: gradient, chunks: 1) }
        }
    }

    /// Calls `body` with a pointer to every parameter's and buffer's values, in the plugin's order.
    private func withValuePointers(_ body: (UnsafePointer<UnsafeMutablePointer<Float>?>) -> Void) {
        func nest(_ index: Int, _ collected: [UnsafeMutablePointer<Float>?]) {
            guard index < all.count else { return collected.withUnsafeBufferPointer { body($0.baseAddress!) } }
            all[index].value.withMutablePointer { nest(index + 1, collected + [$0]) }
        }
        nest(0, [])
    }
}

extension KindEntry where Maker == LayerMaker {
    /// The entry of a layer kind from a plugin's C table.
    init(foreign kind: UnsafePointer<cnnzoo_layer_kind>) {
        let kind = UncheckedSendable(kind)
        self.init(kind: String(cString: kind.value.pointee.kind), summary: String(cString: kind.value.pointee.summary),
                  settings: SettingDescription.list(kind.value.pointee.settings, count: kind.value.pointee.setting_count),
                  maker: LayerMaker { settings, shape in
                      try ForeignLayer(kind: kind.value, name: settings.layerName, settings: settings, inputShape: shape)
                  })
    }
}

extension SettingDescription {
    /// A kind's settings as the boundary lists them.
    static func list(_ settings: UnsafePointer<cnnzoo_setting>?, count: Int32) -> [SettingDescription] {
        (0..<Int(count)).map { index in
            let setting = settings![index]
            return SettingDescription(String(cString: setting.name), String(cString: setting.type),
                                      default: setting.default_value.map { String(cString: $0) }, String(cString: setting.help))
        }
    }
}

extension ForeignLayer: ONNXNodesDescribing {
    /// The plugin's `onnx_nodes`, when it has one and it answers with nodes cnn-zoo can read.
    func onnxNodes(name: String, inputs: [String], output: String) -> ONNXNodes? {
        guard let describe = kind.pointee.onnx_nodes,
              let inputsJSON = try? JSONEncoder().encode(inputs),
              let text = describe(instance, name, String(decoding: inputsJSON, as: UTF8.self), output) else { return nil }
        return try? JSONDecoder().decode(ONNXNodes.self, from: Data(String(cString: text).utf8))
    }
}

import Foundation
internal import CNNZooPluginABI

extension PluginLibrary {
    /// The library's C table (`cnnzoo_plugin`), for its `cnnzoo_plugin_entry`: built on each
    /// call and never freed, as the program keeps it for the life of the process.
    ///
    /// `host` is the program's table of threads; from then on ``Parallelism`` in this copy of
    /// the engine runs its chunks there.
    public func export(host: UnsafeRawPointer?) -> UnsafeRawPointer? {
        if let host = host?.assumingMemoryBound(to: cnnzoo_host.self),
           host != PluginABI.engineHost, host.pointee.abi_version == UInt32(CNNZOO_PLUGIN_ABI_VERSION) {
            Parallelism.borrowedHost = host
        }
        let table = UnsafeMutablePointer<cnnzoo_plugin>.allocate(capacity: 1)
        table.initialize(to: cnnzoo_plugin(
            abi_version: UInt32(CNNZOO_PLUGIN_ABI_VERSION),
            name: CString.persistent(name), version: CString.persistent(version),
            layers: Self.array(layers.map(ExportedLayer.kind)), layer_count: Int32(layers.count),
            losses: Self.array(losses.map(ExportedLoss.kind)), loss_count: Int32(losses.count),
            optimizers: Self.array(optimizers.map(ExportedOptimizer.kind)), optimizer_count: Int32(optimizers.count),
            models: Self.array(models.map { Optional(CString.persistent(String(decoding: $0.jsonData(), as: UTF8.self))) }),
            model_count: Int32(models.count)))
        return UnsafeRawPointer(table)
    }

    static func array<Element>(_ elements: [Element]) -> UnsafePointer<Element> {
        let pointer = UnsafeMutablePointer<Element>.allocate(capacity: max(elements.count, 1))
        pointer.initialize(from: elements, count: elements.count)
        return UnsafePointer(pointer)
    }

    /// A kind's settings as the boundary lists them.
    static func settings(_ settings: [SettingDescription]) -> UnsafePointer<cnnzoo_setting> {
        array(settings.map {
            cnnzoo_setting(name: CString.persistent($0.name), type: CString.persistent($0.type),
                           default_value: $0.defaultValue.map(CString.persistent), help: CString.persistent($0.help))
        })
    }

    /// The settings JSON the program passes to a create call, as ``Settings`` of `owner`.
    static func settings(json: UnsafePointer<CChar>?, owner: Settings.Owner) throws -> Settings {
        let text = json.map { String(cString: $0) } ?? "{}"
        guard let values = try? JSONDecoder().decode([String: SettingValue].self, from: Data(text.utf8)) else {
            throw ModelError.badSpec("the program passed settings that are not a JSON object: \(text)")
        }
        return Settings(owner: owner, values: values)
    }

    /// What a kind's `create` returns: `make` applied to the type its `context` carries, handed
    /// over retained; a failure writes its one line to `failure` and gives nil.
    static func instance<Kind>(of context: UnsafeMutableRawPointer?, as kind: Kind.Type, failure: cnnzoo_error,
                               _ make: (Kind) throws -> AnyObject) -> UnsafeMutableRawPointer? {
        do {
            return Unmanaged.passRetained(try make(Unmanaged<TypeBox<Kind>>.fromOpaque(context!).takeUnretainedValue().type)).toOpaque()
        } catch {
            CString.write(describe(error), to: failure)
            return nil
        }
    }

    /// The one line a failed create hands back.
    static func describe(_ error: any Error) -> String {
        (error as? ModelError)?.description ?? String(describing: error)
    }
}

/// A type carried in a kind's `context`.
final class TypeBox<T>: @unchecked Sendable {
    let type: T
    init(_ type: T) { self.type = type }
}

/// A ``PluginLayer`` instance behind a `void *` of the boundary, with the C strings it hands out.
final class ExportedLayer {
    let layer: any PluginLayer
    let inputCount: Int, outputCount: Int
    let descriptions: [ParameterDescription]
    let names: [UnsafePointer<CChar>], initializers: [UnsafePointer<CChar>]
    /// The JSON of the last `onnx_nodes` call, kept until the next or the layer's end.
    var onnxNodes: UnsafePointer<CChar>?

    init(_ layer: any PluginLayer, inputShape: [Int]) {
        self.layer = layer
        inputCount = Tensor.count(of: inputShape)
        outputCount = Tensor.count(of: layer.outputShape)
        descriptions = layer.parameters
        names = descriptions.map { CString.persistent($0.name) }
        initializers = descriptions.map { CString.persistent($0.initializer.name) }
    }

    deinit {
        for pointer in names + initializers + [onnxNodes].compactMap({ $0 }) { UnsafeMutablePointer(mutating: pointer).deallocate() }
    }

    static func from(_ pointer: UnsafeMutableRawPointer?) -> ExportedLayer {
        Unmanaged<ExportedLayer>.fromOpaque(pointer!).takeUnretainedValue()
    }

    func values(_ values: UnsafePointer<UnsafeMutablePointer<Float>?>?) -> [UnsafeMutableBufferPointer<Float>] {
        descriptions.indices.map { UnsafeMutableBufferPointer(start: values![$0], count: descriptions[$0].count) }
    }

    /// The C kind of `type`, whose functions reach it through `context`.
    static func kind(_ type: any PluginLayer.Type) -> cnnzoo_layer_kind {
        cnnzoo_layer_kind(
            context: Unmanaged.passRetained(TypeBox(type)).toOpaque(),
            kind: CString.persistent(type.kind), summary: CString.persistent(type.summary),
            settings: PluginLibrary.settings(type.settings), setting_count: Int32(type.settings.count),
            create: { kind, name, json, shape, rank, failure in
                PluginLibrary.instance(of: kind!.pointee.context, as: (any PluginLayer.Type).self, failure: failure) { type in
                    let settings = try PluginLibrary.settings(json: json, owner: .layer(name.map { String(cString: $0) } ?? ""))
                    let inputShape = (0..<Int(rank)).map { Int(shape![$0]) }
                    let layer = try type.init(settings: settings, inputShape: inputShape)
                    guard layer.outputShape.count <= Int(CNNZOO_MAX_RANK) else {
                        throw ModelError.badSpec("an output of \(layer.outputShape.count) axes is more than the boundary's \(CNNZOO_MAX_RANK)")
                    }
                    return ExportedLayer(layer, inputShape: inputShape)
                }
            },
            destroy: { pointer in Unmanaged<ExportedLayer>.fromOpaque(pointer!).release() },
            output_shape: { pointer, shape in
                let outputShape = ExportedLayer.from(pointer).layer.outputShape
                for (axis, extent) in outputShape.enumerated() { shape![axis] = Int64(extent) }
                return Int32(outputShape.count)
            },
            parameter_count: { pointer in Int32(ExportedLayer.from(pointer).descriptions.count) },
            parameter_info: { pointer, index, info in
                let exported = ExportedLayer.from(pointer), index = Int(index), description = exported.descriptions[index]
                var parameter = cnnzoo_parameter()
                parameter.name = exported.names[index]
                parameter.rank = Int32(description.shape.count)
                withUnsafeMutableBytes(of: &parameter.shape) { bytes in
                    for (axis, extent) in description.shape.prefix(Int(CNNZOO_MAX_RANK)).enumerated() {
                        bytes.storeBytes(of: Int64(extent), toByteOffset: axis * 8, as: Int64.self)
                    }
                }
                parameter.initializer = exported.initializers[index]
                parameter.fan_in = Int64(description.fanIn)
                parameter.fan_out = Int64(description.fanOut)
                parameter.is_buffer = description.isBuffer ? 1 : 0
                info!.pointee = parameter
            },
            multiply_adds: { pointer in Int64(ExportedLayer.from(pointer).layer.multiplyAdds) },
            forward: { pointer, pass in
                let exported = ExportedLayer.from(pointer), pass = pass!.pointee, batch = Int(pass.batch)
                let draw = pass.next_random, context = pass.random
                exported.layer.forward(LayerForwardPass(
                    batch: batch, mode: pass.training != 0 ? .training : .evaluation,
                    input: UnsafeBufferPointer(start: pass.input, count: batch * exported.inputCount),
                    output: UnsafeMutableBufferPointer(start: pass.output, count: batch * exported.outputCount),
                    values: exported.values(pass.values),
                    random: PassRandom { draw!(context) }))
            },
            backward: { pointer, pass in
                let exported = ExportedLayer.from(pointer), pass = pass!.pointee, batch = Int(pass.batch)
                exported.layer.backward(LayerBackwardPass(
                    batch: batch,
                    input: UnsafeBufferPointer(start: pass.input, count: batch * exported.inputCount),
                    outputGradient: UnsafeBufferPointer(start: pass.output_gradient, count: batch * exported.outputCount),
                    inputGradient: pass.input_gradient.map { UnsafeMutableBufferPointer(start: $0, count: batch * exported.inputCount) },
                    values: exported.values(pass.values),
                    gradients: exported.descriptions.indices.map { index in
                        pass.gradients![index].map { UnsafeMutableBufferPointer(start: $0, count: exported.descriptions[index].count) }
                    }))
            },
            onnx_nodes: { pointer, name, inputs, output in
                let exported = ExportedLayer.from(pointer)
                let names = inputs.flatMap { try? JSONDecoder().decode([String].self, from: Data(String(cString: $0).utf8)) } ?? []
                guard let nodes = exported.layer.onnxNodes(name: String(cString: name!), inputs: names, output: String(cString: output!)),
                      let json = try? JSONEncoder().encode(nodes) else { return nil }
                if let old = exported.onnxNodes { UnsafeMutablePointer(mutating: old).deallocate() }
                exported.onnxNodes = CString.persistent(String(decoding: json, as: UTF8.self))
                return exported.onnxNodes
            })
    }
}

/// A ``PluginLoss`` instance behind a `void *` of the boundary.
enum ExportedLoss {
    static func kind(_ type: any PluginLoss.Type) -> cnnzoo_loss_kind {
        cnnzoo_loss_kind(
            context: Unmanaged.passRetained(TypeBox(type)).toOpaque(),
            kind: CString.persistent(type.kind), summary: CString.persistent(type.summary),
            settings: PluginLibrary.settings(type.settings), setting_count: Int32(type.settings.count),
            create: { kind, json, failure in
                PluginLibrary.instance(of: kind!.pointee.context, as: (any PluginLoss.Type).self, failure: failure) { type in
                    try type.init(settings: try PluginLibrary.settings(json: json, owner: .loss(type.kind)))
                }
            },
            destroy: { pointer in Unmanaged<AnyObject>.fromOpaque(pointer!).release() },
            evaluate: { pointer, batch, width, output, target, gradient in
                let loss = Unmanaged<AnyObject>.fromOpaque(pointer!).takeUnretainedValue() as! any PluginLoss
                let count = Int(batch * width)
                return loss.evaluate(batch: Int(batch), width: Int(width), output: UnsafeBufferPointer(start: output, count: count),
                                     target: UnsafeBufferPointer(start: target, count: count),
                                     gradient: UnsafeMutableBufferPointer(start: gradient, count: count))
            })
    }
}

/// A ``PluginOptimizer`` value behind a `void *` of the boundary, with the C strings it hands out.
final class ExportedOptimizer {
    let optimizer: any PluginOptimizer
    let hyperparameters: UnsafePointer<CChar>
    let slots: [UnsafePointer<CChar>]

    init(_ optimizer: any PluginOptimizer) {
        self.optimizer = optimizer
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        hyperparameters = CString.persistent(String(decoding: (try? encoder.encode(optimizer.hyperparameters)) ?? Data("{}".utf8), as: UTF8.self))
        slots = optimizer.slots.map(CString.persistent)
    }

    deinit {
        for pointer in slots + [hyperparameters] { UnsafeMutablePointer(mutating: pointer).deallocate() }
    }

    static func from(_ pointer: UnsafeMutableRawPointer?) -> ExportedOptimizer {
        Unmanaged<ExportedOptimizer>.fromOpaque(pointer!).takeUnretainedValue()
    }

    static func kind(_ type: any PluginOptimizer.Type) -> cnnzoo_optimizer_kind {
        cnnzoo_optimizer_kind(
            context: Unmanaged.passRetained(TypeBox(type)).toOpaque(),
            kind: CString.persistent(type.kind), summary: CString.persistent(type.summary),
            settings: PluginLibrary.settings(type.settings), setting_count: Int32(type.settings.count),
            create: { kind, json, failure in
                PluginLibrary.instance(of: kind!.pointee.context, as: (any PluginOptimizer.Type).self, failure: failure) { type in
                    ExportedOptimizer(try type.init(settings: try PluginLibrary.settings(json: json, owner: .optimizer(type.kind))))
                }
            },
            destroy: { pointer in Unmanaged<ExportedOptimizer>.fromOpaque(pointer!).release() },
            learning_rate: { pointer in ExportedOptimizer.from(pointer).optimizer.learningRate },
            hyperparameters: { pointer in ExportedOptimizer.from(pointer).hyperparameters },
            slot_count: { pointer in Int32(ExportedOptimizer.from(pointer).slots.count) },
            slot_name: { pointer, index in ExportedOptimizer.from(pointer).slots[Int(index)] },
            update: { pointer, update in
                let update = update!.pointee, count = Int(update.count), exported = ExportedOptimizer.from(pointer)
                exported.optimizer.update(ParameterUpdate(
                    step: Int(update.step), learningRate: update.learning_rate, path: String(cString: update.path),
                    value: UnsafeMutableBufferPointer(start: update.value, count: count),
                    gradient: UnsafeBufferPointer(start: update.gradient, count: count),
                    slots: exported.slots.indices.map { UnsafeMutableBufferPointer(start: update.slots![$0], count: count) }))
            })
    }
}

import Foundation
internal import CNNZooPluginABI

/// An optimizer of a kind that came through the C boundary (`cnnzoo_optimizer_kind`). The
/// engine keeps its state, counts its steps and hands it each parameter's buffers in turn.
struct ForeignOptimizer: Optimizer, @unchecked Sendable {
    private let handle: Handle
    let kind: String
    let learningRate: Double
    let hyperparameters: [(name: String, value: SettingValue)]
    let slots: [String]

    /// Owns the plugin's instance.
    final class Handle: @unchecked Sendable {
        let kind: UnsafePointer<cnnzoo_optimizer_kind>
        let instance: UnsafeMutableRawPointer
        init(kind: UnsafePointer<cnnzoo_optimizer_kind>, instance: UnsafeMutableRawPointer) {
            self.kind = kind
            self.instance = instance
        }
        deinit { kind.pointee.destroy(instance) }
    }

    init(kind: UnsafePointer<cnnzoo_optimizer_kind>, settings: Settings, declared: [SettingDescription]) throws {
        let instance = try Foreign.create(settings: settings, refusal: ModelError.badOptimizer) { json, error in
            kind.pointee.create(kind, json, error)
        }
        handle = Handle(kind: kind, instance: instance)
        self.kind = String(cString: kind.pointee.kind)
        learningRate = kind.pointee.learning_rate(instance)
        let text = String(cString: kind.pointee.hyperparameters(instance)!)
        guard let values = try? JSONDecoder().decode([String: SettingValue].self, from: Data(text.utf8)) else {
            throw ModelError.badOptimizer("optimizer '\(self.kind)': its plugin gave hyperparameters that are not a JSON object: \(text)")
        }
        // In declaration order, as the built-in optimizers list theirs.
        hyperparameters = declared.compactMap { setting in values[setting.name].map { (setting.name, $0) } }
        slots = (0..<kind.pointee.slot_count(instance)).map { String(cString: kind.pointee.slot_name(instance, $0)!) }
    }

    func step(_ parameters: [(path: String, parameter: Parameter)], learningRate: Double, state: inout OptimizerState) {
        let (kind, instance, step) = (handle.kind, handle.instance, state.step)
        for (path, parameter) in parameters {
            state.update(path, parameter, slots: slots, split: false) { span, value, gradient, slots in
                path.withCString { path in
                    slots.map(Optional.init).withUnsafeBufferPointer { slots in
                        var update = cnnzoo_update(step: Int64(step), learning_rate: learningRate, path: path, count: Int64(span.count),
                                                   value: value, gradient: gradient, slots: slots.baseAddress)
                        kind.pointee.update(instance, &update)
                    }
                }
            }
        }
        state.step += 1
    }
}

extension KindEntry where Maker == OptimizerMaker {
    /// The entry of an optimizer kind from a plugin's C table.
    init(foreign kind: UnsafePointer<cnnzoo_optimizer_kind>) {
        let kind = UncheckedSendable(kind)
        let settings = SettingDescription.list(kind.value.pointee.settings, count: kind.value.pointee.setting_count)
        self.init(kind: String(cString: kind.value.pointee.kind), summary: String(cString: kind.value.pointee.summary),
                  settings: settings,
                  maker: OptimizerMaker { values in try ForeignOptimizer(kind: kind.value, settings: values, declared: settings) })
    }
}

import Foundation
internal import CNNZooPluginABI

/// A loss of a kind that came through the C boundary (`cnnzoo_loss_kind`).
final class ForeignLoss: Loss {
    private let kind: UnsafePointer<cnnzoo_loss_kind>
    private let instance: UnsafeMutableRawPointer

    init(kind: UnsafePointer<cnnzoo_loss_kind>, settings: Settings) throws {
        self.kind = kind
        instance = try Foreign.create(settings: settings, refusal: ModelError.badSpec) { json, error in
            kind.pointee.create(kind, json, error)
        }
    }

    deinit { kind.pointee.destroy(instance) }

    func evaluate(output: Tensor, target: Tensor) -> (loss: Float, gradient: Tensor) {
        var gradient = Tensor.uninitialized(output.shape)
        let (batch, width) = (output.batchSize, output.sampleCount)
        let loss = withPointers(output, target) { y, t in
            gradient.withMutablePointer { g in kind.pointee.evaluate(instance, Int64(batch), Int64(width), y, t, g) }
        }
        return (loss, gradient)
    }
}

extension KindEntry where Maker == LossMaker {
    /// The entry of a loss kind from a plugin's C table.
    init(foreign kind: UnsafePointer<cnnzoo_loss_kind>) {
        let kind = UncheckedSendable(kind)
        self.init(kind: String(cString: kind.value.pointee.kind), summary: String(cString: kind.value.pointee.summary),
                  settings: SettingDescription.list(kind.value.pointee.settings, count: kind.value.pointee.setting_count),
                  maker: LossMaker { settings in try ForeignLoss(kind: kind.value, settings: settings) })
    }
}

/// What the engine's sides of the boundary share.
enum Foreign {
    /// Calls a kind's create with `settings` as JSON and an error buffer; a refusal throws
    /// `refusal` of the plugin's reason.
    static func create(settings: Settings, refusal: (String) -> ModelError,
                       _ create: (String, cnnzoo_error) -> UnsafeMutableRawPointer?) throws -> UnsafeMutableRawPointer {
        let json = String(decoding: try JSONEncoder().encode(settings.values), as: UTF8.self)
        var message = [CChar](repeating: 0, count: 1024)
        let created = message.withUnsafeMutableBufferPointer { buffer in
            create(json, cnnzoo_error(message: buffer.baseAddress, capacity: Int64(buffer.count)))
        }
        guard let created else {
            let reason = message.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
            throw refusal(reason.isEmpty ? "\(settings.layerName): its plugin refused to build it and gave no reason" : reason)
        }
        return created
    }
}

import CNNZoo

/// A layer kind named like a built-in one: loading must be refused.
final class ShadowReLU: PluginLayer {
    static let kind = "relu"
    static let summary = "a second relu"
    static let settings: [SettingDescription] = []
    let outputShape: [Int]
    init(settings: Settings, inputShape: [Int]) throws { outputShape = inputShape }
    var parameters: [ParameterDescription] { [] }
    func forward(_ pass: LayerForwardPass) { _ = pass.output.update(fromContentsOf: pass.input) }
    func backward(_ pass: LayerBackwardPass) { _ = pass.inputGradient?.update(fromContentsOf: pass.outputGradient) }
}

@_cdecl("cnnzoo_plugin_abi")
public func cnnzooPluginABI() -> UnsafePointer<CChar> { PluginLibrary.abi }

@_cdecl("cnnzoo_plugin_entry")
public func cnnzooPluginEntry(_ host: UnsafeRawPointer?) -> UnsafeRawPointer? {
    PluginLibrary(name: "shadow-relu", version: "0.0.1", layers: [ShadowReLU.self]).export(host: host)
}

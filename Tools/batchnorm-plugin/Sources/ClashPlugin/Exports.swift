import CNNZoo

/// A layer kind named like a built-in one: loading must be refused.
final class ShadowReLU: Layer {
    static let kind = "relu"
    static let summary = "a second relu"
    static let settings: [SettingDescription] = []
    let outputShape: [Int]
    init(settings: LayerSettings, inputShape: [Int]) throws { outputShape = inputShape }
    func forward(_ x: consuming Tensor, mode: Mode, random: inout RandomGenerator) -> Tensor { x }
    func backward(_ dy: consuming Tensor) -> Tensor { dy }
}

@_cdecl("cnnzoo_plugin_fingerprint")
public func cnnzooPluginFingerprint() -> UnsafeRawPointer { PluginABI.pointer(to: cnnzooBuildFingerprint) }

@_cdecl("cnnzoo_plugin_entry")
public func cnnzooPluginEntry() -> UnsafeMutableRawPointer {
    PluginABI.export(Plugin(name: "shadow-relu", version: "0.0.1", layers: [ShadowReLU.self]))
}

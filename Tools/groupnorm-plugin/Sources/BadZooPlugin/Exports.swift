import CNNZoo

// A zoo entry naming a layer kind nobody registers: loading must be refused.

@_cdecl("cnnzoo_plugin_abi")
public func cnnzooPluginABI() -> UnsafePointer<CChar> { PluginLibrary.abi }

@_cdecl("cnnzoo_plugin_entry")
public func cnnzooPluginEntry(_ host: UnsafeRawPointer?) -> UnsafeRawPointer? {
    let broken = ModelSpec(name: "broken-net", inputShape: [1, 28, 28], classes: 10,
                           layers: [LayerSpec(name: "mystery", kind: "conv3d")], loss: LossSpec(kind: "cross_entropy", fromLogits: true))
    return PluginLibrary(name: "bad-zoo", version: "0.0.1", models: [broken]).export(host: host)
}

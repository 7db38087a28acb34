import CNNZoo

// A zoo entry naming a layer kind nobody registers: loading must be refused.

@_cdecl("cnnzoo_plugin_fingerprint")
public func cnnzooPluginFingerprint() -> UnsafeRawPointer { PluginABI.pointer(to: cnnzooBuildFingerprint) }

@_cdecl("cnnzoo_plugin_entry")
public func cnnzooPluginEntry() -> UnsafeMutableRawPointer {
    let broken = ModelSpec(name: "broken-net", inputShape: [1, 28, 28], classes: 10,
                           layers: [LayerSpec(name: "mystery", kind: "conv3d")], loss: LossSpec(kind: "cross_entropy", fromLogits: true))
    return PluginABI.export(Plugin(name: "bad-zoo", version: "0.0.1", models: [broken]))
}

import BatchNorm
import CNNZoo

// Another plugin registering `batchnorm2d`: loading it beside cnn-zoo-batchnorm must be refused.

@_cdecl("cnnzoo_plugin_fingerprint")
public func cnnzooPluginFingerprint() -> UnsafeRawPointer { PluginABI.pointer(to: cnnzooBuildFingerprint) }

@_cdecl("cnnzoo_plugin_entry")
public func cnnzooPluginEntry() -> UnsafeMutableRawPointer {
    PluginABI.export(Plugin(name: "batchnorm-twin", version: "9.9.9", layers: [BatchNorm2D.self]))
}

import BatchNorm
import CNNZoo

// The two symbols cnn-zoo looks up in a plugin library.

@_cdecl("cnnzoo_plugin_fingerprint")
public func cnnzooPluginFingerprint() -> UnsafeRawPointer { PluginABI.pointer(to: cnnzooBuildFingerprint) }

@_cdecl("cnnzoo_plugin_entry")
public func cnnzooPluginEntry() -> UnsafeMutableRawPointer { PluginABI.export(batchNormPlugin) }

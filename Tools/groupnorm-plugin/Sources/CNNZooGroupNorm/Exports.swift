import CNNZoo
import GroupNorm

// The two symbols cnn-zoo looks up in a plugin library (cnnzoo_plugin.h).

@_cdecl("cnnzoo_plugin_abi")
public func cnnzooPluginABI() -> UnsafePointer<CChar> { PluginLibrary.abi }

@_cdecl("cnnzoo_plugin_entry")
public func cnnzooPluginEntry(_ host: UnsafeRawPointer?) -> UnsafeRawPointer? { groupNormLibrary.export(host: host) }

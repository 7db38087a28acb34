import CNNZoo
import GroupNorm

// Another plugin registering `group_norm`: loading it beside cnn-zoo-groupnorm must be refused.

@_cdecl("cnnzoo_plugin_abi")
public func cnnzooPluginABI() -> UnsafePointer<CChar> { PluginLibrary.abi }

@_cdecl("cnnzoo_plugin_entry")
public func cnnzooPluginEntry(_ host: UnsafeRawPointer?) -> UnsafeRawPointer? {
    PluginLibrary(name: "groupnorm-twin", version: "9.9.9", layers: [GroupNorm.self]).export(host: host)
}

import BatchNorm
import CNNZoo

// Another plugin registering `batchnorm2d`: loading it beside cnn-zoo-batchnorm must be refused.

@_cdecl("cnnzoo_plugin_abi")
public func cnnzooPluginABI() -> UnsafePointer<CChar> { PluginLibrary.abi }

@_cdecl("cnnzoo_plugin_entry")
public func cnnzooPluginEntry(_ host: UnsafeRawPointer?) -> UnsafeRawPointer? {
    PluginLibrary(name: "batchnorm-twin", version: "9.9.9", layers: [BatchNorm2D.self]).export(host: host)
}

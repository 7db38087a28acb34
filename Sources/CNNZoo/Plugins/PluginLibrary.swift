/// What a plugin library adds to cnn-zoo, described in Swift: its name, version, layer, loss
/// and optimizer kinds and zoo entries. ``export(host:)`` turns it into the C table that a
/// program loads (`cnnzoo_plugin.h`); ``Plugin/init(library:)`` builds the same kinds into a
/// program through the same table.
///
/// A library exports two C symbols:
///
///     @_cdecl("cnnzoo_plugin_abi")
///     public func pluginABI() -> UnsafePointer<CChar> { PluginLibrary.abi }
///     @_cdecl("cnnzoo_plugin_entry")
///     public func pluginEntry(_ host: UnsafeRawPointer?) -> UnsafeRawPointer? { myLibrary.export(host: host) }
public struct PluginLibrary: Sendable {
    public let name: String
    public let version: String
    public var layers: [any PluginLayer.Type]
    public var losses: [any PluginLoss.Type]
    public var optimizers: [any PluginOptimizer.Type]
    /// Zoo entries: specs that `cnn-zoo list` shows and `train NAME` trains.
    public var models: [ModelSpec]

    public init(name: String, version: String, layers: [any PluginLayer.Type] = [], losses: [any PluginLoss.Type] = [],
                optimizers: [any PluginOptimizer.Type] = [], models: [ModelSpec] = []) {
        self.name = name
        self.version = version
        self.layers = layers
        self.losses = losses
        self.optimizers = optimizers
        self.models = models
    }
}
